"""A scored month: per unit its lines (every deduction and bonus, with problem and rule), indicators and rank."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Line:
    """One deduction (points < 0) or bonus (points > 0) and why; `counted` is what is left after the caps."""

    unit_id: int
    rule: str
    rule_name: str
    points: float
    counted: float
    at: dt.datetime | None
    reason: str
    problem_id: int | None = None
    problem_number: str = ""


@dataclass
class UnitResult:
    unit_id: int
    code: str
    name: str
    group: str
    group_name: str
    group_position: int
    position: int
    lines: list[Line] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    rates: dict[str, float] = field(default_factory=dict)
    indicator_scores: dict[str, float] = field(default_factory=dict)
    deductions: float = 0.0
    bonus: float = 0.0
    deduction_score: float = 0.0
    composite: float = 0.0
    score: float = 0.0
    rank: int = 0
    tied: bool = False
    praised: bool = False
    escalated: bool = False
    bottom: bool = False
    payment_percent: float | None = None


@dataclass
class StaffResult:
    user_id: int
    username: str
    name: str
    role: str
    counts: dict[str, int]
    indicators: dict[str, float]
    score: float
    grade: str


@dataclass
class MonthResult:
    period: str
    label: str
    cutoff: dt.datetime
    units: list[UnitResult]
    staff: list[StaffResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def by_group(self) -> list[tuple[str, str, list[UnitResult]]]:
        """(group code, group name, units in rank order) in the plan's group order."""
        groups: dict[str, tuple[str, list[UnitResult]]] = {}
        for u in sorted(self.units, key=lambda u: (u.group_position, u.rank, u.position)):
            groups.setdefault(u.group, (u.group_name, []))[1].append(u)
        return [(code, name, units) for code, (name, units) in groups.items()]
