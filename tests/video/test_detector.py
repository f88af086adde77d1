"""The detector interface: a configured model's findings go through the same alarm intake; none ships."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from renju.problems.errors import InvalidInput
from renju.video.detector import (
    Detection,
    Detector,
    FixedDetector,
    NullDetector,
    detect_and_receive,
    detector_load,
)
from renju.video.models import Alarm
from tests.conftest import jpeg
from tests.video.conftest import b64

pytestmark = pytest.mark.django_db

SEEN = timezone.now() - dt.timedelta(minutes=1)


class Several:
    """A model that finds two boxes of rubbish, one of clutter, and something the plan does not map."""

    def detect(self, image: bytes) -> list[Detection]:
        return [Detection("garbage_exposed", 0.7, (1, 1, 5, 5)), Detection("garbage_exposed", 0.95, (9, 9, 5, 5)),
                Detection("clutter", 0.4), Detection("pothole", 0.99)]


@pytest.fixture(autouse=True)
def cam(camera):
    return camera("CAM-001")


def test_the_default_detector_finds_nothing_and_the_fixed_one_satisfies_the_protocol(settings):
    settings.RENJU_VIDEO_DETECTOR = ""
    assert isinstance(detector_load(), NullDetector) and NullDetector().detect(b"") == []
    assert isinstance(FixedDetector(), Detector)
    with pytest.raises(ValueError, match="cannot import"):
        detector_load("renju.video.detector:NoSuchModel")


def test_each_kind_of_finding_becomes_one_alarm_and_running_the_frame_again_changes_nothing(robot):
    result = detect_and_receive(actor=robot, camera="CAM-001", frame_id="F-1", occurred_at=SEEN, image=jpeg(2),
                                detector=Several())
    by_type = {r.alarm.alarm_type: r.alarm for r in result.alarms}
    assert set(by_type) == {"garbage_exposed", "clutter"} and result.ignored == ["pothole"]
    rubbish = by_type["garbage_exposed"]
    assert rubbish.external_id == "F-1:garbage_exposed" and rubbish.confidence == 0.95
    assert rubbish.outcome == "created" and rubbish.payload["boxes"] == [[1, 1, 5, 5], [9, 9, 5, 5]]
    assert by_type["clutter"].outcome == "dropped"
    again = detect_and_receive(actor=robot, camera="CAM-001", frame_id="F-1", occurred_at=SEEN, image=jpeg(2),
                               detector=Several())
    assert all(r.replayed for r in again.alarms) and Alarm.objects.count() == 2


def test_a_detector_confidence_outside_0_to_1_is_refused_before_anything_is_filed(robot):
    class Broken:
        def detect(self, image):
            return [Detection("clutter", 0.9), Detection("garbage_exposed", 7.0)]

    with pytest.raises(InvalidInput):
        detect_and_receive(actor=robot, camera="CAM-001", frame_id="F-2", occurred_at=SEEN, image=jpeg(2),
                           detector=Broken())
    assert Alarm.objects.count() == 0


def test_the_detect_endpoint_runs_the_configured_detector(api_as, settings):
    settings.RENJU_VIDEO_DETECTOR = "renju.video.detector:FixedDetector"
    body = {"camera": "CAM-001", "frame_id": "frame-9", "occurred_at": SEEN.isoformat(), "snapshot": b64(jpeg(3))}
    response = api_as("robot").post("/api/v1/video/detect", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["detections"][0]["alarm_type"] == "garbage_exposed"
    assert out["alarms"][0]["alarm_id"] == "frame-9:garbage_exposed" and out["alarms"][0]["outcome"] == "created"
    corrupt = dict(body, snapshot=b64(b"garbage"), frame_id="frame-10")
    bad = api_as("robot").post("/api/v1/video/detect", data=json.dumps(corrupt), content_type="application/json")
    assert bad.status_code == 422 and "snapshot" in bad.json()["errors"]


def test_the_command_feeds_frames_from_files(robot, tmp_path, capsys):
    frame = tmp_path / "cam1-0001.jpg"
    frame.write_bytes(jpeg(4))
    call_command("videodetect", "CAM-001", str(frame), "--user", robot.username,
                 "--detector", "renju.video.detector:FixedDetector", "--at", SEEN.isoformat())
    assert "已生成问题" in capsys.readouterr().out
    assert Alarm.objects.get().external_id == "cam1-0001:garbage_exposed"
    with pytest.raises(CommandError, match="time zone"):
        call_command("videodetect", "CAM-001", str(frame), "--user", robot.username, "--at", "2026-01-01T08:00")
    with pytest.raises(CommandError, match="no such file"):
        call_command("videodetect", "CAM-001", str(tmp_path / "none.jpg"), "--user", robot.username)
