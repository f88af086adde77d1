"""The drones API: upload (multipart, streamed to disk), read a flight, file problems; roles and errors."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from renju.drones.models import DroneFlight, DronePhoto
from renju.problems.models import Problem
from tests.drones.factories import flight_photos, upload
from tests.drones.images import bare_jpeg, drone_jpeg, zip_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/drones/flights"


def post_flight(client, files, **fields):
    return client.post(URL, data={**fields, "files": files})


def test_a_flight_uploaded_through_the_api_answers_with_every_file_accounted_for(api_as):
    files = [*flight_photos(2), upload("noexif.jpg", bare_jpeg()), upload("readme.txt", b"hi", "text/plain")]
    response = post_flight(api_as("inspector"), files, pilot="李四", drone="M3E", code="API-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] and not body["replay"] and body["flight"]["code"] == "API-1"
    assert body["flight"]["counts"] == {"photos": 3, "placed": 2, "unplaced": 1, "unreadable": 0, "filed": 0,
                                        "problems": 0}
    assert [p["filename"] for p in body["added"]] == ["DJI_0001.JPG", "DJI_0002.JPG", "noexif.jpg"]
    assert body["refused"] == [{"file": "readme.txt", "reason": "只接受 JPEG 照片（.jpg / .jpeg）或照片的 zip 压缩包"}]


def test_uploaded_files_reach_the_importer_as_files_on_disk_not_in_memory(api_as, monkeypatch):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    import renju.drones.api as drone_api

    seen = []
    real = drone_api.flight_upload

    def spy(**kwargs):
        seen.extend(type(f) for f in kwargs["files"])
        return real(**kwargs)

    monkeypatch.setattr(drone_api, "flight_upload", spy)
    response = post_flight(api_as("inspector"), flight_photos(2))
    assert response.status_code == 201 and seen == [TemporaryUploadedFile, TemporaryUploadedFile]


def test_a_replayed_upload_answers_200_with_the_same_flight_and_adds_nothing(api_as):
    client = api_as("inspector")
    first = post_flight(client, flight_photos(2)).json()
    again = post_flight(client, flight_photos(2))
    assert again.status_code == 200 and again.json()["replay"] is True
    assert again.json()["flight"]["id"] == first["flight"]["id"]
    assert DroneFlight.objects.count() == 1 and DronePhoto.objects.count() == 2


def test_more_photos_are_added_to_a_flight_by_its_id(api_as):
    client = api_as("dispatcher")
    flight = post_flight(client, flight_photos(1)).json()["flight"]
    response = client.post(f"{URL}/{flight['id']}/photos",
                           data={"files": [upload("more.zip", zip_of({"DJI_0009.JPG": drone_jpeg(9)}),
                                                  "application/zip")]})
    assert response.status_code == 201 and response.json()["flight"]["counts"]["photos"] == 2


def test_a_wholly_unusable_upload_is_422_naming_the_files_field_and_writes_nothing(api_as):
    response = post_flight(api_as("inspector"), [upload("a.png", b"\x89PNG", "image/png")])
    assert response.status_code == 422
    assert "a.png" in response.json()["errors"]["files"][0]
    assert not DroneFlight.objects.exists()


def test_bad_fields_and_a_json_body_are_refused_with_the_field_named(api_as):
    client = api_as("inspector")
    long_code = post_flight(client, flight_photos(1), code="x" * 70)
    assert long_code.status_code == 422 and "code" in long_code.json()["errors"]
    unknown = post_flight(client, flight_photos(1), altitude="100")
    assert unknown.status_code == 422 and unknown.json()["errors"]["altitude"] == ["unknown field"]
    as_json = client.post(URL, data=json.dumps({"pilot": "x"}), content_type="application/json")
    assert as_json.status_code == 422 and "body" in as_json.json()["errors"]
    assert not DronePhoto.objects.exists()


def test_more_files_than_one_request_may_carry_are_refused_with_advice(api_as):
    over = settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1
    files = [SimpleUploadedFile(f"{i}.jpg", b"x", "image/jpeg") for i in range(over)]
    response = post_flight(api_as("inspector"), files)
    assert response.status_code == 413
    assert "zip" in response.json()["errors"]["files"][0]


def test_a_flight_reads_with_every_photos_metadata_in_time_order(api_as):
    client = api_as("inspector")
    flight = post_flight(client, [*flight_photos(3, xmp_only=True), upload("noexif.jpg", bare_jpeg())]).json()
    body = client.get(f"{URL}/{flight['flight']['id']}").json()
    placed = [p for p in body["photos"] if p["lat"] is not None]
    assert [p["filename"] for p in placed] == ["DJI_0001.JPG", "DJI_0002.JPG", "DJI_0003.JPG"]
    first = placed[0]
    assert first["position_source"] == "xmp" and first["relative_altitude"] == pytest.approx(60.1)
    assert first["place"].startswith("崖头街道") and first["taken_at"].endswith("+08:00")
    assert [p["filename"] for p in body["photos"] if p["lat"] is None] == ["noexif.jpg"]
    assert body["uploads"][0]["added"] == 4
    thumb = client.get(first["thumbnail_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    original = client.get(first["original_url"])
    assert original.status_code == 200 and b"drone-dji" in b"".join(original.streaming_content)


def test_filing_through_the_api_is_201_then_200_for_the_same_photos(api_as):
    client = api_as("inspector")
    flight = post_flight(client, flight_photos(3)).json()
    ids = [p["id"] for p in flight["added"][:2]]
    url = f"{URL}/{flight['flight']['id']}/problems"
    body = {"photo_ids": ids, "category": "06010", "severity": "major"}
    created = client.post(url, data=json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    again = client.post(url, data=json.dumps(body), content_type="application/json")
    assert again.status_code == 200 and again.json()["problem"] == created.json()["problem"]
    problem = Problem.objects.get()
    assert problem.source == "drone" and problem.severity == "major" and problem.photos.count() == 2
    read = client.get(f"{URL}/{flight['flight']['id']}").json()
    assert [p["problem"]["number"] for p in read["photos"] if p["problem"]] == [problem.number] * 2


def test_filing_errors_are_422_by_field(api_as):
    client = api_as("inspector")
    flight = post_flight(client, flight_photos(1)).json()
    url = f"{URL}/{flight['flight']['id']}/problems"
    for body, field in [({"photo_ids": []}, "photo_ids"), ({"photo_ids": [999999]}, "photo_ids"),
                        ({"photo_ids": [flight["added"][0]["id"]], "colour": "red"}, "colour")]:
        response = client.post(url, data=json.dumps(body), content_type="application/json")
        assert response.status_code == 422 and field in response.json()["errors"], (body, response.content)
    assert not Problem.objects.exists()


def test_leaders_read_but_do_not_upload_or_file_and_handlers_get_403_everywhere(api_as):
    flight = post_flight(api_as("inspector"), flight_photos(1)).json()
    flight_id, photo_id = flight["flight"]["id"], flight["added"][0]["id"]
    leader = api_as("leader")
    assert leader.get(URL).status_code == 200 and leader.get(f"{URL}/{flight_id}").status_code == 200
    assert post_flight(leader, flight_photos(1, seed=5)).status_code == 403
    assert leader.post(f"{URL}/{flight_id}/problems", data=json.dumps({"photo_ids": [photo_id]}),
                       content_type="application/json").status_code == 403
    handler = api_as("yatou")
    for response in (handler.get(URL), handler.get(f"{URL}/{flight_id}"),
                     handler.get(f"/api/v1/drones/photos/{photo_id}/thumbnail"),
                     post_flight(handler, flight_photos(1, seed=6)),
                     handler.post(f"{URL}/{flight_id}/photos", data={"files": flight_photos(1, seed=7)})):
        assert response.status_code == 403
    assert DronePhoto.objects.count() == 1 and not Problem.objects.exists()


def test_unknown_flights_and_photos_are_404_and_anonymous_callers_401(api_as, client):
    inspector = api_as("inspector")
    assert inspector.get(f"{URL}/999999").status_code == 404
    assert inspector.get("/api/v1/drones/photos/999999/original").status_code == 404
    assert client.get(URL).status_code == 401
    assert client.post(URL, data={"files": flight_photos(1)}).status_code == 401
    assert not DronePhoto.objects.exists()


def test_the_list_is_newest_first_with_counts(api_as):
    client = api_as("inspector")
    post_flight(client, flight_photos(1), code="OLD")
    post_flight(client, flight_photos(2, seed=10), code="NEW")
    body = client.get(URL).json()
    assert [f["code"] for f in body["items"]] == ["NEW", "OLD"] and body["total"] == 2
    assert body["items"][0]["counts"]["photos"] == 2


def test_the_openapi_document_describes_every_drone_endpoint_without_dangling_references(api_as):
    doc = api_as("leader").get("/api/v1/openapi.json").json()
    paths = {p: doc["paths"][p] for p in doc["paths"] if "/drones/" in p}
    assert set(paths) == {"/api/v1/drones/flights", "/api/v1/drones/flights/{flight_id}",
                          "/api/v1/drones/flights/{flight_id}/photos", "/api/v1/drones/flights/{flight_id}/problems",
                          "/api/v1/drones/photos/{photo_id}/thumbnail", "/api/v1/drones/photos/{photo_id}/original"}
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(paths)))
    assert refs and refs <= set(doc["components"]["schemas"])
    upload_form = paths["/api/v1/drones/flights"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert "pilot" in json.dumps(upload_form) and "files" in json.dumps(upload_form)
