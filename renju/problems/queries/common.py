"""Read-side helpers the pages share: what a problem page shows, countdowns, duplicates nearby, on-time rates."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from renju.plans.active import active_plan
from renju.plans.geo import region_index
from renju.problems.duplicates import duplicate_candidates, duplicate_window, merged_reports
from renju.problems.lifecycle import ACTION_NAMES, actions_for
from renju.problems.models import ON_THE_CLOCK, Photo, Problem, ProblemEvent
from renju.problems.queries.evidence import evidence_for_page
from renju.problems.routing import time_limit_for


# Duplicates: same category, this close, reported this recently (the intake issue makes these plan settings).
def countdown(problem: Problem, now: dt.datetime | None = None) -> dict | None:
    """How long until (or since) the deadline, for problems on the clock: {'seconds', 'label', 'state'}."""
    if problem.status not in ON_THE_CLOCK or problem.due_at is None:
        return None
    now = now or timezone.now()
    seconds = int((problem.due_at - now).total_seconds())
    state = "late" if seconds < 0 else "soon" if seconds < settings.RENJU_DUE_SOON_HOURS * 3600 else "ok"
    return {"seconds": seconds, "label": duration_label(abs(seconds)), "state": state}


def duration_label(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{minutes}分"
    return f"{minutes}分钟"


def problem_page_context(problem: Problem, user) -> dict:
    ctx = active_plan()
    events = list(ProblemEvent.objects.filter(problem=problem).select_related("actor"))
    photos = list(Photo.objects.filter(problem=problem))
    task = problem.category.task
    standards = list(task.standards.prefetch_related("items"))
    actions = actions_for(user, problem)
    chain = [n.name for n in reversed(region_index().ancestors(problem.region_id))]
    return {
        "problem": problem,
        "events": [{"event": e, "name": ACTION_NAMES.get(e.action, e.action)} for e in events],
        "before": [p for p in photos if p.kind == Photo.Kind.BEFORE],
        "after": [p for p in photos if p.kind == Photo.Kind.AFTER],
        "verify_photos": [p for p in photos if p.kind == Photo.Kind.VERIFY],
        "evidence": evidence_for_page(events, photos),
        "task": task,
        "standards": standards,
        "check_item": problem.check_item,
        "region_chain": " / ".join(chain),
        "severity_name": ctx.plan.severity_name(problem.severity),
        "time_limit": time_limit_for(ctx, problem.category, problem.severity).label(),
        "countdown": countdown(problem),
        "actions": actions,
        "units": sorted(ctx.units.values(), key=lambda u: u.position) if "dispatch" in actions else [],
        "duplicates": duplicate_candidates(problem) if {"accept", "merge"} & set(actions) else [],
        "merged_reports": merged_reports(problem),
        "duplicate_window": duplicate_window(),
        "routing_reason": events[0].details.get("routing", "") if events else "",
    }


def on_time_rate(problems_q: Q, since: dt.datetime, until: dt.datetime) -> dict:
    """Rectified in the period, and how many of them by their deadline (from the rectify events)."""
    rows = ProblemEvent.objects.filter(problems_q, action="rectify", at__gte=since, at__lt=until).aggregate(
        total=Count("id"), on_time=Count("id", filter=Q(details__on_time=True))
    )
    total, on_time = rows["total"] or 0, rows["on_time"] or 0
    return {"total": total, "on_time": on_time, "rate": (on_time / total) if total else None}
