"""Read side of the notifications page: a person's notices, their unread count, and what is about to slip.

Every function is a fixed number of queries whatever the row count (names come from the in-memory plan).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from renju.accounts.models import Role
from renju.notify.models import Kind, Notification, kind_label
from renju.notify.reminders import before_hours, before_window_end
from renju.plans.active import active_plan
from renju.problems.models import ON_THE_CLOCK, Problem
from renju.problems.queries.common import duration_label

TABS = {"unread": "未读", "all": "全部"}
INBOX_LIMIT = 100
SLIP_LIMIT = 20
ROW_FIELDS = ("id", "kind", "title", "body", "created_at", "read_at", "problem_id", "due_at")
# How each kind looks (a badge class from app.css).
BADGES = {Kind.DUE_SOON: "dispatched", Kind.OVERDUE: "overdue", Kind.OVERDUE_DAILY: "overdue"}


def notifications_for(user) -> QuerySet:
    """The notices `user` may see: their own; those a handler got for a unit, only while they act for that unit."""
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    mine = Notification.objects.filter(recipient=user)
    if user.role == Role.HANDLER:
        mine = mine.filter(Q(unit_id=user.unit_id) | Q(unit__isnull=True))
    return mine


def unread_count(user) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()


def inbox(user, tab: str, limit: int = INBOX_LIMIT) -> dict:
    """One tab of the person's notices, newest first, and the count of each tab (two queries)."""
    tab = tab if tab in TABS else "unread"
    counts = notifications_for(user).aggregate(all=Count("id"), unread=Count("id", filter=Q(read_at__isnull=True)))
    rows = notifications_for(user)
    if tab == "unread":
        rows = rows.filter(read_at__isnull=True)
    return {
        "tab": tab,
        "tabs": [{"code": code, "label": label, "count": counts[code]} for code, label in TABS.items()],
        "unread": counts["unread"],
        "rows": [_row(r) for r in rows.order_by("-created_at", "-id").values(*ROW_FIELDS)[:limit]],
        "limit": limit,
    }


def inbox_row(user, notification_id: int) -> dict | None:
    row = notifications_for(user).filter(pk=notification_id).values(*ROW_FIELDS).first()
    return _row(row) if row else None


def _row(row: dict) -> dict:
    return {**row, "kind_label": kind_label(row["kind"]), "badge": BADGES.get(row["kind"], "accepted")}


def sees_slips(user) -> bool:
    return user.is_authenticated and user.has_role(Role.DISPATCHER)


def slipping(now: dt.datetime, limit: int = SLIP_LIMIT) -> dict:
    """For dispatchers: problems on a unit's clock with at most the reminder's working hours left, soonest first,
    with the remaining working time, and how many are already overdue (two queries)."""
    ctx = active_plan()
    calendar = ctx.calendar
    hours = before_hours()
    until = before_window_end(now, calendar, hours)
    on_clock = Q(status__in=ON_THE_CLOCK, due_at__isnull=False)
    counts = Problem.objects.filter(on_clock).aggregate(
        soon=Count("id", filter=Q(due_at__gte=now, due_at__lte=until)), overdue=Count("id", filter=Q(due_at__lt=now)),
    )
    values = (
        Problem.objects.filter(on_clock, due_at__gte=now, due_at__lte=until)
        .order_by("due_at", "id")
        .values("id", "number", "status", "unit_id", "category_id", "due_at", "is_key")[:limit]
    )
    rows = []
    for p in values:
        unit = ctx.units_by_id.get(p["unit_id"])
        category = ctx.categories_by_id.get(p["category_id"])
        left = calendar.working_minutes_between(now, p["due_at"])
        rows.append({**p, "unit": unit.name if unit else "", "category": category.name if category else "",
                     "left": duration_label(left * 60)})
    return {"hours": hours, "rows": rows, "soon": counts["soon"], "overdue": counts["overdue"], "limit": limit}
