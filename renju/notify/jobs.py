"""The scheduled jobs, as plain functions of `now`. Any of them may run twice: nothing is done twice.

They run by themselves: every `every` seconds in the embedded scheduler (`renju worker`, started next to the web
server by `make serve`), or as Celery tasks on beat when `RENJU_QUEUE_URL` names a real queue
(`renju/notify/celery_app.py`). Either way `scheduler.run_job` takes a lease on (job, period) first.

`JOBS` is the hook for other apps' scheduled work (creating rechecks, weekly notices …): append a `Job` in your
AppConfig.ready(), e.g. `JOBS.append(Job("create_rechecks", rechecks.create_due, every=3600))`. The function gets
the moment it runs for, must be idempotent, and may return a small dict that is kept on the JobRun.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from renju.notify import reminders
from renju.notify.deliveries import deliveries_queue, deliveries_send
from renju.notify.models import JobRun, Kind
from renju.notify.notices import notifications_insert, problem_notices
from renju.problems.rechecks import rechecks_create

JOB_RUNS_KEPT_DAYS = 14


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[dt.datetime], dict | None]
    every: int  # seconds between runs; also the length of the period a run holds the lease for


def remind_deadlines(now: dt.datetime, *, dry_run: bool = False) -> dict:
    """Tell units what is due soon and, each working day, what is still overdue; warn dispatchers what is about to
    slip. `dry_run` does the whole job — the scan and the idempotent insert — and rolls it back."""
    with transaction.atomic():
        dues = reminders.due_reminders(now)
        rows = problem_notices(dues, now, to_dispatchers={Kind.DUE_SOON})
        offered = notifications_insert(rows)
        if dry_run:
            transaction.set_rollback(True)
    return {"due_soon": sum(d.kind == Kind.DUE_SOON for d in dues),
            "overdue_daily": sum(d.kind == Kind.OVERDUE_DAILY for d in dues), "notifications": offered}


def mark_overdue(now: dt.datetime, *, dry_run: bool = False) -> dict:
    """Record each problem crossing its deadline as an `overdue` notice to its unit and to the dispatchers, once per
    deadline. Problem.status is not touched: overdue is derived from the deadline wherever it is shown."""
    with transaction.atomic():
        dues = reminders.newly_overdue(now)
        offered = notifications_insert(problem_notices(dues, now, to_dispatchers={Kind.OVERDUE}))
        if dry_run:
            transaction.set_rollback(True)
    return {"overdue": len(dues), "notifications": offered}


def deliver_pending(now: dt.datetime) -> dict:
    """Queue new notifications on the outgoing channels, then send what is due (retries included)."""
    queued = deliveries_queue(now)
    return {"queued": queued, **deliveries_send(now)}


def create_rechecks(now: dt.datetime) -> dict:
    """回头看: draw the rechecks that are due (idempotent: each closing day's sample is the same whenever drawn)."""
    return {"created": rechecks_create(now)}


def prune_job_runs(now: dt.datetime) -> dict:
    deleted, _ = JobRun.objects.filter(started_at__lt=now - dt.timedelta(days=JOB_RUNS_KEPT_DAYS)).delete()
    return {"deleted": deleted}


def _every() -> int:
    return settings.RENJU_WORKER_INTERVAL


# Order matters within one tick: a deadline crossing is told before that day's repeat.
JOBS: list[Job] = [
    Job("mark_overdue", mark_overdue, _every()),
    Job("remind_deadlines", remind_deadlines, _every()),
    Job("deliver_pending", deliver_pending, _every()),
    Job("create_rechecks", create_rechecks, 3600),
    Job("prune_job_runs", prune_job_runs, 86400),
]


def job_named(name: str) -> Job:
    for job in JOBS:
        if job.name == name:
            return job
    raise KeyError(f"no scheduled job named {name!r}; known: {', '.join(j.name for j in JOBS)}")
