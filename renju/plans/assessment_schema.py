"""The plan's assessment rules (考核办法): deductions, bonuses, caps, indicators, ranking, escalation, staff.

Everything a monthly score depends on lives here, in the plan file, so a city changes its rules by editing data and
re-running a month; `renju.assessment` only interprets them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DeductionKind = Literal["found", "overdue", "rework", "relapse", "repeat", "milestone_overdue"]
IndicatorCode = Literal["case_load", "closure_rate", "on_time_rate", "rework_free_rate"]
TieKey = Literal["on_time_rate", "closure_rate", "fewer_overdue", "fewer_found"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(_Strict):
    """Which problems a rule applies to; an empty list matches everything."""

    sources: list[str] = []
    visits: list[Literal["open", "covert"]] = []
    severities: list[str] = []
    categories: list[str] = []
    tasks: list[int] = []
    key: bool | None = Field(None, description="true: key problems only; false: others only")


class DeductionRule(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    kind: DeductionKind
    points: float = Field(gt=0, le=100)
    match: Match = Match()
    cap: float | None = Field(None, gt=0, description="most points this rule takes from one unit in one month")


class Indicator(_Strict):
    code: IndicatorCode
    name: str
    weight: float = Field(ge=0, le=1)


class Ranking(_Strict):
    tie_break: list[TieKey] = ["on_time_rate", "fewer_overdue"]
    praise_top: int = Field(1, ge=0, description="the first N of each group are praised in the bulletin")
    escalate_bottom: int = Field(2, ge=0, description="the last N of a group …")
    escalate_months: int = Field(2, ge=1, description="… this many months running are escalated")
    escalation_action: str = ""
    min_units: int = Field(3, ge=1, description="groups smaller than this are scored but not escalated")


class PaymentBand(_Strict):
    min_score: float = Field(ge=0, le=200)
    percent: float = Field(ge=0, le=100)


class ServiceScoring(_Strict):
    """Outsourced service companies: the month's score sets the share of the service fee paid (服务水平与付款挂钩)."""

    groups: list[str] = Field(min_length=1)
    bands: list[PaymentBand] = Field(min_length=1)


class StaffIndicator(_Strict):
    code: Literal["valid_report_rate", "on_time_verify_rate", "report_volume", "on_time_dispatch_rate",
                  "accurate_dispatch_rate"]
    name: str
    weight: float = Field(ge=0, le=1)


class Grade(_Strict):
    min_score: float
    name: str


class StaffRules(_Strict):
    dispatch_time_limit_hours: float = Field(gt=0, description="working hours from report to dispatch")
    verify_time_limit_hours: float = Field(gt=0, description="working hours from rectification to verification")
    report_target: int = Field(gt=0, description="reports a month that earn the full volume score")
    inspector: list[StaffIndicator] = Field(min_length=1)
    dispatcher: list[StaffIndicator] = Field(min_length=1)
    grades: list[Grade] = Field(min_length=1)


class Assessment(_Strict):
    base_score: float = Field(100, gt=0)
    deduction_weight: float = Field(ge=0, le=1, description="share of the final score from base − deductions")
    composite_weight: float = Field(ge=0, le=1, description="share from the indicator composite")
    max_total_deduction: float | None = Field(None, gt=0)
    max_bonus: float = Field(0, ge=0)
    self_check_factor: float = Field(0, ge=0, le=1, description="found-deduction share for a unit's own finds")
    empty_rate: float = Field(1.0, ge=0, le=1, description="a rate with nothing due counts as this")
    settle_working_days: int = Field(3, ge=0, le=30, description="events this long after month end still count")
    lookback_days: int = Field(120, ge=7, le=730)
    deductions: list[DeductionRule] = Field(min_length=1)
    indicators: list[Indicator] = []
    ranking: Ranking = Ranking()
    service_scoring: ServiceScoring | None = None
    staff: StaffRules | None = None

    @model_validator(mode="after")
    def consistent(self) -> Assessment:
        errors = []
        if abs(self.deduction_weight + self.composite_weight - 1) > 1e-9:
            errors.append("deduction_weight + composite_weight must be 1")
        if self.indicators and abs(sum(i.weight for i in self.indicators) - 1) > 1e-9:
            errors.append("indicators: weights must add up to 1")
        if self.composite_weight > 0 and not self.indicators:
            errors.append("indicators: required when composite_weight > 0")
        codes = [r.code for r in self.deductions]
        if len(codes) != len(set(codes)):
            errors.append("deductions: rule codes must be unique")
        for kind in ("overdue", "rework", "relapse", "repeat", "milestone_overdue"):
            if sum(r.kind == kind for r in self.deductions) > 1:
                errors.append(f"deductions: at most one rule of kind {kind!r} (only 'found' rules are matched)")
        if self.staff:
            for role in ("inspector", "dispatcher"):
                if abs(sum(i.weight for i in getattr(self.staff, role)) - 1) > 1e-9:
                    errors.append(f"staff.{role}: weights must add up to 1")
        if errors:
            raise ValueError("; ".join(errors))
        return self
