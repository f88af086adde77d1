"""Assessment over the API: months' runs, each unit's score and every line behind it; drafting and publishing.

Handlers see only their own unit's scores and lines; scorers, leaders and admins see every unit.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from ninja import Router, Schema

from renju.assessment.models import AssessmentRun, ScoreLine, UnitScore
from renju.assessment.runs import assessment_draft, assessment_publish
from renju.plans.active import active_plan

router = Router(tags=["assessment"])
READERS = ("scorer", "leader", "admin", "handler")


class DraftIn(Schema):
    period: str
    reason: str = ""


def _run_out(run: AssessmentRun) -> dict:
    return {"id": run.id, "period": run.period, "version": run.version, "status": run.status,
            "cutoff": run.cutoff, "computed_at": run.computed_at, "published_at": run.published_at,
            "reason": run.reason, "replaces": run.replaces_id, "notes": run.notes}


def _score_out(s: UnitScore) -> dict:
    return {"unit": s.unit.code, "unit_name": s.unit.name, "group": s.group, "rank": s.rank, "tied": s.tied,
            "score": s.score, "deductions": s.deductions, "bonus": s.bonus, "deduction_score": s.deduction_score,
            "composite": s.composite, "indicator_scores": s.indicator_scores, "rates": s.rates, "counts": s.counts,
            "praised": s.praised, "bottom": s.bottom, "escalated": s.escalated,
            "payment_percent": s.payment_percent}


def _reader(request):
    user = request.auth
    if user.role not in READERS:
        raise Http404
    return user


def _run(run_id: int) -> AssessmentRun:
    run = AssessmentRun.objects.filter(pk=run_id, plan=active_plan().plan).first()
    if run is None:
        raise Http404
    return run


@router.get("/assessment/runs", summary="Assessment runs (newest month first)")
def runs(request, period: str | None = None) -> list[dict]:
    _reader(request)
    rows = AssessmentRun.objects.filter(plan=active_plan().plan)
    if period:
        rows = rows.filter(period=period)
    return [_run_out(r) for r in rows[:200]]


@router.get("/assessment/runs/{run_id}", summary="One run: every unit's score and rank (a handler: its own unit)")
def run_detail(request, run_id: int) -> dict:
    user = _reader(request)
    run = _run(run_id)
    scores = run.unit_scores.select_related("unit")
    if user.role == "handler":
        scores = scores.filter(unit_id=user.unit_id)
    return {**_run_out(run), "units": [_score_out(s) for s in scores]}


@router.get("/assessment/runs/{run_id}/units/{code}", summary="One unit's score and every line behind it")
def unit_lines(request, run_id: int, code: str) -> dict:
    user = _reader(request)
    run = _run(run_id)
    score = run.unit_scores.select_related("unit").filter(unit__code=code).first()
    if score is None or (user.role == "handler" and score.unit_id != user.unit_id):
        raise Http404
    lines = ScoreLine.objects.filter(run=run, unit_id=score.unit_id).order_by("at", "id")
    return {**_score_out(score), "lines": [
        {"rule": x.rule, "rule_name": x.rule_name, "points": x.points, "counted": x.counted, "at": x.at,
         "reason": x.reason, "problem": x.problem_number or None, "problem_id": x.problem_id} for x in lines]}


@router.post("/assessment/runs", summary="试算: score a month into a draft (scorers)", response={201: dict})
def draft(request, body: DraftIn, response: HttpResponse):
    run = assessment_draft(actor=request.auth, plan=active_plan().plan, period=body.period, reason=body.reason)
    response.status_code = 201
    return _run_out(run)


@router.post("/assessment/runs/{run_id}/publish", summary="发布 a draft (scorers; after the month's cutoff)")
def publish(request, run_id: int) -> dict:
    run = _run(run_id)
    return _run_out(assessment_publish(actor=request.auth, run_id=run.id))
