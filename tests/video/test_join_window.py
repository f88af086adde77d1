"""Alarms of the same type from the same camera within the plan's window (30 minutes) join one open problem."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from renju.problems import lifecycle
from renju.problems.models import Problem
from renju.video.models import Alarm
from tests.conftest import prepared_photo

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - dt.timedelta(hours=3)
WINDOW = dt.timedelta(minutes=30)


@pytest.fixture(autouse=True)
def cameras(camera):
    camera("CAM-001")
    camera("CAM-002", region="371082002")


@pytest.fixture
def first(receive):
    return receive(occurred_at=T0, confidence=0.7).alarm  # review: the problem stays reported (open)


def test_exactly_at_the_window_the_alarm_joins_the_open_problem(receive, first):
    later = receive(occurred_at=T0 + WINDOW).alarm
    assert later.outcome == "joined" and later.problem_id == first.problem_id and Problem.objects.count() == 1


def test_one_second_past_the_window_opens_a_new_problem(receive, first):
    later = receive(occurred_at=T0 + WINDOW + dt.timedelta(seconds=1)).alarm
    assert later.outcome in ("created", "review") and later.problem_id != first.problem_id
    assert Problem.objects.count() == 2


def test_the_window_slides_with_each_joined_alarm(receive, first):
    receive(occurred_at=T0 + dt.timedelta(minutes=25))
    third = receive(occurred_at=T0 + dt.timedelta(minutes=50)).alarm  # 50 after the first, 25 after the second
    assert third.outcome == "joined" and third.problem_id == first.problem_id


def test_an_alarm_that_arrives_late_but_happened_earlier_within_the_window_joins(receive, first):
    earlier = receive(occurred_at=T0 - WINDOW).alarm
    assert earlier.outcome == "joined" and earlier.problem_id == first.problem_id


def test_another_alarm_type_from_the_same_camera_is_another_problem(receive, first):
    other = receive(occurred_at=T0 + dt.timedelta(minutes=1), alarm_type="clutter").alarm
    assert other.outcome != "joined" and other.problem_id != first.problem_id


def test_the_same_type_from_another_camera_is_another_problem(receive, first):
    other = receive(occurred_at=T0 + dt.timedelta(minutes=1), camera="CAM-002").alarm
    assert other.outcome != "joined" and other.problem_id != first.problem_id


def test_a_problem_closed_meanwhile_is_not_joined(receive, users):
    first = receive(occurred_at=T0, confidence=0.95).alarm  # dispatched at once
    problem = first.problem
    lifecycle.problem_rectify(actor=users[problem.unit.code], problem_id=problem.id, note="已清理",
                              photos=[prepared_photo(5)])
    lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="pass")
    again = receive(occurred_at=T0 + dt.timedelta(minutes=10)).alarm
    assert again.outcome == "created" and again.problem_id != problem.id


@pytest.mark.parametrize("finish", ["reject", "merge"])
def test_a_rejected_or_merged_problem_is_not_joined(receive, first, users, report, finish):
    dispatcher = users["dispatcher"]
    if finish == "reject":
        lifecycle.problem_reject(actor=dispatcher, problem_id=first.problem_id, reason="误报")
    else:
        lifecycle.problem_merge(actor=dispatcher, problem_id=first.problem_id, into=report().id)
    again = receive(occurred_at=T0 + dt.timedelta(minutes=5)).alarm
    assert again.outcome != "joined" and again.problem_id != first.problem_id


def test_a_dispatched_problem_still_being_fixed_is_joined(receive, users):
    first = receive(occurred_at=T0, confidence=0.95).alarm
    assert first.problem.status == "dispatched"
    assert receive(occurred_at=T0 + dt.timedelta(minutes=3)).alarm.problem_id == first.problem_id


def test_a_dropped_alarm_opens_no_window(receive):
    receive(occurred_at=T0, confidence=0.1)
    later = receive(occurred_at=T0 + dt.timedelta(minutes=1), confidence=0.7).alarm
    assert later.outcome == "review"


def test_a_joined_alarm_keeps_its_own_snapshot_for_the_dispatcher(receive, first):
    from tests.conftest import jpeg

    later = receive(occurred_at=T0 + dt.timedelta(minutes=2), snapshot=jpeg(9)).alarm
    assert later.outcome == "joined" and later.snapshot and later.snapshot_thumb
    assert later.snapshot.read() == jpeg(9)
    assert later.problem.photos.count() == 1  # the problem's own photos are untouched


def test_a_zero_window_joins_only_the_same_moment(receive, first, monkeypatch):
    from renju.video import intake
    from renju.video.rules import video_rules

    rules = video_rules()
    monkeypatch.setattr(intake, "video_rules", lambda: type(rules)(**{**rules.__dict__, "join_window": dt.timedelta()}))
    assert receive(occurred_at=T0).alarm.outcome == "joined"
    assert receive(occurred_at=T0 + dt.timedelta(seconds=1)).alarm.outcome != "joined"
    assert Alarm.objects.filter(outcome="joined").count() == 1
