"""回头看: which closed problems are rechecked, and who goes.

Every key problem is rechecked; each other closed problem is chosen when a keyed hash of its number falls below the
plan's share. The choice is reproducible (a problem's fate depends on nothing but its own number, so running the job
twice, or later, adds nothing), fair across units (every unit's problems face the same odds, whatever the others'
volume), and not predictable by the units (the key is the plan's code, and they do not see the hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from django.db import IntegrityError, transaction

from renju.accounts.models import Role, User
from renju.plans.active import PlanContext, active_plan
from renju.plans.geo import region_index
from renju.problems.models import Problem, Recheck, Status


def sample_point(plan_code: str, number: str) -> float:
    """A number in [0, 1) fixed for this problem under this plan."""
    digest = hashlib.sha256(f"{plan_code}:{number}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def recheck_selection(ctx: PlanContext, closed: list[Problem]) -> dict[int, str]:
    """{problem id: reason} for the problems to recheck among `closed`."""
    share = float(ctx.plan.follow_up.get("recheck_sample_percent", 10)) / 100
    chosen = {}
    for p in closed:
        if p.is_key:
            chosen[p.id] = Recheck.Reason.KEY
        elif sample_point(ctx.plan.code, p.number) < share:
            chosen[p.id] = Recheck.Reason.SAMPLE
    return chosen


def beat_inspector(region_id: int, beats: dict[int, User]) -> User | None:
    """The inspector whose beat holds the place (the innermost beat region wins)."""
    for node in region_index().ancestors(region_id):
        if node.id in beats:
            return beats[node.id]
    return None


# How far back a run looks for closing days it has not drawn yet (a worker that was down catches up this far).
CATCH_UP = dt.timedelta(days=30)


def rechecks_create(now: dt.datetime) -> int:
    """Create the rechecks due by `now`: for each closing day at least `recheck_after_days` ago, its sample.

    Idempotent: each day's sample is drawn from all the problems closed that day, so it is the same whenever it is
    drawn, and a problem has at most one recheck.
    """
    ctx = active_plan()
    after = dt.timedelta(days=int(ctx.plan.follow_up.get("recheck_after_days", 7)))
    today = now.astimezone(ctx.calendar.tz).date()
    # Whole closing days only: a problem closed on day D is due on D + after.
    newest = dt.datetime.combine(today - after + dt.timedelta(days=1), dt.time(), tzinfo=ctx.calendar.tz)
    closed = list(
        Problem.objects.filter(status=Status.CLOSED, closed_at__gte=newest - CATCH_UP, closed_at__lt=newest)
        .only("id", "number", "is_key", "unit_id", "region_id", "closed_at")
    )
    drawn = set(Recheck.objects.filter(problem__in=closed).values_list("problem_id", flat=True))
    by_day: dict[dt.date, list[Problem]] = defaultdict(list)
    for p in closed:
        by_day[p.closed_at.astimezone(ctx.calendar.tz).date()].append(p)
    beats = {
        region_id: user
        for user in User.objects.filter(role=Role.INSPECTOR, is_active=True).prefetch_related("beat")
        for region_id in user.beat.values_list("id", flat=True)
    }
    created = 0
    for day, problems in sorted(by_day.items()):
        by_id = {p.id: p for p in problems}
        for problem_id, reason in recheck_selection(ctx, problems).items():
            if problem_id in drawn:
                continue
            problem = by_id[problem_id]
            try:
                with transaction.atomic():
                    Recheck.objects.create(problem_id=problem_id, due_on=max(day + after, today), reason=reason,
                                           inspector=beat_inspector(problem.region_id, beats), created_at=now)
                    created += 1
            except IntegrityError:
                continue  # drawn already by another run
    return created
