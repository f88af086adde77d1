"""POST /api/v1/video/alarms as the AI platform pushes: JSON with base64 or multipart, clear 4xx for bad pushes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from renju.problems.models import Problem
from renju.video.models import Alarm
from tests.conftest import jpeg
from tests.video.conftest import b64

pytestmark = pytest.mark.django_db

URL = "/api/v1/video/alarms"


@pytest.fixture(autouse=True)
def cam(camera):
    return camera("CAM-001")


def push(alarm_id="P-1", **overrides) -> dict:
    body = {"camera": "CAM-001", "alarm_id": alarm_id, "alarm_type": "garbage_exposed",
            "occurred_at": (timezone.now() - dt.timedelta(minutes=2)).isoformat(), "confidence": 0.92,
            "snapshot": b64(jpeg(4))}
    body.update(overrides)
    return body


def post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def test_a_pushed_alarm_files_a_problem_and_a_replay_answers_the_same_without_a_second(api_as):
    platform = api_as("robot")
    first = post(platform, push(box=[10, 20, 30, 40], extra={"task": "街面巡查"}))
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["outcome"] == "created" and body["problem"]["number"].startswith("RC-") and not body["replayed"]
    again = post(platform, push())
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["problem"] == body["problem"] and Problem.objects.count() == 1
    alarm = Alarm.objects.get()
    assert alarm.payload == {"box": [10, 20, 30, 40], "extra": {"task": "街面巡查"}}


def test_a_snapshot_may_come_as_a_data_url_or_as_a_multipart_file(api_as):
    platform = api_as("robot")
    assert post(platform, push("D-1", snapshot="data:image/jpeg;base64," + b64(jpeg(5)))).status_code == 201
    form = push("M-1", confidence="0.6", box="[1, 2, 3, 4]")
    form["snapshot"] = SimpleUploadedFile("snap.jpg", jpeg(6), "image/jpeg")
    response = platform.post(URL, data=form)
    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "joined"  # same camera and type, a minute apart


@pytest.mark.parametrize(("body", "field"), [
    (push(camera="GHOST"), "camera"),
    (push(alarm_type="spaceship"), "alarm_type"),
    (push(confidence=2), "confidence"),
    (push(occurred_at="yesterday"), "occurred_at"),
    (push(occurred_at="2026-01-01T08:00:00"), "occurred_at"),  # no offset
    (push(snapshot="!!!not base64!!!"), "snapshot"),
    (push(snapshot=b64(b"GIF89a not really")), "snapshot"),
    (push(snapshot=b64(jpeg(1)[:300])), "snapshot"),
    (push(snapshot=None), "snapshot"),
    (push(box=[1, 2]), "box"),
    (push(colour="red"), "colour"),
    ({"camera": "CAM-001"}, "alarm_id"),
])
def test_bad_pushes_get_422_naming_the_field_and_nothing_is_written(api_as, body, field):
    response = post(api_as("robot"), body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert Alarm.objects.count() == 0 and Problem.objects.count() == 0


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", "\u00ff".encode("latin-1")])
def test_a_malformed_body_is_refused_as_the_body(api_as, raw):
    response = api_as("robot").post(URL, data=raw, content_type="application/json")
    assert response.status_code == 422 and "body" in response.json()["errors"]


def test_an_unsupported_content_type_is_refused(api_as):
    response = api_as("robot").post(URL, data="camera=CAM-001", content_type="text/plain")
    assert response.status_code == 422 and "body" in response.json()["errors"]


def test_an_oversized_snapshot_is_refused_before_it_is_decoded_or_read(api_as, settings):
    settings.RENJU_MAX_PHOTO_BYTES = 2000
    platform = api_as("robot")
    as_json = post(platform, push(snapshot=b64(jpeg(2) + b"\0" * 3000)))
    assert as_json.status_code == 422 and "larger than" in as_json.json()["errors"]["snapshot"][0]
    form = push("M-2")
    form["snapshot"] = SimpleUploadedFile("big.jpg", jpeg(2) + b"\0" * 3000, "image/jpeg")
    as_file = platform.post(URL, data=form)
    assert as_file.status_code == 422 and "larger than" in as_file.json()["errors"]["snapshot"][0]


def test_a_json_request_over_the_servers_limit_names_the_snapshot(api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(api_as("robot"), push())
    assert response.status_code == 422 and "multipart" in response.json()["errors"]["snapshot"][0]


def test_a_snapshot_sent_twice_or_under_another_file_name_is_refused(api_as):
    form = push("M-3")
    form["snapshot"] = [SimpleUploadedFile("a.jpg", jpeg(2), "image/jpeg"), b64(jpeg(2))]
    both = api_as("robot").post(URL, data=form)
    assert both.status_code == 422 and "snapshot" in both.json()["errors"]
    other = push("M-4", snapshot="")
    other["picture"] = SimpleUploadedFile("a.jpg", jpeg(2), "image/jpeg")
    wrong = api_as("robot").post(URL, data=other)
    assert wrong.status_code == 422 and "picture" in wrong.json()["errors"]


def test_people_cannot_push_alarms_and_strangers_are_not_heard(api_as, client):
    assert post(api_as("inspector"), push()).status_code == 403
    assert post(api_as("dispatcher"), push()).status_code == 403
    assert post(client, push()).status_code == 401
    assert Alarm.objects.count() == 0


def test_a_retired_camera_is_refused_over_the_api(api_as, cam):
    cam.status = "retired"
    cam.save()
    response = post(api_as("robot"), push())
    assert response.status_code == 422 and "retired" in response.json()["errors"]["camera"][0]


def test_the_dispatcher_reads_recent_alarms_and_a_unit_may_not(api_as):
    post(api_as("robot"), push("L-1", confidence=0.3))
    post(api_as("robot"), push("L-2", confidence=0.9))
    rows = api_as("dispatcher").get(URL, {"outcome": "dropped"}).json()
    assert [r["alarm_id"] for r in rows] == ["L-1"] and rows[0]["problem"] is None
    assert api_as("dispatcher").get(URL, {"outcome": "maybe"}).status_code == 422
    assert api_as("yatou").get(URL).status_code == 403


def test_the_5_5_5_figures_are_served_as_json_for_a_period(api_as):
    post(api_as("robot"), push("T-1", confidence=0.95))
    today = timezone.localdate()
    body = api_as("leader").get("/api/v1/video/timers", {"from": str(today), "to": str(today)}).json()
    assert body["problems"] == 1 and body["target_minutes"] == {"find": 5, "arrive": 5, "handle": 5}
    assert body["cameras"][0]["code"] == "CAM-001" and body["overall"]["find"]["done"] == 1
    earlier = api_as("leader").get("/api/v1/video/timers", {"from": "2020-01-01", "to": "2020-01-31"}).json()
    assert earlier["problems"] == 0
    backwards = api_as("leader").get("/api/v1/video/timers", {"from": str(today), "to": "2020-01-01"})
    assert backwards.status_code == 422 and "to" in backwards.json()["errors"]
    assert api_as("yatou").get("/api/v1/video/timers").status_code == 403
