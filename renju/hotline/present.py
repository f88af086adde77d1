"""What the pages show, prepared so templates only print: rows of the list, the order page, the import report,
export rows, and the lifecycle's English refusals in Chinese."""

from __future__ import annotations

from renju.hotline import privacy
from renju.hotline.models import HotlineOrder
from renju.hotline.replies import reply_url
from renju.hotline.spreadsheet import ImportReport
from renju.hotline.suggest import min_confidence
from renju.plans.active import active_plan
from renju.plans.models import Region
from renju.problems.errors import InvalidInput
from renju.problems.models import Status

EXPORT_HEADER = ["工单编号", "受理时间", "来电人", "来电号码", "诉求内容", "事发地址", "定位方式", "匹配地名",
                 "建议类型", "置信度", "待核定类型", "问题编号", "问题状态", "回复状态"]
REPLY_NAMES = {"none": "未回复", **{c: n for c, n in HotlineOrder.Reply.choices if c}}
FIELD_NAMES = {"lat": "位置", "lng": "位置", "region": "区域", "category": "问题类型", "order": "工单",
               "note": "说明"}
MESSAGES = {
    "give a point (lat, lng) or a region": "请在地图上点选位置，或选择所在区域",
    "give both lat and lng, or neither": "请同时填写纬度和经度",
    "required": "必填",
}


def _percent(p: float | None) -> str:
    return f"{p * 100:.0f}%" if p is not None else "—"


def order_row(order: HotlineOrder, user) -> dict:
    caller = privacy.caller_for(order, user)
    category = active_plan().categories.get(order.suggested_category)
    return {
        "id": order.id, "order_no": order.order_no, "received_at": order.received_at,
        "caller": f"{caller.name} {caller.phone}".strip(),
        "content": privacy.content_for(order, user),
        "place": order.located_name or order.address or "—",
        "unlocated": order.problem_id is None,
        "category": category.name if category else order.suggested_category,
        "confidence": _percent(order.suggestion_confidence),
        "needs_review": order.needs_review and order.problem_id is not None
        and order.problem.status == Status.REPORTED,
        "problem": order.problem,
        "reply": REPLY_NAMES.get(order.reply_status or "none", order.reply_status),
        "reply_status": order.reply_status or "none",
    }


def detail_context(order: HotlineOrder, user, errors: dict) -> dict:
    ctx = active_plan()
    caller = privacy.caller_for(order, user)
    problem = order.problem
    is_dispatcher = user.role in ("dispatcher", "admin")
    top = [{**t, "percent": _percent(t.get("p")), "suggested": t.get("code") == order.suggested_category}
           for t in order.suggestion.get("top", [])]
    reported = problem is not None and problem.status == Status.REPORTED
    return {
        "order": order, "caller": caller, "content": privacy.content_for(order, user), "problem": problem,
        "top": top, "words": order.suggestion.get("words", []), "by_hint": order.suggestion.get("by") == "hint",
        "confidence": _percent(order.suggestion_confidence), "threshold": _percent(min_confidence()),
        "review_open": order.needs_review and reported,
        "reply_name": REPLY_NAMES.get(order.reply_status or "none", order.reply_status),
        "reply_configured": bool(reply_url()),
        "can_place": is_dispatcher and problem is None,
        "can_settle": is_dispatcher and reported,
        "can_retry": is_dispatcher and order.reply_status == HotlineOrder.Reply.FAILED,
        "categories": sorted(ctx.categories.values(), key=lambda c: c.position) if is_dispatcher and reported else [],
        "regions": _place_regions() if is_dispatcher and problem is None else [],
        "errors": errors,
    }


def _place_regions() -> list[Region]:
    return list(Region.objects.filter(kind__in=("town", "street", "village", "community"))
                .order_by("code").only("code", "name", "kind"))


def point_from_form(data) -> tuple[float | None, float | None]:
    lat, lng = (data.get("lat") or "").strip(), (data.get("lng") or "").strip()
    if not lat and not lng:
        return None, None
    try:
        return float(lat), float(lng)
    except ValueError as exc:
        raise InvalidInput.one("lat", "纬度、经度应为数字") from exc


def refusal_message(exc: Exception) -> str:
    if not isinstance(exc, InvalidInput):
        return str(exc)
    parts = []
    for name, reasons in exc.errors.items():
        for reason in reasons:
            text = MESSAGES.get(reason, reason)
            if text.startswith("the point ("):
                text = "该位置不在任何区域内"
            elif text.startswith("unknown region code"):
                text = "没有这个区域"
            parts.append(f"{FIELD_NAMES.get(name, name)}：{text}")
    return "；".join(parts)


def import_summary(report: ImportReport) -> dict:
    return {"created": report.count("created"), "existing": report.count("existing"),
            "refused": report.count("refused"), "total": len(report.rows)}


def export_row(out: dict) -> list:
    s = out["suggestion"]
    problem = out["problem"] or {}
    return [out["order_no"], out["received_at"].isoformat(), out["caller_name"], out["caller_phone"], out["content"],
            out["address"], HotlineOrder.LocatedBy(out["located_by"]).label if out["located_by"] else "",
            out["located_name"], s["category"], _percent(s["confidence"]), "是" if s["needs_review"] else "",
            problem.get("number", ""), Status(problem["status"]).label if problem else "",
            REPLY_NAMES.get(out["reply"]["status"], out["reply"]["status"])]
