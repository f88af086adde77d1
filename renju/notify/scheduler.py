"""The embedded scheduler: a small thread that runs each job once per period, with a lease in the database.

A period is `every` seconds long, aligned to the epoch. Before running a job for a period a worker inserts
`JobRun(job, period)`; the pair is unique, so when two workers (or a worker and a Celery beat, or a double tick)
reach the same period, one insert wins and the others skip. A job that fails keeps its error on its JobRun and runs
again next period; the jobs themselves are idempotent, so a period lost to a crash is caught up by the next one.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from renju.notify.jobs import JOBS, Job
from renju.notify.models import JobRun

log = logging.getLogger(__name__)


def period_key(now: dt.datetime, every: int) -> str:
    start = int(now.timestamp()) // every * every
    return dt.datetime.fromtimestamp(start, dt.UTC).isoformat(timespec="seconds")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"[:100]


def run_job(job: Job, now: dt.datetime) -> JobRun | None:
    """Run `job` for the period `now` falls in, unless that period was already taken. Returns the JobRun, or None
    when another run had it."""
    period = period_key(now, job.every)
    try:
        with transaction.atomic():
            run = JobRun.objects.create(job=job.name, period=period, started_at=now, worker=worker_name())
    except IntegrityError:
        return None
    try:
        result = job.func(now)
    except Exception as exc:  # noqa: BLE001 - one failing job must not stop the others or the worker
        log.exception("scheduled job %s failed for period %s", job.name, period)
        run.error = f"{exc.__class__.__name__}: {exc}"[:2000]
    else:
        run.result = result if isinstance(result, dict) else {}
    run.finished_at = timezone.now()
    JobRun.objects.filter(pk=run.pk).update(finished_at=run.finished_at, result=run.result, error=run.error)
    return run


class Scheduler:
    """Runs `jobs` (default: every job in `jobs.JOBS`), each once per period, on a thread of its own."""

    def __init__(self, jobs: Sequence[Job] | None = None, *, every: int | None = None, tick: float = 1.0,
                 clock: Callable[[], dt.datetime] = timezone.now) -> None:
        jobs = list(JOBS if jobs is None else jobs)
        self.jobs = [replace(j, every=every) for j in jobs] if every else jobs
        self.tick = tick
        self.clock = clock
        self.stopping = threading.Event()
        self._done: dict[str, str] = {}
        self._thread: threading.Thread | None = None

    def run_due(self, now: dt.datetime) -> list[JobRun]:
        """Run every job whose current period this scheduler has not seen yet; return the runs it made."""
        runs = []
        for job in self.jobs:
            period = period_key(now, job.every)
            if self._done.get(job.name) == period:
                continue
            self._done[job.name] = period
            run = run_job(job, now)
            if run is not None:
                runs.append(run)
        return runs

    def run_forever(self) -> None:
        try:
            while not self.stopping.is_set():
                close_old_connections()  # a database restart or CONN_MAX_AGE must not kill the worker
                try:
                    self.run_due(self.clock())
                except Exception:  # noqa: BLE001 - e.g. the database is away for a moment: try next tick
                    log.exception("scheduler tick failed")
                self.stopping.wait(self.tick)
        finally:
            connection.close()

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run_forever, name="renju-scheduler", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float | None = 30) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
