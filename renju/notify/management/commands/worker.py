"""`renju worker`: run the scheduled jobs (overdue notices, reminders, deliveries, and any job other apps add).

Embedded by default: a scheduler thread in this process. With `RENJU_QUEUE_URL` set, it starts a Celery worker
with beat instead, so the same jobs run as tasks on that queue (`--embedded` keeps the thread anyway).
"""

from __future__ import annotations

import os
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from renju.notify.jobs import JOBS, job_named
from renju.notify.scheduler import Scheduler, run_job


class Command(BaseCommand):
    help = "Run the scheduled jobs: every N seconds in this process, or on the Celery queue when one is configured."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="run each job once for the current period and exit")
        parser.add_argument("--job", action="append", default=[], help="only this job (repeatable)")
        parser.add_argument("--every", type=int, default=None,
                            help="seconds between runs of every job (default: each job's own, RENJU_WORKER_INTERVAL)")
        parser.add_argument("--embedded", action="store_true", help="use the in-process scheduler even with a queue")
        parser.add_argument("--exit-with-parent", action="store_true",
                            help="stop when the process that started this one is gone (used by `make serve`)")

    def handle(self, *args, once: bool, job: list[str], every: int | None, embedded: bool, exit_with_parent: bool,
               **options) -> None:
        try:
            jobs = [job_named(name) for name in job] if job else list(JOBS)
        except KeyError as exc:
            raise CommandError(str(exc)) from exc
        if every is not None and every < 1:
            raise CommandError("--every must be at least 1 second")
        if once:
            now = timezone.now()
            for j in jobs:
                run = run_job(j, now)
                outcome = "already done for this period" if run is None else (run.error or run.result)
                self.stdout.write(f"{j.name}: {outcome}")
            return
        if settings.RENJU_QUEUE_URL and not embedded:
            from renju.notify.celery_app import app

            self.stdout.write(f"queue {settings.RENJU_QUEUE_URL}: starting a Celery worker with beat")
            app.worker_main(["worker", "--beat", "--loglevel=INFO", "--concurrency=2"])
            return
        self._run_embedded(Scheduler(jobs, every=every), exit_with_parent)

    def _run_embedded(self, scheduler: Scheduler, exit_with_parent: bool) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        parent = os.getppid()
        scheduler.start()
        names = ", ".join(f"{j.name} every {j.every} s" for j in scheduler.jobs)
        self.stdout.write(f"renju worker: {names}", ending="\n")
        self.stdout.flush()
        # If the server that started us dies without a word (SIGKILL), we are re-parented: stop too.
        while not stop.wait(1.0):
            if exit_with_parent and os.getppid() != parent:
                break
        scheduler.stop()
        self.stdout.write("renju worker stopped")
