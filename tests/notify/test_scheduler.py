"""Scheduled work runs by itself, once per period, in the embedded scheduler or as Celery tasks."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from renju.notify import jobs
from renju.notify.jobs import JOBS, Job
from renju.notify.models import JobRun, Kind, Notification
from renju.notify.scheduler import Scheduler, period_key, run_job
from tests.conftest import beijing
from tests.notify.conftest import told

T0 = beijing(2023, 10, 10, 14, 0, 5)


class Counter:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[dt.datetime] = []
        self.fail = fail

    def __call__(self, now: dt.datetime) -> dict:
        self.calls.append(now)
        if self.fail:
            raise RuntimeError("the gateway is on fire")
        return {"calls": len(self.calls)}


@pytest.mark.django_db
def test_a_period_is_run_once_however_often_it_is_asked_for():
    counter = Counter()
    job = Job("count", counter, every=60)

    first = run_job(job, T0)
    again = run_job(job, T0 + dt.timedelta(seconds=30))
    next_period = run_job(job, T0 + dt.timedelta(seconds=60))

    assert first.result == {"calls": 1} and first.period == "2023-10-10T06:00:00+00:00"
    assert again is None
    assert next_period.period == "2023-10-10T06:01:00+00:00"
    assert len(counter.calls) == 2


@pytest.mark.django_db
def test_a_failing_job_keeps_its_error_and_the_others_still_run():
    broken, fine = Counter(fail=True), Counter()
    scheduler = Scheduler([Job("broken", broken, 60), Job("fine", fine, 60)])

    runs = scheduler.run_due(T0)

    assert [(r.job, r.error) for r in runs] == [("broken", "RuntimeError: the gateway is on fire"), ("fine", "")]
    assert len(fine.calls) == 1
    assert JobRun.objects.get(job="broken").finished_at is not None


@pytest.mark.django_db
def test_the_scheduler_runs_each_job_by_its_own_period():
    fast, slow = Counter(), Counter()
    scheduler = Scheduler([Job("fast", fast, 60), Job("slow", slow, 3600)])

    for minute in range(5):
        scheduler.run_due(T0 + dt.timedelta(minutes=minute))
        scheduler.run_due(T0 + dt.timedelta(minutes=minute, seconds=20))

    assert (len(fast.calls), len(slow.calls)) == (5, 1)


@pytest.mark.django_db
def test_worker_once_runs_the_real_jobs_for_this_period(on_clock, monkeypatch):
    from django.utils import timezone

    problem = on_clock(timezone.now() + dt.timedelta(minutes=30))
    problem.refresh_from_db()

    call_command("worker", "--once")
    call_command("worker", "--once")

    assert told(problem, Kind.DUE_SOON) == sorted([problem.unit.code, "dispatcher"])
    assert JobRun.objects.filter(job="remind_deadlines").count() == 1
    assert {r.job for r in JobRun.objects.all()} == {j.name for j in JOBS}


@pytest.mark.django_db
def test_other_apps_add_their_jobs_to_the_hook(monkeypatch):
    recheck = Counter()
    monkeypatch.setattr(jobs, "JOBS", [*JOBS, Job("weekly_notices", recheck, 3600)])

    call_command("worker", "--once", "--job", "weekly_notices")

    assert len(recheck.calls) == 1


@pytest.fixture
def eager_celery():
    from renju.notify.celery_app import app

    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = False


@pytest.mark.django_db
def test_the_celery_task_calls_the_same_job_function(eager_celery, monkeypatch):
    from renju.notify.celery_app import run_job_task

    spy = Counter()
    monkeypatch.setattr(jobs, "JOBS", [Job("remind_deadlines", spy, 60)])

    first = run_job_task.delay("remind_deadlines").get()
    second = run_job_task.delay("remind_deadlines").get()

    assert first["result"] == {"calls": 1} and second is None  # same period: leased once
    assert len(spy.calls) == 1


@pytest.mark.django_db
def test_the_celery_task_runs_the_real_reminder_job(eager_celery, on_clock):
    from django.utils import timezone

    from renju.notify.celery_app import run_job_task

    problem = on_clock(timezone.now() + dt.timedelta(minutes=30))

    run_job_task.delay("remind_deadlines")

    assert told(problem, Kind.DUE_SOON) == sorted([problem.unit.code, "dispatcher"])


def test_beat_schedules_every_job_at_its_period():
    from renju.notify.celery_app import TASK_NAME, beat_schedule

    schedule = beat_schedule()

    assert set(schedule) == {j.name for j in JOBS}
    assert all(entry["task"] == TASK_NAME for entry in schedule.values())
    assert schedule["remind_deadlines"]["args"] == ("remind_deadlines",)


def test_period_keys_are_aligned_to_the_epoch():
    assert period_key(beijing(2023, 10, 10, 8, 0, 59), 60) == "2023-10-10T00:00:00+00:00"
    assert period_key(beijing(2023, 10, 10, 8, 0, 59), 86400) == "2023-10-10T00:00:00+00:00"


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_the_same_period_run_it_once():
    counter = Counter()
    job = Job("race", counter, every=60)
    start = threading.Barrier(4)
    outcomes: list[bool] = []

    def worker() -> None:
        try:
            start.wait()
            outcomes.append(run_job(job, T0) is not None)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) == [False, False, False, True]
    assert len(counter.calls) == 1


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_thread_runs_jobs_by_itself_until_stopped():
    ran = threading.Event()

    def job(now: dt.datetime) -> dict:
        ran.set()
        return {}

    scheduler = Scheduler([Job("tick", job, every=1)], tick=0.05)
    scheduler.start()
    try:
        assert ran.wait(timeout=30)
    finally:
        scheduler.stop()

    assert not scheduler._thread.is_alive()
    assert JobRun.objects.filter(job="tick").exists()
    assert Notification.objects.count() == 0
