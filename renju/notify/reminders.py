"""What is due to be told, and to whom it is about: pure selection, nothing is written here.

Three moments in a problem's time on the clock (dispatched or rework, with a deadline):

- before the deadline (`due_soon`): once at most `RENJU_REMIND_BEFORE_HOURS` *working* hours are left. Working hours,
  because four calendar hours before an 08:30 deadline on the Monday after a holiday is 04:30 that Monday; four
  working hours before it is the afternoon of the last working day before the break, when someone can still act.
- at the deadline (`overdue`): the first scan after the deadline has passed (`due_at < now`, the same rule as
  `Problem.is_overdue`). Written by `jobs.mark_overdue`, to the unit and to the dispatchers.
- when overdue (`overdue_daily`): again on every later working day, from the start of that day's working hours.
  Never on holidays, and never backfilled: a worker that was down for three days sends today's repeat only.

Each occurrence has a period (the deadline it is about, or the day of a repeat), and the scan leaves out what was
already told for that period, so a steady-state run selects nothing and costs one indexed query. Each selector is
ONE SQL query; names and places come from the in-memory plan, not from joins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Value

from renju.notify.models import Kind, Notification
from renju.plans.active import active_plan
from renju.plans.worktime import TimeLimit, WorkingCalendar, is_workday
from renju.problems.models import ON_THE_CLOCK, Problem

FIELDS = ("id", "number", "unit_id", "category_id", "address", "due_at")


@dataclass(frozen=True)
class Due:
    """One problem that is due one kind of notice for one period."""

    problem_id: int
    number: str
    unit_id: int | None
    category_id: int
    address: str
    due_at: dt.datetime
    kind: str
    period: str


def deadline_period(due_at: dt.datetime) -> str:
    """The period of a notice about one deadline: the deadline itself, in UTC (a moved deadline is a new period)."""
    return due_at.astimezone(dt.UTC).isoformat(timespec="seconds")


def before_hours() -> int:
    return settings.RENJU_REMIND_BEFORE_HOURS


def before_window_end(now: dt.datetime, calendar: WorkingCalendar, hours: int) -> dt.datetime:
    """The latest deadline with at most `hours` working hours left at `now` (working time only runs forward, so
    "at most N working hours left" is exactly "due no later than N working hours from now")."""
    return calendar.deadline(now, TimeLimit(hours, "working_hours"))


def repeat_day(now: dt.datetime, calendar: WorkingCalendar) -> dt.date | None:
    """The day whose overdue repeat is due at `now`: today, if it is a working day and its working hours began."""
    local = now.astimezone(calendar.tz)
    if not is_workday(local.date()) or local.time() < calendar.periods[0][0]:
        return None
    return local.date()


def day_start(day: dt.date, calendar: WorkingCalendar) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=calendar.tz)


def kinds_due(due_at: dt.datetime, now: dt.datetime, calendar: WorkingCalendar, hours: int) -> list[tuple[str, str]]:
    """(kind, period) for every notice one problem on the clock is due at `now`, had none been sent yet.

    The rule for a single deadline, in plain Python; the SQL selectors below must agree with it (tests compare them).
    """
    due: list[tuple[str, str]] = []
    if now <= due_at <= before_window_end(now, calendar, hours):
        due.append((Kind.DUE_SOON, deadline_period(due_at)))
    if due_at < now:
        due.append((Kind.OVERDUE, deadline_period(due_at)))
        day = repeat_day(now, calendar)
        if day is not None and due_at < day_start(day, calendar):
            due.append((Kind.OVERDUE_DAILY, day.isoformat()))
    return due


def _told(kind: str, **match) -> Exists:
    return Exists(Notification.objects.filter(problem=OuterRef("pk"), kind=kind, **match))


def _on_the_clock() -> QuerySet:
    return Problem.objects.filter(status__in=ON_THE_CLOCK, due_at__isnull=False).order_by()


def reminders_queryset(now: dt.datetime, hours: int | None = None) -> QuerySet:
    """Before the deadline and the daily repeat, not yet told: one SQL query (UNION ALL of two index range scans)."""
    calendar = active_plan().calendar
    hours = before_hours() if hours is None else hours
    soon = (
        _on_the_clock()
        .filter(due_at__gte=now, due_at__lte=before_window_end(now, calendar, hours))
        .exclude(_told(Kind.DUE_SOON, due_at=OuterRef("due_at")))
        .values(*FIELDS, kind=Value(Kind.DUE_SOON.value), period=Value(""))
    )
    day = repeat_day(now, calendar)
    if day is None:
        return soon
    repeat = (
        _on_the_clock()
        .filter(due_at__lt=day_start(day, calendar))
        .exclude(_told(Kind.OVERDUE_DAILY, period=day.isoformat()))
        .values(*FIELDS, kind=Value(Kind.OVERDUE_DAILY.value), period=Value(day.isoformat()))
    )
    return soon.union(repeat, all=True)


def due_reminders(now: dt.datetime, hours: int | None = None) -> list[Due]:
    """What `jobs.remind_deadlines` tells at `now`: the before-deadline notices and today's overdue repeats."""
    return [_due(row) for row in reminders_queryset(now, hours)]


def overdue_queryset(now: dt.datetime) -> QuerySet:
    """Problems whose deadline has passed and whose crossing was not told yet (one query)."""
    return (
        _on_the_clock()
        .filter(due_at__lt=now)
        .exclude(_told(Kind.OVERDUE, due_at=OuterRef("due_at")))
        .values(*FIELDS, kind=Value(Kind.OVERDUE.value), period=Value(""))
    )


def newly_overdue(now: dt.datetime) -> list[Due]:
    """What `jobs.mark_overdue` tells at `now`: each problem that crossed its deadline, once per deadline."""
    return [_due(row) for row in overdue_queryset(now)]


def _due(row: dict) -> Due:
    return Due(
        problem_id=row["id"], number=row["number"], unit_id=row["unit_id"], category_id=row["category_id"],
        address=row["address"], due_at=row["due_at"], kind=row["kind"],
        period=row["period"] or deadline_period(row["due_at"]),
    )
