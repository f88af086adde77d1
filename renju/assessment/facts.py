"""What a month's assessment reads: plain, immutable facts taken from the event log (no ORM objects).

The scoring functions take these and nothing else, so a month can be scored from hand-built facts in a test and
re-scored from the database with the same result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class EventFact:
    seq: int
    action: str
    at: dt.datetime
    to_status: str
    unit_id: int | None
    due_at: dt.datetime | None
    actor_id: int


@dataclass(frozen=True, slots=True)
class ProblemFact:
    id: int
    number: str
    category: str
    task: int
    severity: str
    source: str
    visit: str
    is_key: bool
    found_at: dt.datetime
    reported_at: dt.datetime
    reporter_id: int
    self_check_unit_id: int | None
    relapse_of_id: int | None
    repeat_of_id: int | None
    events: tuple[EventFact, ...]


@dataclass(frozen=True, slots=True)
class MilestoneFact:
    problem_id: int
    problem_number: str
    position: int
    title: str
    due_on: dt.date
    verified_at: dt.datetime | None
    unit_id: int | None


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    code: str
    name: str
    group: str
    group_name: str
    group_position: int
    position: int


@dataclass(frozen=True, slots=True)
class StaffInfo:
    id: int
    username: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class AdjustmentFact:
    """A scorer's correction or praise: +points (表扬) for a unit, or waiving one deduction line (申诉核减)."""

    id: int
    unit_id: int
    kind: str  # "praise" | "waive"
    points: float
    rule: str
    problem_id: int | None
    reason: str


@dataclass(frozen=True)
class Month:
    """The period being assessed, in the plan's time zone: [start, end), with events counted up to `cutoff`."""

    year: int
    month: int
    start: dt.datetime
    end: dt.datetime
    cutoff: dt.datetime

    @property
    def code(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    def contains(self, at: dt.datetime) -> bool:
        return self.start <= at < self.end


@dataclass
class MonthFacts:
    month: Month
    units: list[UnitInfo]
    problems: dict[int, ProblemFact]
    # Owners of problems that relapsed or were found again (the originals may be outside `problems`).
    original_owners: dict[int, tuple[int | None, str]]
    milestones: list[MilestoneFact]
    adjustments: list[AdjustmentFact] = field(default_factory=list)
    staff: list[StaffInfo] = field(default_factory=list)
