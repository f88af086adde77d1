"""Alarms racing each other: a replay delivered twice at once, and a burst from one camera, make one problem."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from renju.problems.models import Problem
from renju.video.models import Alarm
from tests.conftest import jpeg, load_reference_data, point_in


def _race(pushes: list[dict]) -> list:
    """Run each push in its own thread, all released at once; returns outcomes (or exceptions)."""
    from renju.accounts.models import User
    from renju.video.intake import alarm_receive

    robot = User.objects.get(username="video-ai")
    start = threading.Barrier(len(pushes))
    results: list = [None] * len(pushes)

    def push(n: int) -> None:
        try:
            start.wait()
            results[n] = alarm_receive(actor=robot, **pushes[n])
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=push, args=(n,)) for n in range(len(pushes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.fixture
def world(transactional_db):
    # A transactional test starts from an empty database, so it loads the reference data itself.
    load_reference_data()
    from renju.accounts.models import User
    from renju.plans.geo import region_index
    from renju.video.models import Camera

    User.objects.create(username="video-ai", role="integration")
    lat, lng = point_in("371082001")
    Camera.objects.create(code="CAM-001", name="路口", lat=lat, lng=lng, region_id=region_index().locate(lng, lat))


def _alarm(alarm_id: str, minutes: float, **extra) -> dict:
    return dict(camera="CAM-001", alarm_id=alarm_id, alarm_type="garbage_exposed", confidence=0.9,
                occurred_at=timezone.now() - dt.timedelta(minutes=minutes), snapshot=jpeg(3), **extra)


def test_the_same_alarm_delivered_four_times_at_once_is_one_alarm_and_one_problem(world):
    results = _race([_alarm("SAME-1", 1) for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.replayed for r in results) == [False, True, True, True]
    assert len({r.alarm.pk for r in results}) == 1
    assert Alarm.objects.count() == 1 and Problem.objects.count() == 1


def test_a_burst_of_different_alarms_in_the_window_opens_one_problem_and_joins_the_rest(world):
    results = _race([_alarm(f"B-{n}", 5 - n) for n in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    outcomes = sorted(r.alarm.outcome for r in results)
    assert outcomes == ["created", "joined", "joined", "joined"]
    assert Problem.objects.count() == 1 and Alarm.objects.filter(problem__isnull=False).count() == 4
