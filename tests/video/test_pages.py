"""The video pages: who may open them, what they show, and the unit's 到场 button."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from renju.problems.models import ProblemEvent
from renju.video.models import Camera
from tests.conftest import point_in
from tests.video.test_camera_import import csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(users):
    def _client(username: str) -> Client:
        client = Client()
        client.force_login(users[username])
        return client

    return _client


@pytest.fixture
def alarms(camera, receive):
    camera("CAM-001")
    camera("CAM-002", region="371082002", status="offline")
    now = timezone.now()
    created = receive(camera="CAM-001", occurred_at=now - dt.timedelta(minutes=20), confidence=0.95).alarm
    joined = receive(camera="CAM-001", occurred_at=now - dt.timedelta(minutes=10)).alarm
    receive(camera="CAM-002", occurred_at=now - dt.timedelta(minutes=5), confidence=0.2)
    return created, joined


PAGES = ["/video/cameras/", "/video/cameras/map/", "/video/cameras/map.json", "/video/alarms/", "/video/timers/",
         "/video/timers/export.xlsx", "/video/cameras/CAM-001/"]


@pytest.mark.parametrize("url", PAGES)
def test_dispatchers_leaders_and_scorers_open_the_video_pages_and_units_and_inspectors_may_not(as_user, alarms, url):
    for who in ("dispatcher", "leader", "scorer", "admin"):
        assert as_user(who).get(url).status_code == 200, (who, url)
    for who in ("inspector", "yatou"):
        assert as_user(who).get(url).status_code == 403, (who, url)
    assert Client().get(url).status_code == 302  # to the login page


def test_the_camera_list_shows_alarm_counts_and_5_5_5_figures_per_camera(as_user, alarms):
    page = as_user("dispatcher").get("/video/cameras/")
    html = page.content.decode()
    rows = {r["camera"].code: r for r in page.context["rows"]}
    assert (rows["CAM-001"]["alarms"], rows["CAM-001"]["problems"], rows["CAM-001"]["joined"]) == (2, 1, 1)
    assert (rows["CAM-002"]["alarms"], rows["CAM-002"]["dropped"]) == (1, 1)
    assert rows["CAM-001"]["cells"][0]["share"] == "0%"  # found 20 minutes before dispatch: late
    assert "离线" in html and "登记摄像头" in html
    filtered = as_user("dispatcher").get("/video/cameras/", {"status": "offline"})
    assert [r["camera"].code for r in filtered.context["rows"]] == ["CAM-002"]


def test_the_camera_list_costs_the_same_queries_for_many_cameras(as_user, camera):
    client = as_user("dispatcher")
    camera("CAM-001")
    client.get("/video/cameras/")
    with CaptureQueriesContext(connection) as few:
        client.get("/video/cameras/")
    for n in range(2, 30):
        camera(f"CAM-{n:03d}")
    with CaptureQueriesContext(connection) as many:
        client.get("/video/cameras/")
    assert len(many) == len(few)


def test_a_bad_period_falls_back_to_the_last_30_days_and_says_so(as_user, alarms):
    page = as_user("leader").get("/video/timers/", {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert page.status_code == 200 and "is before from" in page.content.decode()


def test_the_map_data_lists_every_camera_with_its_status_and_recent_alarms(as_user, alarms):
    data = as_user("leader").get("/video/cameras/map.json").json()
    assert data["fields"] == ["code", "name", "lat", "lng", "status", "alarms"]
    assert {r[0]: (r[4], r[5]) for r in data["rows"]} == {"CAM-001": ("online", 2), "CAM-002": ("offline", 1)}


def test_the_camera_page_shows_its_alarms_and_the_joined_snapshot(as_user, alarms):
    created, joined = alarms
    client = as_user("dispatcher")
    page = client.get("/video/cameras/CAM-001/")
    assert page.status_code == 200 and created.problem.number in page.content.decode()
    assert client.get(f"/video/alarms/{joined.id}/snapshot/").status_code == 200
    thumb = client.get(f"/video/alarms/{joined.id}/snapshot/?size=thumb")
    assert thumb["Content-Type"] == "image/jpeg"
    assert client.get("/video/cameras/NOPE/").status_code == 404


def test_a_unit_sees_only_the_snapshots_of_its_own_problems(as_user, alarms, users):
    created, joined = alarms
    owner = created.problem.unit.code
    other = "chengxi" if owner != "chengxi" else "yatou"
    assert as_user(owner).get(f"/video/alarms/{joined.id}/snapshot/").status_code == 200
    assert as_user(other).get(f"/video/alarms/{joined.id}/snapshot/").status_code == 404


def test_a_dispatcher_registers_and_edits_a_camera_and_sees_refusals_beside_the_field(as_user):
    client = as_user("dispatcher")
    lat, lng = point_in("371082001")
    form = {"code": "CAM-9", "name": "新路口", "channel": "1", "lat": lat, "lng": lng, "address": "",
            "road_class": "", "status": "online"}
    assert client.post("/video/cameras/new/", form).status_code == 302
    assert Camera.objects.get(code="CAM-9").region.code.startswith("371082001")
    outside = client.post("/video/cameras/new/", dict(form, code="CAM-10", lat=31.23, lng=121.47))
    assert outside.status_code == 422 and "outside every region" in outside.content.decode()
    edited = client.post("/video/cameras/CAM-9/edit/", dict(form, code="IGNORED", name="改名", status="retired"))
    assert edited.status_code == 302
    camera = Camera.objects.get(code="CAM-9")
    assert (camera.name, camera.status) == ("改名", "retired") and not Camera.objects.filter(code="IGNORED").exists()


def test_leaders_read_the_registry_but_cannot_change_it(as_user, alarms):
    client = as_user("leader")
    assert client.get("/video/cameras/new/").status_code == 403
    assert client.post("/video/cameras/CAM-001/edit/", {"name": "x"}).status_code == 403
    assert "登记摄像头" not in client.get("/video/cameras/").content.decode()


def test_the_import_page_reports_each_row_and_writes_nothing_when_a_row_is_bad(as_user):
    client = as_user("dispatcher")
    bad = client.post("/video/cameras/import/", {"file": SimpleUploadedFile(
        "d.csv", csv_bytes([row("C1"), row("C2", lat=31.23, lng=121.47)]), "text/csv")})
    assert bad.status_code == 422 and "未导入" in bad.content.decode() and Camera.objects.count() == 0
    good = client.post("/video/cameras/import/", {"file": SimpleUploadedFile("d.csv", csv_bytes([row("C1")]),
                                                                              "text/csv")})
    assert good.status_code == 200 and Camera.objects.count() == 1
    not_a_list = client.post("/video/cameras/import/", {"file": SimpleUploadedFile("d.pdf", b"%PDF-1.4", "x")})
    assert not_a_list.status_code == 422 and ".csv or .xlsx" in not_a_list.content.decode()


def test_the_timers_page_and_its_spreadsheet_show_the_units_and_cameras(as_user, alarms):
    from openpyxl import load_workbook

    created, _ = alarms
    client = as_user("scorer")
    page = client.get("/video/timers/")
    assert page.context["problems"] == 1 and page.context["units"][0]["name"] == created.problem.unit.name
    sheet = client.get("/video/timers/export.xlsx")
    assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(sheet.content))
    assert book["按摄像头"]["A2"].value == "CAM-001"


def test_the_unit_marks_arrival_on_its_waiting_video_problems(as_user, alarms, users):
    created, _ = alarms
    problem = created.problem
    owner = as_user(problem.unit.code)
    page = owner.get("/video/arrive/")
    assert [r["problem"].id for r in page.context["pending"]] == [problem.id]
    assert page.context["pending"][0]["late"] is False  # dispatched a moment ago
    done = owner.post(f"/video/arrive/{problem.id}/", {"lat": problem.lat, "lng": problem.lng}, follow=True)
    assert "已登记到场" in done.content.decode() and done.context["pending"] == []
    event = ProblemEvent.objects.get(problem=problem, action="arrive")
    assert event.details["metres"] == 0
    again = owner.post(f"/video/arrive/{problem.id}/", follow=True)  # a second tap records a second arrival
    assert again.status_code == 200


def test_another_unit_cannot_mark_arrival_and_bad_positions_are_explained(as_user, alarms):
    created, _ = alarms
    problem = created.problem
    other = "chengxi" if problem.unit.code != "chengxi" else "yatou"
    assert as_user(other).post(f"/video/arrive/{problem.id}/").status_code == 404
    far = as_user(problem.unit.code).post(f"/video/arrive/{problem.id}/", {"lat": problem.lat + 1,
                                                                          "lng": problem.lng}, follow=True)
    assert "km from the problem" in far.content.decode()
    assert not ProblemEvent.objects.filter(problem=problem, action="arrive").exists()
    assert as_user("dispatcher").get("/video/arrive/").status_code == 403


def test_the_video_demo_fills_the_pages_and_running_it_again_adds_nothing(as_user):
    from renju.problems.models import Problem
    from renju.video.demo import video_demo_ensure
    from renju.video.models import Alarm

    first = video_demo_ensure(cameras=6, days=3)
    alarms, problems = Alarm.objects.count(), Problem.objects.filter(source="video").count()
    assert first["cameras"] == 6 and first["alarms"] == alarms > 0 and problems > 0
    assert ProblemEvent.objects.filter(action="arrive").exists()
    again = video_demo_ensure(cameras=6, days=3)
    assert again["alarms"] == 0 and Alarm.objects.count() == alarms
    assert Problem.objects.filter(source="video").count() == problems
    page = as_user("leader").get("/video/timers/")
    assert page.status_code == 200 and page.context["problems"] == problems


def test_the_problem_page_partial_lists_a_problems_alarms_with_their_snapshots(alarms):
    from django.template.loader import render_to_string

    from renju.video.page_data import problem_alarms

    created, joined = alarms
    rows = problem_alarms(created.problem)
    assert [a.id for a in rows] == [joined.id, created.id] and rows[0].type_name == "暴露垃圾"
    html = render_to_string("video/_problem_alarms.html", {"video_alarms": rows})
    assert "视频告警 2 次" in html and f"/video/alarms/{joined.id}/snapshot/" in html


def test_the_admin_shows_cameras_and_alarms_but_changes_nothing(as_user, alarms):
    admin = as_user("admin")
    assert admin.get("/admin/video/camera/").status_code == 200
    assert admin.get("/admin/video/alarm/").status_code == 200
    assert admin.get("/admin/video/camera/add/").status_code == 403
