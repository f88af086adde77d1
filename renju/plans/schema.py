"""The plan file format (YAML), as a pydantic schema.

A plan file is validated whole before anything is written, so a bad file is refused with the path to the
offending field and never half-loaded. Cross-references (a category's task, a task's units, a routing rule's
unit) are checked here too, not discovered later as foreign-key errors.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from renju.plans.assessment_schema import Assessment
from renju.plans.intake_schema import Intake

CODE_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
TERRITORIAL = "@territorial"  # "各区镇街": the town, street or area whose territory the problem is in
ALL_UNITS = "@all_units"  # "各部门、单位": every unit of the plan (task 5); valid in task unit lists only

Domain = Literal["urban", "rural", "scenic"]
UnitKind = Literal["department", "town", "street", "area", "soe", "stationed", "utility", "other"]
TimeUnit = Literal["working_hours", "working_days", "calendar_hours", "calendar_days"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeLimit(Strict):
    amount: int = Field(gt=0, le=10000)
    unit: TimeUnit

    @classmethod
    def parse(cls, value: object) -> object:
        """Accept the short form `2 working_days` as well as a mapping."""
        if isinstance(value, str):
            m = re.fullmatch(r"\s*(\d+)\s+([a-z_]+)\s*", value)
            if not m:
                raise ValueError(f"expected '<number> <unit>', e.g. '2 working_days', got {value!r}")
            return {"amount": int(m.group(1)), "unit": m.group(2)}
        return value


def _time_limit(value: object) -> object:
    return TimeLimit.parse(value)


class PlanHeader(Strict):
    code: str = Field(pattern=CODE_RE)
    name: str = Field(min_length=1)
    document: str = ""
    issued_by: str = ""
    issued_on: dt.date | None = None
    city_region: str = Field(min_length=1, description="code of the city region the plan covers")
    number_prefix: str = Field(pattern=r"^[A-Z]{1,6}$", description="prefix of problem numbers, e.g. RC")


class WorkingCalendar(Strict):
    calendar: Literal["cn"] = "cn"
    timezone: str = "Asia/Shanghai"
    working_hours: list[tuple[dt.time, dt.time]] = Field(min_length=1)

    @field_validator("working_hours")
    @classmethod
    def periods_ordered(cls, periods: list[tuple[dt.time, dt.time]]) -> list[tuple[dt.time, dt.time]]:
        previous_end = dt.time(0, 0)
        for start, end in periods:
            if not start < end:
                raise ValueError(f"period {start:%H:%M}-{end:%H:%M} ends before it starts")
            if start < previous_end:
                raise ValueError(f"period {start:%H:%M}-{end:%H:%M} overlaps the one before it")
            previous_end = end
        return periods


class Phase(Strict):
    code: str = Field(pattern=CODE_RE)
    name: str
    start: dt.date | None = None
    end: dt.date | None = None
    description: str = ""

    @model_validator(mode="after")
    def ordered(self) -> Phase:
        if self.start and self.end and self.end < self.start:
            raise ValueError("end is before start")
        return self


class RankingGroup(Strict):
    code: str = Field(pattern=CODE_RE)
    name: str


class Unit(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="also the demo handler's username")
    name: str
    full_name: str = ""
    kind: UnitKind
    group: str | None = None
    region: str | None = Field(None, description="territorial units: the region they answer for")


class CheckItem(Strict):
    code: str = Field(pattern=CODE_RE)
    text: str


class Standard(Strict):
    code: str = Field(pattern=CODE_RE)
    name: str
    description: str = ""
    items: list[CheckItem] = Field(min_length=1)


class Task(Strict):
    number: int = Field(gt=0)
    domain: Domain
    title: str
    requirements: list[str] = Field(min_length=1)
    standards: list[str] = []
    units: list[str] = Field(min_length=1, description="in the order the plan gives; the first leads")


class Category(Strict):
    code: str = Field(pattern=CODE_RE)
    name: str
    task: int
    national_code: str | None = Field(None, pattern=r"^\d{5}$")
    check_items: list[str] = []
    keywords: list[str] = []
    time_limit: TimeLimit | None = None
    time_limits: dict[str, TimeLimit] = {}
    unit: str | None = Field(None, description="default responsible unit; @territorial or a unit code")

    @field_validator("time_limit", mode="before")
    @classmethod
    def _tl(cls, value: object) -> object:
        return _time_limit(value)

    @field_validator("time_limits", mode="before")
    @classmethod
    def _tls(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: _time_limit(v) for k, v in value.items()}
        return value


class Severity(Strict):
    code: str = Field(pattern=CODE_RE)
    name: str


class RoutingMatch(Strict):
    categories: list[str] = []
    tasks: list[int] = []
    road_classes: list[str] = []
    regions: list[str] = Field([], description="region codes; a problem anywhere inside one matches")


class RoutingRule(Strict):
    name: str
    match: RoutingMatch
    unit: str
    note: str = ""


class FollowUp(Strict):
    """How units are chased after dispatch: the rework deadline and the limits on extensions (延期)."""

    rework_time_limit: TimeLimit | None = Field(
        None, description="deadline for rework after a failed verification; none = the category's own limit again"
    )
    extension_max_requests: int = Field(2, ge=0, le=20, description="approved extensions a problem may have")
    extension_max_working_days: int = Field(
        10, ge=0, le=365, description="how far past the original deadline extensions may reach, in working days"
    )
    recheck_after_days: int = Field(7, ge=1, le=365, description="回头看 this many days after closing")
    recheck_sample_percent: float = Field(
        10, ge=0, le=100, description="share of each unit's closed problems rechecked (key problems always are)"
    )
    repeat_window_days: int = Field(30, ge=0, le=365, description="same place and category again within = repeat")
    repeat_metres: int = Field(50, ge=0, le=1000, description="how near counts as the same place")

    @field_validator("rework_time_limit", mode="before")
    @classmethod
    def _rtl(cls, value: object) -> object:
        return _time_limit(value) if value is not None else value


class Plan(Strict):
    plan: PlanHeader
    working_calendar: WorkingCalendar
    default_time_limit: TimeLimit
    follow_up: FollowUp = FollowUp()
    severities: list[Severity] = Field(min_length=1)
    road_classes: dict[str, str] = {}
    phases: list[Phase] = []
    ranking_groups: list[RankingGroup] = Field(min_length=1)
    units: list[Unit] = Field(min_length=1)
    standards: list[Standard] = []
    tasks: list[Task] = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)
    routing: list[RoutingRule] = []
    assessment: Assessment | None = None
    intake: Intake = Intake()

    @field_validator("default_time_limit", mode="before")
    @classmethod
    def _dtl(cls, value: object) -> object:
        return _time_limit(value)

    @model_validator(mode="after")
    def references_resolve(self) -> Plan:
        errors: list[str] = []
        _unique(errors, "severities", [s.code for s in self.severities])
        _unique(errors, "phases", [p.code for p in self.phases])
        _unique(errors, "ranking_groups", [g.code for g in self.ranking_groups])
        _unique(errors, "units", [u.code for u in self.units])
        _unique(errors, "standards", [s.code for s in self.standards])
        _unique(errors, "tasks", [t.number for t in self.tasks])
        _unique(errors, "categories", [c.code for c in self.categories])
        item_codes = [i.code for s in self.standards for i in s.items]
        _unique(errors, "standards.*.items", item_codes)

        groups = {g.code for g in self.ranking_groups}
        units = {u.code for u in self.units} | {TERRITORIAL}
        standards = {s.code for s in self.standards}
        tasks = {t.number for t in self.tasks}
        severities = {s.code for s in self.severities}
        items = set(item_codes)
        categories = {c.code for c in self.categories}
        for i, u in enumerate(self.units):
            if u.group is not None and u.group not in groups:
                errors.append(f"units.{i}.group: unknown ranking group {u.group!r}")
        for i, t in enumerate(self.tasks):
            for s in t.standards:
                if s not in standards:
                    errors.append(f"tasks.{i}.standards: unknown standard {s!r}")
            for u in t.units:
                if u not in units | {ALL_UNITS}:
                    errors.append(f"tasks.{i}.units: unknown unit {u!r}")
        for i, c in enumerate(self.categories):
            if c.task not in tasks:
                errors.append(f"categories.{i}.task: unknown task {c.task}")
            for item in c.check_items:
                if item not in items:
                    errors.append(f"categories.{i}.check_items: unknown check item {item!r}")
            for sev in c.time_limits:
                if sev not in severities:
                    errors.append(f"categories.{i}.time_limits: unknown severity {sev!r}")
            if c.unit is not None and c.unit not in units:
                errors.append(f"categories.{i}.unit: unknown unit {c.unit!r}")
        for i, r in enumerate(self.routing):
            if r.unit not in units:
                errors.append(f"routing.{i}.unit: unknown unit {r.unit!r}")
            for code in r.match.categories:
                if code not in categories:
                    errors.append(f"routing.{i}.match.categories: unknown category {code!r}")
            for n in r.match.tasks:
                if n not in tasks:
                    errors.append(f"routing.{i}.match.tasks: unknown task {n}")
            for rc in r.match.road_classes:
                if rc not in self.road_classes:
                    errors.append(f"routing.{i}.match.road_classes: unknown road class {rc!r}")
        if self.assessment:
            _assessment_references(errors, self.assessment, groups, severities, categories, tasks)
        for i, a in enumerate(self.intake.video.alarm_types):
            if a.category not in categories:
                errors.append(f"intake.video.alarm_types.{i}.category: unknown category {a.category!r}")
        if self.intake.drone.default_category and self.intake.drone.default_category not in categories:
            errors.append(f"intake.drone.default_category: unknown category {self.intake.drone.default_category!r}")
        if errors:
            raise ValueError("; ".join(errors))
        return self


SOURCES = {"inspection", "drone", "video", "hotline", "referral", "self_check"}


def _assessment_references(errors: list[str], a: Assessment, groups: set[str], severities: set[str],
                           categories: set[str], tasks: set[int]) -> None:
    for i, rule in enumerate(a.deductions):
        where = f"assessment.deductions.{i}.match"
        for value, known, name in ((rule.match.sources, SOURCES, "source"),
                                   (rule.match.severities, severities, "severity"),
                                   (rule.match.categories, categories, "category"),
                                   (rule.match.tasks, tasks, "task")):
            for v in value:
                if v not in known:
                    errors.append(f"{where}: unknown {name} {v!r}")
        if rule.kind != "found" and rule.match != type(rule.match)():
            errors.append(f"assessment.deductions.{i}.match: only 'found' rules take a match")
    if a.service_scoring:
        for g in a.service_scoring.groups:
            if g not in groups:
                errors.append(f"assessment.service_scoring.groups: unknown ranking group {g!r}")


def _unique(errors: list[str], where: str, codes: list[object]) -> None:
    seen: set[object] = set()
    for code in codes:
        if code in seen:
            errors.append(f"{where}: {code!r} appears twice")
        seen.add(code)
