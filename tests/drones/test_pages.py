"""The drone pages: flight list and upload, the flight with its track and photos, filing from the page."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renju.drones.ingest import flight_upload
from renju.drones.models import DroneFlight
from renju.problems.models import Problem
from tests.conftest import point_in
from tests.drones.factories import flight_photos, upload
from tests.drones.images import bare_jpeg, drone_jpeg, truncated

pytestmark = pytest.mark.django_db


@pytest.fixture
def flight(users):
    files = [*flight_photos(3), upload("noexif.jpg", bare_jpeg(2)),
             upload("broken.jpg", truncated(drone_jpeg(50, size=(1200, 900)))),
             upload("notes.txt", b"x", "text/plain")]
    return flight_upload(actor=users["inspector"], files=files).flight


def photo_data(response) -> list[dict]:
    found = re.search(r'<script id="flight-photos" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    return json.loads(found.group(1))


def test_the_drone_team_sees_the_list_with_the_upload_form_and_leaders_see_it_without(client_as, flight):
    page = client_as("inspector").get("/drones/flights/")
    assert page.status_code == 200 and 'id="upload-form"' in page.content.decode()
    assert flight.code in page.content.decode()
    leader = client_as("leader").get("/drones/flights/")
    assert leader.status_code == 200 and flight.code in leader.content.decode()
    assert 'id="upload-form"' not in leader.content.decode()


def test_unit_handlers_are_refused_every_drone_page(client_as, flight):
    handler = client_as("yatou")
    assert handler.get("/drones/flights/").status_code == 403
    assert handler.get(f"/drones/flights/{flight.id}/").status_code == 403
    photo = flight.photos.filter(error="").first()
    assert handler.post(f"/drones/flights/{flight.id}/problems/", {"photo_ids": [photo.id]}).status_code == 403
    assert handler.post("/drones/flights/upload/", {"files": flight_photos(1, seed=9)}).status_code == 403
    assert not Problem.objects.exists() and DroneFlight.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, flight):
    response = client.get("/drones/flights/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_uploading_through_the_page_without_script_creates_the_flight_and_opens_it(client_as):
    response = client_as("dispatcher").post("/drones/flights/upload/", {
        "code": "PAGE-1", "pilot": "王五", "drone": "M30T", "notes": "", "files": flight_photos(2)}, follow=True)
    flight = DroneFlight.objects.get(code="PAGE-1")
    assert response.redirect_chain[-1][0] == f"/drones/flights/{flight.id}/"
    assert "新增照片 2 张" in response.content.decode() and flight.photos.count() == 2


def test_a_wholly_bad_upload_through_the_page_says_why_and_creates_nothing(client_as):
    response = client_as("inspector").post("/drones/flights/upload/", {
        "files": [upload("a.txt", b"x", "text/plain")]}, follow=True)
    assert response.redirect_chain[-1][0] == "/drones/flights/"
    assert "a.txt" in response.content.decode() and not DroneFlight.objects.exists()


def test_too_many_files_in_one_page_upload_is_answered_with_advice(client_as):
    over = settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1
    files = [SimpleUploadedFile(f"{i}.jpg", b"x", "image/jpeg") for i in range(over)]
    response = client_as("inspector").post("/drones/flights/upload/", {"files": files}, follow=True)
    assert "zip" in response.content.decode() and not DroneFlight.objects.exists()


def test_the_flight_page_has_the_track_the_unplaced_and_unreadable_photos_and_the_refusals(client_as, flight):
    response = client_as("inspector").get(f"/drones/flights/{flight.id}/")
    html = response.content.decode()
    data = photo_data(response)
    placed = [p for p in data if p["lat"] is not None]
    assert [p["name"] for p in placed] == ["DJI_0001.JPG", "DJI_0002.JPG", "DJI_0003.JPG"]
    assert [p["name"] for p in data if p["lat"] is None] == ["noexif.jpg"]
    assert 'id="unplaced"' in html and "noexif.jpg" in html.split('id="unplaced"')[1]
    unreadable = html.split('id="unreadable"')[1]
    assert "broken.jpg" in unreadable and "图像无法解码" in unreadable
    assert "notes.txt" in html.split('id="uploads"')[1]
    assert html.count('name="photo_ids"') == 4  # every readable photo can be picked
    assert 'id="file-form"' in html and 'value="06036" selected' in html  # the plan's default category


def test_a_leader_sees_the_flight_without_checkboxes_or_filing_form(client_as, flight):
    html = client_as("leader").get(f"/drones/flights/{flight.id}/").content.decode()
    assert 'name="photo_ids"' not in html and 'id="file-form"' not in html and "DJI_0001.JPG" in html


def test_filing_two_photos_from_the_page_makes_one_problem_and_marks_them(client_as, flight):
    ids = list(flight.photos.filter(lat__isnull=False, error="").values_list("id", flat=True)[:2])
    client = client_as("inspector")
    response = client.post(f"/drones/flights/{flight.id}/problems/", {
        "photo_ids": ids, "category": "06010", "severity": "normal", "point": "first", "description": ""},
        follow=True)
    problem = Problem.objects.get()
    html = response.content.decode()
    assert f"已生成问题 {problem.number}" in html and html.count(f"已上报 {problem.number}") == 2
    again = client.post(f"/drones/flights/{flight.id}/problems/", {"photo_ids": ids, "point": "first"}, follow=True)
    assert "未重复上报" in again.content.decode() and Problem.objects.count() == 1


def test_a_photo_without_position_filed_without_a_point_shows_the_error_and_keeps_the_selection(client_as, flight):
    unplaced = flight.photos.get(filename="noexif.jpg")
    response = client_as("inspector").post(f"/drones/flights/{flight.id}/problems/", {
        "photo_ids": [unplaced.id], "category": "06010", "point": "first", "description": "屋顶堆物"})
    html = response.content.decode()
    assert response.status_code == 422 and "所选照片都没有位置信息" in html
    assert re.search(rf'value="{unplaced.id}"[^>]*checked', html) and "屋顶堆物" in html
    lat, lng = point_in("371082001")
    done = client_as("inspector").post(f"/drones/flights/{flight.id}/problems/", {
        "photo_ids": [unplaced.id], "category": "06010", "point": "map", "lat": str(lat), "lng": str(lng)})
    assert done.status_code == 302 and Problem.objects.get().lat == lat


def test_the_map_point_mode_without_a_click_is_an_error_naming_the_place(client_as, flight):
    photo = flight.photos.filter(lat__isnull=False).first()
    response = client_as("inspector").post(f"/drones/flights/{flight.id}/problems/", {
        "photo_ids": [photo.id], "point": "map", "lat": "", "lng": ""})
    assert response.status_code == 422 and "请在地图上点选问题位置" in response.content.decode()


def test_the_flight_page_costs_the_same_queries_for_few_or_many_photos(client_as, users):
    small = flight_upload(actor=users["inspector"], files=flight_photos(2)).flight
    large = flight_upload(actor=users["inspector"], files=flight_photos(8, seed=20)).flight
    client = client_as("inspector")
    client.get(f"/drones/flights/{small.id}/")  # warm the plan and region caches
    counts = []
    for f in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/drones/flights/{f.id}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
