"""Navigation: each role sees only the pages it may use."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

# (url name, label, roles). Admins see everything.
NAV = [
    ("web:inspector_report", "上报问题", ("inspector",)),
    ("web:inspector_mine", "我的上报", ("inspector",)),
    ("web:inspector_verify_queue", "待核查", ("inspector",)),
    ("web:inspector_rechecks", "回头看", ("inspector",)),
    ("web:dispatcher_intake", "受理派遣", ("dispatcher",)),
    ("web:dispatcher_search", "问题查询", ("dispatcher", "scorer", "leader")),
    ("web:handler_inbox", "待办问题", ("handler",)),
    ("web:self_check", "自查上报", ("handler",)),
    ("web:ledger", "整改台账", ("dispatcher", "handler", "leader", "scorer")),
    ("web:evidence_report", "照片核验", ("dispatcher", "scorer", "leader", "inspector")),
    ("web:leader_dashboard", "一屏观全局", ("leader", "dispatcher", "scorer")),
    ("web:drone_flights", "无人机航拍", ("inspector", "dispatcher", "leader", "scorer")),
    ("web:hotline_orders", "12345工单", ("dispatcher", "handler", "leader", "scorer")),
    ("web:referral_batches", "上级交办", ("dispatcher", "leader", "scorer")),
    ("web:video_cameras", "视频AI", ("dispatcher", "leader", "scorer")),
    ("web:video_arrive", "视频告警到场", ("handler",)),
    ("web:assessment", "考核排名", ("scorer", "leader")),
    ("web:assessment", "本单位考核", ("handler",)),
]


# Pages that act as the user's own unit: an admin has none, so they are not offered to admins.
UNIT_ONLY = {"web:self_check", "web:video_arrive"}


def nav_items(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    items, seen = [], set()
    for name, label, roles in NAV:
        # The same page may be listed under a label per role (考核排名 / 本单位考核); an admin gets it once.
        admin_sees = user.role == "admin" and name not in UNIT_ONLY
        if (user.role in roles or admin_sees) and name not in seen:
            seen.add(name)
            items.append({"url": reverse(name), "label": label, "name": name})
    return items


def navigation(request) -> dict:
    return {
        "nav_items": nav_items(request.user),
        "map_settings": {
            "tileUrl": settings.RENJU_MAP_TILE_URL,
            "tileAttribution": settings.RENJU_MAP_TILE_ATTRIBUTION,
            "tileCrs": settings.RENJU_MAP_TILE_CRS,
        },
    }
