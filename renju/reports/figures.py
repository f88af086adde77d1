"""The counts behind the weekly dispatch report and the supervision notices, from the event log.

Each event carries the problem's unit and deadline right after it (ProblemEvent.unit, .due_at), so "whose was it and
was it late at time t" is the last event before t: figures for a past week come out the same whenever they are run.
A fixed number of aggregate queries per report, whatever the number of problems or units.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery

from renju.plans.active import PlanContext
from renju.problems.models import ON_THE_CLOCK, Problem, ProblemEvent, Status
from renju.reports.common import RegionNames
from renju.reports.periods import Period

# What each event-based figure counts in the period: distinct problems per unit (a problem dispatched twice in a week
# is one problem dispatched).
EVENT_FIGURES = {
    "dispatched": Q(action="dispatch"),
    "rectified": Q(action="rectify"),
    # 销号: a passed verification, or the last milestone of a ledgered problem passing.
    "closed": Q(action__in=("verify", "milestone_verify"), to_status=Status.CLOSED),
}
FIGURES = ("new", "dispatched", "rectified", "closed", "overdue", "key_open")
FIGURE_NAMES = {
    "new": "新发现", "dispatched": "派遣", "rectified": "整改反馈", "closed": "销号", "overdue": "超期未整改",
    "key_open": "重点未销号",
}
DONE = (Status.CLOSED, Status.REJECTED, Status.MERGED)


@dataclass
class Flagged:
    """A problem overdue or key-and-open at a moment, as its unit had it then."""

    id: int
    number: str
    category: str
    place: str
    unit_id: int
    status: str
    due_at: dt.datetime | None
    is_key: bool
    overdue: bool
    overdue_minutes: int  # working minutes past the deadline at the moment

    def overdue_label(self, minutes_per_day: int) -> str:
        """How late, in working days as units count them: 3个工作日; under a day is 不足1个工作日."""
        if not self.overdue:
            return ""
        days = math.floor(self.overdue_minutes / minutes_per_day) if minutes_per_day else 0
        return f"{days}个工作日" if days >= 1 else "不足1个工作日"


def _last_event(end: dt.datetime, field: str) -> Subquery:
    return Subquery(
        ProblemEvent.objects.filter(problem=OuterRef("pk"), at__lt=end).order_by("-seq").values(field)[:1]
    )


def event_counts(period: Period) -> dict[int | None, dict[str, int]]:
    """{unit id: {"dispatched": n, "rectified": n, "closed": n}} for events in the period (one query)."""
    rows = (
        ProblemEvent.objects.filter(at__gte=period.start, at__lt=period.end,
                                    action__in=("dispatch", "rectify", "verify", "milestone_verify"))
        .values("unit_id")
        .annotate(**{name: Count("problem_id", distinct=True, filter=q) for name, q in EVENT_FIGURES.items()})
        .order_by()
    )
    return {r.pop("unit_id"): r for r in rows}


def found_counts(period: Period) -> dict[int | None, int]:
    """{unit id at the period's end (None: not dispatched by then): problems found in the period} (one query)."""
    rows = (
        Problem.objects.filter(found_at__gte=period.start, found_at__lt=period.end)
        .exclude(status__in=(Status.REJECTED, Status.MERGED))
        .annotate(owner=_last_event(period.end, "unit_id"))
        .values("owner")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["owner"]: r["n"] for r in rows}


def flagged_at(end: dt.datetime, ctx: PlanContext, *, unit_id: int | None = None) -> list[Flagged]:
    """Problems overdue (on the clock and past the deadline in force) or key and not closed at `end`, each with the
    unit that had it then; one query, most overdue first."""
    queryset = Problem.objects.filter(reported_at__lt=end, unit__isnull=False).exclude(closed_at__lt=end)
    queryset = queryset.annotate(
        then_status=_last_event(end, "to_status"), then_unit=_last_event(end, "unit_id"),
        then_due=_last_event(end, "due_at"),
    ).filter(then_unit__isnull=False)
    if unit_id is not None:
        queryset = queryset.filter(then_unit=unit_id)
    overdue = Q(then_status__in=ON_THE_CLOCK, then_due__lt=end)
    key_open = Q(is_key=True) & ~Q(then_status__in=DONE)
    rows = queryset.filter(overdue | key_open).order_by().values_list(
        "id", "number", "category__name", "address", "region_id", "then_unit", "then_status", "then_due", "is_key",
    )
    names, calendar = RegionNames(), ctx.calendar
    flagged = []
    for pid, number, category, address, region_id, owner, status, due, is_key in rows:
        late = status in ON_THE_CLOCK and due is not None and due < end
        flagged.append(Flagged(
            id=pid, number=number, category=category, place=names.place(address, region_id), unit_id=owner,
            status=status, due_at=due, is_key=is_key, overdue=late,
            overdue_minutes=calendar.working_minutes_between(due, end) if late else 0,
        ))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    flagged.sort(key=lambda f: (not f.overdue, f.due_at or far, f.number))
    return flagged


def minutes_per_working_day(ctx: PlanContext) -> int:
    """Working minutes in one working day of the plan's calendar (450 for 08:30–12:00 and 13:30–17:30)."""
    day = dt.date(2000, 1, 1)
    return sum(
        int((dt.datetime.combine(day, b) - dt.datetime.combine(day, a)).total_seconds() // 60)
        for a, b in ctx.calendar.periods
    )
