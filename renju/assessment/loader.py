"""Read a month's facts from the database in a handful of set-based queries (no per-problem queries).

Which problems matter for month M: those found or reported in M, those whose deadline in force fell in M (an event
snapshot `due_at` in M: the only way a problem can turn overdue or fall due in M), those with a failed verification,
dispatch or verification in M. All their events before the cutoff are read as plain tuples.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection

from renju.accounts.models import User
from renju.assessment.facts import (
    AdjustmentFact,
    EventFact,
    MilestoneFact,
    Month,
    MonthFacts,
    ProblemFact,
    StaffInfo,
    UnitInfo,
)
from renju.plans.assessment_schema import Assessment
from renju.plans.models import Category, Plan, Unit
from renju.plans.worktime import TimeLimit, WorkingCalendar
from renju.problems.models import LedgerMilestone, Problem, ProblemEvent

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
PROBLEM_FIELDS = ("id", "number", "category_id", "severity", "source", "visit", "is_key", "found_at", "reported_at",
                  "reporter_id", "self_check_unit_id", "relapse_of_id", "repeat_of_id")
EVENT_FIELDS = ("problem_id", "seq", "action", "at", "to_status", "unit_id", "due_at", "actor_id")


def parse_month(text: str, plan: Plan) -> Month:
    """`2023-10` → the month in the plan's time zone, with its cutoff (the plan's settling working days later)."""
    m = MONTH_RE.match(text or "")
    if not m:
        raise ValueError(f"period must look like 2023-10 (year-month), got {text!r}")
    year, month = int(m.group(1)), int(m.group(2))
    calendar = WorkingCalendar.from_plan_json(plan.working_calendar)
    start = dt.datetime(year, month, 1, tzinfo=calendar.tz)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=calendar.tz)
    settle = rules_of(plan).settle_working_days
    # Counted from the month's last minute, so the settling days are the next month's first working days
    # (October 2023 settles at the close of 3 November, its third working day).
    last_minute = end - dt.timedelta(minutes=1)
    cutoff = calendar.deadline(last_minute, TimeLimit(settle, "working_days")) if settle else end
    return Month(year, month, start, end, cutoff)


def rules_of(plan: Plan) -> Assessment:
    if not plan.assessment:
        raise ValueError(f"plan {plan.code} has no assessment rules (section `assessment` of the plan file)")
    return Assessment.model_validate(plan.assessment)


def month_facts(plan: Plan, month: Month, *, adjustments: list[AdjustmentFact] = ()) -> MonthFacts:
    rules = rules_of(plan)
    ids = _problem_ids(plan, month, month.start - dt.timedelta(days=rules.lookback_days))
    categories = {cid: (code, task) for cid, code, task in
                  Category.objects.filter(plan=plan).values_list("id", "code", "task__number")}
    events: dict[int, list[EventFact]] = {}
    ordered = sorted(ids)
    rows = _problem_rows(ordered)
    for pid, seq, action, at, to_status, unit_id, due_at, actor_id in _event_rows(ordered, month.cutoff):
        events.setdefault(pid, []).append(EventFact(seq, action, at, to_status, unit_id, due_at, actor_id))
    problems = {}
    for (pid, number, category_id, severity, source, visit, is_key, found_at, reported_at, reporter_id, self_unit,
         relapse_of, repeat_of) in rows:
        code, task = categories[category_id]
        evs = events.get(pid, [])
        evs.sort(key=lambda e: e.seq)
        problems[pid] = ProblemFact(pid, number, code, task, severity, source, visit, is_key, found_at, reported_at,
                                    reporter_id, self_unit, relapse_of, repeat_of, tuple(evs))
    originals = {p.relapse_of_id for p in problems.values() if p.relapse_of_id and month.contains(p.found_at)}
    originals |= {p.repeat_of_id for p in problems.values() if p.repeat_of_id and month.contains(p.found_at)}
    return MonthFacts(
        month=month,
        units=_units(plan),
        problems=problems,
        original_owners=_owners(originals, month.cutoff),
        milestones=_milestones(plan, month),
        adjustments=list(adjustments),
        staff=[StaffInfo(u.id, u.username, u.get_full_name() or u.username, u.role)
               for u in User.objects.filter(role__in=("inspector", "dispatcher"), is_active=True).order_by("id")],
    )


def _units(plan: Plan) -> list[UnitInfo]:
    return [
        UnitInfo(u.id, u.code, u.name, u.group.code if u.group else "", u.group.name if u.group else "未分组",
                 u.group.position if u.group else 9999, u.position)
        for u in Unit.objects.filter(plan=plan, active=True).select_related("group").order_by("position")
    ]


def _owners(problem_ids: set[int], cutoff: dt.datetime) -> dict[int, tuple[int | None, str]]:
    """Who owned each original problem: the unit of its last dispatch before the cutoff."""
    owners: dict[int, tuple[int | None, str]] = {}
    numbers = dict(Problem.objects.filter(id__in=problem_ids).values_list("id", "number"))
    for pid, unit_id in (ProblemEvent.objects.filter(problem_id__in=problem_ids, action="dispatch", at__lt=cutoff)
                         .order_by("problem_id", "seq").values_list("problem_id", "unit_id")):
        owners[pid] = (unit_id, numbers.get(pid, ""))
    return owners


def _milestones(plan: Plan, month: Month) -> list[MilestoneFact]:
    rows = (LedgerMilestone.objects
            .filter(problem__plan=plan, due_on__gte=month.start.date(), due_on__lt=month.end.date())
            .values_list("problem_id", "problem__number", "position", "title", "due_on", "verified_at"))
    ledgers = dict(ProblemEvent.objects.filter(problem_id__in={r[0] for r in rows}, action="ledger")
                   .values_list("problem_id", "unit_id"))
    return [MilestoneFact(pid, number, pos, title, due_on, verified_at, ledgers.get(pid))
            for pid, number, pos, title, due_on, verified_at in rows]


CHUNK = 20000  # ids a query; SQLite takes them as parameters, PostgreSQL as one array


def _problem_ids(plan: Plan, month: Month, since: dt.datetime) -> set[int]:
    """The month's problems as the union of four index range scans. (One `… OR id IN (subquery)` is planned as a
    rescan per problem when the subquery's ids do not fit PostgreSQL's work_mem: minutes instead of a second.)"""
    mine = Problem.objects.filter(plan=plan).order_by()
    events = ProblemEvent.objects.filter(problem__plan=plan).order_by()
    parts = [
        mine.filter(found_at__gte=month.start, found_at__lt=month.end).values_list("id"),
        mine.filter(reported_at__gte=month.start, reported_at__lt=month.end).values_list("id"),
        events.filter(due_at__gte=month.start, due_at__lt=month.end, at__gte=since, at__lt=month.cutoff)
        .values_list("problem_id"),
        events.filter(action__in=("dispatch", "verify"), at__gte=month.start, at__lt=month.end)
        .values_list("problem_id"),
    ]
    if connection.vendor == "postgresql":  # one UNION: the database removes the repeats
        return set(parts[0].union(*parts[1:]).values_list("id", flat=True))
    ids: set[int] = set()
    for part in parts:
        ids |= {row[0] for row in part}
    return ids


def _problem_rows(problem_ids: list[int]) -> list[tuple]:
    if connection.vendor != "postgresql":
        return [row for chunk in _chunks(problem_ids)
                for row in Problem.objects.filter(id__in=chunk).order_by().values_list(*PROBLEM_FIELDS)]
    table = Problem._meta.db_table
    columns = ", ".join(f"EXTRACT(EPOCH FROM p.{f})::float8" if f in ("found_at", "reported_at") else f"p.{f}"
                        for f in PROBLEM_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM unnest(%s::bigint[]) AS ids(id) JOIN {table} p ON p.id = ids.id",
                       [problem_ids])
        rows = cursor.fetchall()
    found, reported = PROBLEM_FIELDS.index("found_at"), PROBLEM_FIELDS.index("reported_at")
    return [(*r[:found], _utc(r[found]), _utc(r[reported]), *r[reported + 1:]) for r in rows]


def _event_rows(problem_ids: list[int], cutoff: dt.datetime):
    if connection.vendor != "postgresql":
        return (row for chunk in _chunks(problem_ids) for row in
                ProblemEvent.objects.filter(problem_id__in=chunk, at__lt=cutoff).order_by().values_list(*EVENT_FIELDS))
    # Hundreds of thousands of rows: one query joined to the ids as an array (an index probe per problem, not a scan
    # per chunk), read on a plain cursor with the times as epoch seconds and made datetimes here — several times
    # faster than the ORM's rows and the driver's time-zone-aware parsing that Django's loaders use.
    table = ProblemEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.problem_id, e.seq, e.action, EXTRACT(EPOCH FROM e.at)::float8, e.to_status, e.unit_id, "
            f"EXTRACT(EPOCH FROM e.due_at)::float8, e.actor_id "
            f"FROM unnest(%s::bigint[]) AS ids(id) JOIN {table} e ON e.problem_id = ids.id WHERE e.at < %s",
            [problem_ids, cutoff])
        rows = cursor.fetchall()
    return [(pid, seq, action, _utc(at), status, unit_id, _utc(due), actor)
            for pid, seq, action, at, status, unit_id, due, actor in rows]


def _utc(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)


def _chunks(ids: list[int]):
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]

