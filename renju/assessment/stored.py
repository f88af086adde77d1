"""A stored run read back as a MonthResult (for pages and documents), and what a correction changed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from renju.assessment.models import AssessmentRun, ScoreLine, StaffScore, UnitScore
from renju.assessment.results import Line, MonthResult, StaffResult, UnitResult


def run_result(run: AssessmentRun, *, with_lines: bool = True) -> MonthResult:
    lines: dict[int, list[Line]] = defaultdict(list)
    if with_lines:
        for x in ScoreLine.objects.filter(run=run).order_by("unit_id", "at", "id"):
            lines[x.unit_id].append(Line(x.unit_id, x.rule, x.rule_name, x.points, x.counted, x.at, x.reason,
                                         x.problem_id, x.problem_number))
    units = [
        UnitResult(unit_id=s.unit_id, code=s.unit.code, name=s.unit.name, group=s.group, group_name=s.group_name,
                   group_position=s.group_position, position=s.position, lines=lines.get(s.unit_id, []),
                   counts=s.counts, rates=s.rates, indicator_scores=s.indicator_scores, deductions=s.deductions,
                   bonus=s.bonus, deduction_score=s.deduction_score, composite=s.composite, score=s.score,
                   rank=s.rank, tied=s.tied, praised=s.praised, escalated=s.escalated, bottom=s.bottom,
                   payment_percent=s.payment_percent)
        for s in UnitScore.objects.filter(run=run).select_related("unit")
    ]
    staff = [
        StaffResult(user_id=s.user_id, username=s.user.username, name=s.user.get_full_name() or s.user.username,
                    role=s.role, counts=s.counts, indicators=s.indicators, score=s.score, grade=s.grade)
        for s in StaffScore.objects.filter(run=run).select_related("user")
    ]
    return MonthResult(period=run.period, label=run.label, cutoff=run.cutoff, units=units, staff=staff,
                       notes=list(run.notes))


@dataclass
class UnitChange:
    code: str
    name: str
    old_score: float | None
    new_score: float
    old_rank: int | None
    new_rank: int
    added: list[Line] = field(default_factory=list)
    removed: list[Line] = field(default_factory=list)


def run_changes(run: AssessmentRun) -> list[UnitChange]:
    """Units whose score, rank or lines differ from the version this run corrects (empty for a first version)."""
    if run.replaces is None:
        return []
    old, new = run_result(run.replaces), run_result(run)
    before = {u.unit_id: u for u in old.units}
    changes = []
    for u in sorted(new.units, key=lambda u: (u.group_position, u.rank, u.position)):
        o = before.get(u.unit_id)
        old_lines = _keys(o.lines) if o else {}
        new_lines = _keys(u.lines)
        added = [new_lines[k] for k in new_lines.keys() - old_lines.keys()]
        removed = [old_lines[k] for k in old_lines.keys() - new_lines.keys()]
        if o is None or o.score != u.score or o.rank != u.rank or added or removed:
            changes.append(UnitChange(u.code, u.name, o.score if o else None, u.score, o.rank if o else None, u.rank,
                                      sorted(added, key=_order), sorted(removed, key=_order)))
    return changes


def _keys(lines: list[Line]) -> dict[tuple, Line]:
    keyed: dict[tuple, Line] = {}
    for x in lines:
        key = (x.rule, x.problem_id, x.at, round(x.counted, 4), x.reason)
        while key in keyed:  # two identical lines (e.g. two praises with one reason) stay two
            key = (*key, "+")
        keyed[key] = x
    return keyed


def _order(x: Line) -> tuple:
    return (x.at is None, x.at.isoformat() if x.at else "", x.problem_number, x.rule)
