"""An alarm becomes a dispatched problem, a problem for review, part of an open problem, or a dropped record."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from renju.problems import lifecycle
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.problems.models import Photo, Problem, ProblemEvent
from renju.video.models import Alarm, Camera
from tests.conftest import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cam(camera):
    return camera("CAM-001", road_class="arterial")


def test_a_confident_alarm_files_a_video_problem_at_the_camera_and_dispatches_it(receive, cam, robot):
    seen = timezone.now() - dt.timedelta(minutes=3)
    result = receive(confidence=0.93, occurred_at=seen, snapshot=jpeg(7))
    alarm, problem = result.alarm, result.alarm.problem
    assert (result.replayed, alarm.outcome) == (False, "created")
    assert (problem.source, problem.status, problem.category.code) == ("video", "dispatched", "06010")
    assert (problem.lat, problem.lng, problem.region_id) == (cam.lat, cam.lng, cam.region_id)
    assert problem.road_class == "arterial" and problem.address == cam.address
    assert problem.found_at == seen and problem.reporter == robot and problem.unit == problem.suggested_unit
    before = Photo.objects.get(problem=problem)
    assert before.kind == "before" and before.sha256 == hashlib.sha256(jpeg(7)).hexdigest() == alarm.snapshot_sha256
    dispatch = ProblemEvent.objects.get(problem=problem, action="dispatch")
    assert "0.93" in dispatch.details["fast_track"]


def test_an_alarm_between_the_thresholds_waits_for_a_dispatcher(receive):
    alarm = receive(confidence=0.7).alarm
    assert alarm.outcome == "review" and alarm.problem.status == "reported"
    assert list(alarm.problem.events.values_list("action", flat=True)) == ["report"]


def test_a_weak_alarm_is_kept_for_the_record_and_dropped_without_a_problem_or_a_file(receive, media_root):
    alarm = receive(confidence=0.2).alarm
    assert alarm.outcome == "dropped" and alarm.problem is None and alarm.snapshot_sha256
    assert not alarm.snapshot and Problem.objects.count() == 0
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


@pytest.mark.parametrize(("confidence", "outcome"), [
    (0.0, "dropped"), (0.4999, "dropped"), (0.5, "review"), (0.8499, "review"), (0.85, "created"), (1.0, "created"),
])
def test_the_plans_thresholds_hold_at_their_edges(receive, confidence, outcome):
    assert receive(confidence=confidence).alarm.outcome == outcome


def test_a_confident_alarm_with_no_unit_to_go_to_is_left_for_review(receive, monkeypatch):
    def refuse(**kwargs):
        raise InvalidInput.one("unit", "no unit is suggested for this problem")

    monkeypatch.setattr(lifecycle, "problem_fast_track", refuse)
    alarm = receive(confidence=0.99).alarm
    assert alarm.outcome == "review" and alarm.problem.status == "reported"
    assert "no unit" in alarm.payload["fast_track_refused"]


def test_a_replayed_alarm_returns_its_first_outcome_and_files_nothing_more(receive):
    first = receive(alarm_id="R-1", confidence=0.9)
    again = receive(alarm_id="R-1", confidence=0.1, alarm_type="clutter")  # a replay is answered, not re-read
    assert again.replayed and again.alarm.pk == first.alarm.pk and again.alarm.outcome == "created"
    assert Alarm.objects.count() == 1 and Problem.objects.count() == 1


def test_the_same_alarm_id_from_another_camera_is_another_alarm(receive, camera):
    camera("CAM-002")
    receive(alarm_id="X-1")
    other = receive(alarm_id="X-1", camera="CAM-002")
    assert not other.replayed and Alarm.objects.count() == 2 and Problem.objects.count() == 2


def test_a_delivery_that_loses_the_race_at_the_unique_constraint_answers_with_the_winner(receive, monkeypatch,
                                                                                      media_root):
    """The camera lock normally makes the second delivery see the first; if it ever does not, the unique constraint
    refuses the second row, its transaction rolls back (files included), and the first outcome is returned."""
    from renju.video import intake

    winner = receive(alarm_id="RACE-1", confidence=0.7).alarm
    photos_before = sorted(p.name for p in media_root.rglob("*") if p.is_file())
    real_first = intake._first
    calls = {"n": 0}

    def blind_first(cam, alarm_id):  # the two checks before the insert do not see the winner
        calls["n"] += 1
        return None if calls["n"] <= 2 else real_first(cam, alarm_id)

    monkeypatch.setattr(intake, "_first", blind_first)
    loser = receive(alarm_id="RACE-1", confidence=0.9)  # would join the winner's problem, writing a snapshot
    assert calls["n"] == 3  # the insert was refused, then the winner was found
    assert loser.replayed and loser.alarm.pk == winner.pk and loser.alarm.outcome == "review"
    assert Alarm.objects.count() == 1 and Problem.objects.count() == 1
    assert sorted(p.name for p in media_root.rglob("*") if p.is_file()) == photos_before


@pytest.mark.parametrize(("overrides", "field"), [
    ({"camera": "NOPE"}, "camera"),
    ({"alarm_type": "ufo"}, "alarm_type"),
    ({"alarm_id": ""}, "alarm_id"),
    ({"alarm_id": "x" * 65}, "alarm_id"),
    ({"confidence": 1.2}, "confidence"),
    ({"confidence": -0.1}, "confidence"),
    ({"confidence": "high"}, "confidence"),
    ({"occurred_at": dt.datetime(2026, 1, 1, 8, 0)}, "occurred_at"),  # no time zone
    ({"occurred_at": timezone.now() + dt.timedelta(hours=1)}, "occurred_at"),
    ({"snapshot": None}, "snapshot"),
    ({"snapshot": b"not a picture at all"}, "snapshot"),
    ({"snapshot": jpeg(1)[:200]}, "snapshot"),  # cut off
])
def test_bad_alarms_are_refused_naming_the_field_and_write_nothing(receive, overrides, field, media_root):
    with pytest.raises(InvalidInput) as refused:
        receive(**overrides)
    assert field in refused.value.errors
    assert Alarm.objects.count() == 0 and Problem.objects.count() == 0
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_an_oversized_snapshot_is_refused(receive, settings):
    settings.RENJU_MAX_PHOTO_BYTES = 1000
    with pytest.raises(InvalidInput) as refused:
        receive(snapshot=jpeg(2))
    assert "larger than" in refused.value.errors["snapshot"][0]


def test_a_retired_camera_is_refused(receive, cam):
    Camera.objects.filter(pk=cam.pk).update(status="retired")
    with pytest.raises(InvalidInput) as refused:
        receive()
    assert "retired" in refused.value.errors["camera"][0] and Alarm.objects.count() == 0


def test_an_offline_camera_that_sends_an_alarm_is_heard(receive, cam):
    Camera.objects.filter(pk=cam.pk).update(status="offline")
    assert receive().alarm.outcome == "created"


def test_only_the_platforms_account_may_push_alarms(receive, users):
    with pytest.raises(ActionForbidden):
        receive(actor=users["inspector"])
    assert receive(actor=users["admin"]).alarm.outcome == "created"
