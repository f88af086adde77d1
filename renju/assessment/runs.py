"""Scoring a month as a draft, publishing it, correcting it with a new version; scorers' adjustments.

Each action is atomic and checks its actor (scorers and admins). A published run is never written again:
a correction computes a new draft version with its reason, and publishing that supersedes the old one.
"""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils import timezone

from renju.accounts.models import Role, User
from renju.assessment.facts import AdjustmentFact
from renju.assessment.loader import month_facts, parse_month, rules_of
from renju.assessment.models import Adjustment, AssessmentRun, ScoreLine, StaffScore, UnitScore
from renju.assessment.ranking import rank
from renju.assessment.results import MonthResult
from renju.assessment.scoring import assess
from renju.assessment.staff import assess_staff
from renju.plans.models import Plan, Unit
from renju.plans.worktime import WorkingCalendar
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused
from renju.problems.models import Problem

SCORERS = (Role.SCORER, Role.ADMIN)


def compute_month(plan: Plan, period: str) -> MonthResult:
    """The month scored and ranked from the database as it is (nothing stored)."""
    month = _month(plan, period)
    rules = rules_of(plan)
    adjustments = [
        AdjustmentFact(a.id, a.unit_id, a.kind, a.points, a.rule, a.problem_id, a.reason)
        for a in Adjustment.objects.filter(plan=plan, period=period)
    ]
    facts = month_facts(plan, month, adjustments=adjustments)
    result = assess(facts, rules)
    rank(result, rules, bottom_history(plan, period, rules.ranking.escalate_months - 1))
    result.staff = assess_staff(facts, rules, WorkingCalendar.from_plan_json(plan.working_calendar))
    return result


def assessment_draft(*, actor: User, plan: Plan, period: str, reason: str = "") -> AssessmentRun:
    """试算: score the month into a draft (replacing an earlier draft). After publishing, a draft is a correction
    and needs its reason."""
    _check_actor(actor)
    result = compute_month(plan, period)
    with transaction.atomic():
        runs = AssessmentRun.objects.select_for_update().filter(plan=plan, period=period)
        published = runs.filter(status=AssessmentRun.Status.PUBLISHED).first()
        if published and not reason.strip():
            raise InvalidInput.one("reason", f"{published.label}已发布；更正须写明原因")
        runs.filter(status=AssessmentRun.Status.DRAFT).delete()
        last = runs.order_by("-version").values_list("version", flat=True).first() or 0
        rules = plan.assessment
        run = AssessmentRun.objects.create(
            plan=plan, period=period, version=last + 1, cutoff=result.cutoff, rules=rules,
            rules_hash=hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest(),
            notes=result.notes, reason=reason.strip(), replaces=published, computed_at=timezone.now(),
            created_by=actor,
        )
        _store(run, result)
    return run


def assessment_publish(*, actor: User, run_id: int, now=None) -> AssessmentRun:
    """发布: the draft becomes the month's result (the version it corrects is kept, marked superseded)."""
    _check_actor(actor)
    now = now or timezone.now()
    with transaction.atomic():
        run = AssessmentRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            raise InvalidInput.one("run", f"no assessment run {run_id}")
        if run.status != AssessmentRun.Status.DRAFT:
            raise TransitionRefused(f"{run.label}第{run.version}版为「{run.get_status_display()}」，只能发布草稿")
        if now < run.cutoff:
            raise TransitionRefused(f"数据截止时间 {timezone.localtime(run.cutoff):%Y-%m-%d %H:%M} 未到，不能发布")
        AssessmentRun.objects.filter(plan=run.plan, period=run.period, status=AssessmentRun.Status.PUBLISHED
                                     ).update(status=AssessmentRun.Status.SUPERSEDED)
        run.status, run.published_at, run.published_by = AssessmentRun.Status.PUBLISHED, now, actor
        run.save(update_fields=["status", "published_at", "published_by"])
    return run


