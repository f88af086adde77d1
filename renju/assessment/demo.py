"""Demo assessment: every month of the demo data whose cutoff has passed is scored and published; the current
month is left as a draft, so the scorer's pages show both."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from renju.accounts.models import User
from renju.assessment.loader import parse_month
from renju.assessment.models import AssessmentRun
from renju.assessment.runs import adjustment_add, assessment_draft, assessment_publish
from renju.plans.models import Plan
from renju.problems.models import Problem


def demo_assessment_create(plan: Plan, now: dt.datetime | None = None) -> list[AssessmentRun]:
    """Runs for the months the demo problems cover (none if any run exists already)."""
    if AssessmentRun.objects.filter(plan=plan).exists():
        return []
    first = Problem.objects.filter(plan=plan).order_by("found_at").values_list("found_at", flat=True).first()
    if first is None:
        return []
    now = now or timezone.now()
    scorer = User.objects.filter(role="scorer", is_active=True).order_by("id").first()
    if scorer is None:
        return []
    runs = []
    local = timezone.localtime(first)
    year, month = local.year, local.month
    praised = False
    while (year, month) <= (now.year, now.month):
        period = f"{year:04d}-{month:02d}"
        if parse_month(period, plan).cutoff <= now and not praised:
            adjustment_add(actor=scorer, plan=plan, period=period, unit="zhujianju", kind="praise", points=2,
                           reason="牵头组织全市人居环境集中整治，成效明显（演示）")
            praised = True
        run = assessment_draft(actor=scorer, plan=plan, period=period)
        if run.cutoff <= now:
            run = assessment_publish(actor=scorer, run_id=run.id, now=now)
        runs.append(run)
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return runs
