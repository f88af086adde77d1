"""The real queue: the same scheduled jobs as Celery tasks, on beat, when `RENJU_QUEUE_URL` names a broker.

    RENJU_QUEUE_URL=redis://127.0.0.1:6379/0 renju worker          # a Celery worker with beat embedded
    RENJU_QUEUE_URL=… celery -A renju.notify.celery_app worker      # workers on other machines
    RENJU_QUEUE_URL=… celery -A renju.notify.celery_app beat        # one beat for all of them

Each task runs `scheduler.run_job`, so the (job, period) lease in the database still holds: a beat that fires twice,
or two beats, never run a period twice. Needs the optional dependencies: `pip install -e ".[queue]"`.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renju.settings")

import django  # noqa: E402 - Django must be set up before the app's modules are imported
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()

from celery import Celery  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from renju.notify.jobs import JOBS, job_named  # noqa: E402
from renju.notify.scheduler import run_job  # noqa: E402

TASK_NAME = "renju.notify.run_job"

app = Celery("renju")
app.conf.update(
    broker_url=settings.RENJU_QUEUE_URL or "memory://",
    broker_connection_retry_on_startup=True,
    task_ignore_result=True,
    timezone=settings.TIME_ZONE,
    worker_hijack_root_logger=False,
    beat_schedule_filename=str(settings.VAR_DIR / "celerybeat-schedule"),
)


@app.task(name=TASK_NAME)
def run_job_task(name: str) -> dict | None:
    """Run one scheduled job for the current period (nothing, if that period was already done)."""
    run = run_job(job_named(name), timezone.now())
    return None if run is None else {"job": run.job, "period": run.period, "result": run.result, "error": run.error}


def beat_schedule() -> dict:
    """Every job in `jobs.JOBS` (those other apps appended included), every `job.every` seconds."""
    return {job.name: {"task": TASK_NAME, "schedule": float(job.every), "args": (job.name,)} for job in JOBS}


app.conf.beat_schedule = beat_schedule()