def adjustment_add(*, actor: User, plan: Plan, period: str, unit: str, kind: str, reason: str,
                   points: float = 0, rule: str = "", problem: str = "") -> Adjustment:
    """表扬加分 or 核减扣分 for a month; it takes effect in the month's next draft."""
    _check_actor(actor)
    _month(plan, period)
    errors: dict[str, list[str]] = {}
    unit_obj = Unit.objects.filter(plan=plan, code=unit).first()
    if unit_obj is None:
        errors["unit"] = [f"unknown unit code {unit!r}"]
    if kind not in Adjustment.Kind.values:
        errors["kind"] = ["must be praise or waive"]
    if not reason.strip():
        errors["reason"] = ["required"]
    problem_obj = None
    if kind == "praise" and not (0 < points <= 100):
        errors["points"] = ["praise must give more than 0 and at most 100 points"]
    if kind == "waive":
        codes = {r["code"] for r in plan.assessment.get("deductions", [])}
        if rule not in codes:
            errors["rule"] = [f"must be one of the plan's deduction rules: {', '.join(sorted(codes))}"]
        problem_obj = Problem.objects.filter(plan=plan, number=problem).first() if problem else None
        if problem and problem_obj is None:
            errors["problem"] = [f"no problem numbered {problem!r}"]
        points = 0
    if errors:
        raise InvalidInput(errors)
    return Adjustment.objects.create(plan=plan, period=period, unit=unit_obj, kind=kind, points=points, rule=rule,
                                     problem=problem_obj, reason=reason.strip(), created_by=actor,
                                     created_at=timezone.now())


def bottom_history(plan: Plan, period: str, months: int) -> list[set[str]]:
    """For each of the `months` months before `period` (newest first): the units at the bottom of their group in
    its published result; a month not published yet ends the history (escalation needs published months)."""
    history = []
    year, month = map(int, period.split("-"))
    for _ in range(months):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        run = published_run(plan, f"{year:04d}-{month:02d}")
        if run is None:
            break
        history.append(set(run.unit_scores.filter(bottom=True).values_list("unit__code", flat=True)))
    return history


def published_run(plan: Plan, period: str) -> AssessmentRun | None:
    return AssessmentRun.objects.filter(plan=plan, period=period, status=AssessmentRun.Status.PUBLISHED).first()


def _store(run: AssessmentRun, result: MonthResult) -> None:
    UnitScore.objects.bulk_create([
        UnitScore(run=run, unit_id=u.unit_id, group=u.group, group_name=u.group_name,
                  group_position=u.group_position, position=u.position, counts=u.counts, rates=u.rates,
                  indicator_scores=u.indicator_scores, deductions=u.deductions, bonus=u.bonus,
                  deduction_score=u.deduction_score, composite=u.composite, score=u.score, rank=u.rank,
                  tied=u.tied, praised=u.praised, bottom=u.bottom, escalated=u.escalated,
                  payment_percent=u.payment_percent)
        for u in result.units
    ])
    ScoreLine.objects.bulk_create(
        (ScoreLine(run=run, unit_id=x.unit_id, rule=x.rule, rule_name=x.rule_name, points=x.points,
                   counted=x.counted, at=x.at, reason=x.reason[:300], problem_id=x.problem_id,
                   problem_number=x.problem_number)
         for u in result.units for x in u.lines),
        batch_size=5000,
    )
    StaffScore.objects.bulk_create([
        StaffScore(run=run, user_id=s.user_id, role=s.role, counts=s.counts, indicators=s.indicators, score=s.score,
                   grade=s.grade)
        for s in result.staff
    ])


def _month(plan: Plan, period: str):
    try:
        return parse_month(period, plan)
    except ValueError as e:
        raise InvalidInput.one("period", str(e)) from None


def _check_actor(actor: User) -> None:
    if not actor.is_active or actor.role not in SCORERS:
        raise ActionForbidden("只有考核测算人员能计算、发布考核结果")
