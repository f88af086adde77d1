"""GET servicerequestupdates: the status-updates extension FixMyStreet and mySociety's open311-adapter use, so a
hotline platform can pull progress instead of polling every request.

Each update is one event of the problem's log (update_id = the event's id, so it never changes and a client can
de-duplicate on it), in time order, for the events a caller should hear about: reported, accepted, rejected,
merged, dispatched (also 直派), returned for re-routing, on site, rectified, verified (pass or rework), deadline
extended or not, clock stopped and restarted, put on the ledger and its milestones, rechecked. Internal
book-keeping (key-problem flags, a unit's own extension request) is left out. Descriptions are written here from
the event, in words a caller understands; free text is only what was written for the reporter (the reject reason)
and is masked for personal data like everything else.

status uses the extension's extended values (open, investigating, action_scheduled, in_progress, fixed,
duplicate, no_further_action, internal_referral, closed) and external_status_code carries our own state.
"""

from __future__ import annotations

from django.db.models import Min
from django.urls import reverse

from renju.accounts.models import User
from renju.open311.params import Page, Window
from renju.open311.privacy import mask_personal
from renju.open311.queries import visible_problem_q
from renju.open311.render import w3c
from renju.plans.active import PlanContext
from renju.problems.models import Photo, ProblemEvent, Status

PUBLIC_ACTIONS = (
    "report", "accept", "reject", "merge", "dispatch", "return", "arrive", "rectify", "verify", "extension_decide",
    "suspend", "resume", "ledger", "ledger_progress", "milestone_verify", "recheck",
)

EXTENDED_STATUS = {
    Status.REPORTED: "open",
    Status.ACCEPTED: "investigating",
    Status.REJECTED: "no_further_action",
    Status.MERGED: "duplicate",
    Status.DISPATCHED: "action_scheduled",
    Status.RETURNED: "internal_referral",
    Status.RECTIFIED: "in_progress",
    Status.REWORK: "action_scheduled",
    Status.CLOSED: "fixed",
    Status.LEDGERED: "in_progress",
    Status.SUSPENDED: "in_progress",
}

EVENT_FIELDS = ("id", "problem__number", "action", "to_status", "at", "details", "unit_id", "due_at")


def _due(event: dict) -> str:
    due = w3c(event["due_at"])
    return f"，整改时限 {due[:16].replace('T', ' ')}" if due else ""


def describe(event: dict, unit_name: str) -> str:
    """One sentence for one event, from its action and details."""
    action, d = event["action"], event["details"] or {}
    if action == "report":
        return "已收到，待审核立案"
    if action == "accept":
        return "已立案"
    if action == "reject":
        return f"不予立案：{d['reason']}" if d.get("reason") else "不予立案"
    if action == "merge":
        return f"与 {d['into']} 为同一问题，已合并办理" if d.get("into") else "已合并办理"
    if action == "dispatch":
        return f"已派遣{unit_name}{_due(event)}"
    if action == "return":
        return "责任单位申请改派，正在重新派遣"
    if action == "arrive":
        return f"{unit_name}已到达现场"
    if action == "rectify":
        return f"{unit_name}已整改，待现场核查"
    if action == "verify":
        passed = event["to_status"] == Status.CLOSED  # the state it led to, not the details' wording, decides
        return "经现场核查，整改合格，销号" if passed else f"现场核查未通过，返工整改{_due(event)}"
    if action == "extension_decide":
        return f"整改时限延长{_due(event)}" if d.get("approve") else "延期申请未获批准，整改时限不变"
    if action == "suspend":
        return "因客观原因暂停计时"
    if action == "resume":
        return f"恢复计时{_due(event)}"
    if action == "ledger":
        return f"已列入整改台账，{unit_name}按计划分步整改"
    if action == "ledger_progress":
        return f"{unit_name}报告了整改进展"
    if action == "milestone_verify":
        passed = d.get("result") == "pass"
        closed = event["to_status"] == Status.CLOSED
        if closed:
            return "整改台账全部完成，经核查销号"
        return f"整改节点「{d.get('title', '')}」核查{'通过' if passed else '未通过'}"
    if action == "recheck":
        return "回头看：发现问题反弹，已重新立案" if d.get("relapse") else "回头看：未反弹"
    return ""


def service_request_updates(user: User | None, ctx: PlanContext, *, window: Window, page: Page,
                            base_url: str) -> tuple[list[dict], bool]:
    rows = ProblemEvent.objects.filter(action__in=PUBLIC_ACTIONS, at__gte=window.start, at__lte=window.end)
    condition = visible_problem_q(user, "problem__")
    if condition is not None:
        rows = rows.filter(condition)
    found = list(rows.order_by("at", "id").values(*EVENT_FIELDS)[page.offset: page.offset + page.size + 1])
    more = len(found) > page.size
    events = found[: page.size]
    photos: dict[int, int] = {}
    if user is not None and events:
        # Photos are shown to callers with a key (the API checks the same key again when the URL is fetched).
        photos = dict(Photo.objects.filter(event_id__in=[e["id"] for e in events]).order_by().values("event_id")
                      .annotate(first=Min("id")).values_list("event_id", "first"))
    units = ctx.units_by_id
    out = []
    for e in events:
        unit = units.get(e["unit_id"]) if e["unit_id"] else None
        photo_id = photos.get(e["id"])
        out.append({
            "update_id": str(e["id"]),
            "service_request_id": e["problem__number"],
            "status": EXTENDED_STATUS.get(e["to_status"], "open"),
            "updated_datetime": w3c(e["at"]),
            "description": mask_personal(describe(e, unit.name if unit else "责任单位")),
            "media_url": base_url + reverse("api-v1:photo_thumbnail", kwargs={"photo_id": photo_id})
            if photo_id else "",
            "external_status_code": e["to_status"],
        })
    return out, more
