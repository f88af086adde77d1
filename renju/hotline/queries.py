"""Which orders a person may see, the dispatcher's queues, and an order as every reader gets it (masked per role).

A unit handler sees the orders of their unit's problems only (the problems they may see); an order not yet filed
as a problem belongs to no unit and is the dispatchers' alone. Every other role that may open these pages sees every
order, with the caller masked unless the plan says otherwise (`renju.hotline.privacy`).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from renju.accounts.models import Role
from renju.hotline import privacy
from renju.hotline.models import HotlineOrder
from renju.problems.models import Problem, Status

QUEUES = {
    "all": ("全部", Q()),
    "review": ("待核定类型", Q(needs_review=True, problem__status=Status.REPORTED)),
    "unlocated": ("待定位", Q(problem__isnull=True)),
    "reply_pending": ("待回复", Q(reply_status=HotlineOrder.Reply.PENDING)),
    "reply_failed": ("回复失败", Q(reply_status=HotlineOrder.Reply.FAILED)),
}


def orders_visible_to(user) -> QuerySet[HotlineOrder]:
    if not user.is_authenticated or not user.is_active:
        return HotlineOrder.objects.none()
    rows = HotlineOrder.objects.select_related("problem", "problem__unit", "problem__category",
                                               "problem__suggested_unit")
    if user.role == Role.HANDLER:
        return rows.filter(problem__in=Problem.objects.visible_to(user))
    return rows


def order_for(user, order_id: int) -> HotlineOrder:
    order = orders_visible_to(user).filter(pk=order_id).first()
    if order is None:
        raise Http404("no such order")
    return order


def order_by_number_for(user, order_no: str) -> HotlineOrder:
    order = orders_visible_to(user).filter(order_no=order_no).first()
    if order is None:
        raise Http404("no such order")
    return order


def queue_rows(user, queue: str) -> QuerySet[HotlineOrder]:
    _label, condition = QUEUES.get(queue, QUEUES["all"])
    return orders_visible_to(user).filter(condition).order_by("-received_at", "-id")


def queue_counts(user) -> dict[str, int]:
    rows = orders_visible_to(user)
    return {name: rows.filter(condition).count() for name, (_label, condition) in QUEUES.items()}


def order_out(order: HotlineOrder, user) -> dict:
    """An order as `user` may read it: the JSON of the API and the rows of the export."""
    caller = privacy.caller_for(order, user)
    problem = order.problem
    return {
        "id": order.id,
        "order_no": order.order_no,
        "received_at": order.received_at,
        "caller_name": caller.name,
        "caller_phone": caller.phone,
        "caller_masked": caller.masked,
        "content": privacy.content_for(order, user),
        "address": order.address,
        "category_hint": order.category_hint,
        "urgency": order.urgency,
        "channel": order.channel,
        "located_by": order.located_by,
        "located_name": order.located_name,
        "lat": order.lat,
        "lng": order.lng,
        "unlocated": problem is None,
        "suggestion": {
            "category": order.suggested_category,
            "confidence": order.suggestion_confidence,
            "by": order.suggestion.get("by", ""),
            "top": order.suggestion.get("top", []),
            "needs_review": order.needs_review,
            # The unit routing suggests for the problem (category and place); none before the order has a place.
            "unit": problem.suggested_unit.code if problem is not None and problem.suggested_unit_id else None,
        },
        "problem": None if problem is None else {
            "id": problem.id, "number": problem.number, "status": problem.status,
            "category": problem.category.code, "unit": problem.unit.code if problem.unit_id else None,
        },
        "reply": {"status": order.reply_status or "none", "attempts": order.reply_attempts,
                  "replied_at": order.replied_at, "error": order.reply_error},
    }
