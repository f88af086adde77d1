"""Scheduled work of 周调度、月通报: the weekly supervision notice (督办通知) to every unit with overdue or open key
problems, and the scorers' reminder when a month's data is settled and can be scored.

Both run from `renju worker` (or Celery beat) through `renju.notify.jobs.JOBS`, and both may run any number of
times: a notification is written once per (kind, period, recipient).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from renju.accounts.models import Role, User
from renju.assessment.loader import parse_month
from renju.assessment.models import AssessmentRun
from renju.notify.notices import handlers_by_unit, notify
from renju.plans.active import NoActivePlan, active_plan
from renju.problems.lifecycle.rules import OPEN_STATES
from renju.problems.models import Problem


def weekly_supervision(now: dt.datetime) -> dict:
    """Each Monday's 督办通知: units with problems overdue at the start of the week, or key problems still open."""
    local = timezone.localtime(now)
    monday = (local - dt.timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    year, week, _ = monday.isocalendar()
    period = f"{year}-W{week:02d}"
    overdue = Q(status__in=("dispatched", "rework"), due_at__lt=monday)
    key_open = Q(is_key=True, status__in=OPEN_STATES)
    rows = (Problem.objects.filter(overdue | key_open, unit__isnull=False).order_by().values("unit_id")
            .annotate(overdue=Count("id", filter=overdue), key=Count("id", filter=key_open)))
    counts = {r["unit_id"]: r for r in rows}
    handlers = handlers_by_unit(counts)
    written = 0
    for unit_id, r in counts.items():
        body = (f"截至本周一，本单位超期未整改问题 {r['overdue']} 个、在办重点问题 {r['key']} 个，"
                "请按督办通知限期整改并反馈。")
        written += notify(handlers.get(unit_id, []), kind="supervision", title=f"督办通知（{period}）", body=body,
                          unit_id=unit_id, period=period, now=now)
    return {"units": len(counts), "notifications": written}


def month_settled(now: dt.datetime) -> dict:
    """Tell the scorers once when last month's cutoff has passed and it has no published result yet."""
    try:
        plan = active_plan().plan
    except NoActivePlan:
        return {"skipped": "no active plan"}
    if not plan.assessment:
        return {"skipped": "plan has no assessment rules"}
    local = timezone.localtime(now)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    period = f"{year:04d}-{month:02d}"
    if now < parse_month(period, plan).cutoff or AssessmentRun.objects.filter(
            plan=plan, period=period, status=AssessmentRun.Status.PUBLISHED).exists():
        return {"period": period, "notifications": 0}
    scorers = User.objects.filter(role=Role.SCORER, is_active=True)
    written = notify(scorers, kind="assessment_due", title=f"{year}年{month}月考核数据已截止",
                     body="可在“考核排名”中试算、核对并发布本月考核结果。", period=period, now=now)
    return {"period": period, "notifications": written}
