"""The JSON API: status codes mean what they say, and bad input never writes anything."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from renju.problems.models import Problem
from tests.conftest import jpeg, point_in

pytestmark = pytest.mark.django_db


def new_problem(**overrides):
    lat, lng = point_in("371082001")
    body = {"category": "06010", "lat": lat, "lng": lng, "description": "路边暴露垃圾", "source": "inspection"}
    body.update(overrides)
    return body


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_inspector_files_a_problem_as_json_and_gets_its_number_unit_and_history(client_for):
    response = post_json(client_for("inspector"), "/api/v1/problems", new_problem(severity="normal"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("RC-") and body["status"] == "reported"
    assert body["suggested_unit"]["code"] == "yatou"
    assert [e["action"] for e in body["events"]] == ["report"]


def test_filing_with_photos_as_multipart_keeps_them(client_for):
    data = new_problem()
    data["photos"] = [SimpleUploadedFile("a.jpg", jpeg(1), "image/jpeg"),
                      SimpleUploadedFile("b.jpg", jpeg(2), "image/jpeg")]
    response = client_for("inspector").post("/api/v1/problems", data=data)
    assert response.status_code == 201, response.content
    photos = response.json()["photos"]
    assert len(photos) == 2
    thumb = client_for("inspector").get(photos[0]["thumbnail_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"lat": 123}, "lat"),
        ({"lng": -500}, "lng"),
        ({"category": "99999"}, "category"),
        ({"source": "fax"}, "source"),
        ({"lat": 31.23, "lng": 121.47}, "lat"),  # Shanghai: outside every region
        ({"description": ""}, "description"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_input_gets_422_naming_the_field_and_writes_nothing(client_for, override, field):
    before = Problem.objects.count()
    response = post_json(client_for("inspector"), "/api/v1/problems", new_problem(**override))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert Problem.objects.count() == before


def test_missing_coordinates_are_named(client_for):
    body = new_problem()
    del body["lat"], body["lng"]
    response = post_json(client_for("inspector"), "/api/v1/problems", body)
    assert response.status_code == 422
    assert response.json()["errors"]["lat"] == ["required"]


def test_a_non_image_upload_is_refused(client_for):
    data = new_problem()
    data["photos"] = [SimpleUploadedFile("notes.jpg", b"this is not a picture", "image/jpeg")]
    response = client_for("inspector").post("/api/v1/problems", data=data)
    assert response.status_code == 422
    assert "not a readable image" in response.json()["errors"]["photos"][0]
    assert Problem.objects.count() == 0


def test_an_oversized_upload_is_refused(client_for, settings):
    settings.RENJU_MAX_PHOTO_BYTES = 1000
    data = new_problem()
    data["photos"] = [SimpleUploadedFile("big.jpg", jpeg(1), "image/jpeg")]
    response = client_for("inspector").post("/api/v1/problems", data=data)
    assert response.status_code == 422
    assert "larger than the 1000 allowed" in response.json()["errors"]["photos"][0]


def test_malformed_json_is_a_422_not_a_500(client_for):
    response = client_for("inspector").post("/api/v1/problems", data="{not json", content_type="application/json")
    assert response.status_code == 422
    assert "body" in response.json()["errors"]


def test_no_token_is_401_and_a_wrong_token_is_401():
    assert Client().get("/api/v1/problems").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer nope").get("/api/v1/problems").status_code == 401


def test_a_leader_may_not_file_problems(client_for):
    assert post_json(client_for("leader"), "/api/v1/problems", new_problem()).status_code == 403


def test_the_loop_through_the_api(client_for):
    inspector, dispatcher = client_for("inspector"), client_for("dispatcher")
    pid = post_json(inspector, "/api/v1/problems", new_problem()).json()["id"]
    assert post_json(dispatcher, f"/api/v1/problems/{pid}/accept", {}).status_code == 200
    dispatched = post_json(dispatcher, f"/api/v1/problems/{pid}/dispatch", {})
    assert dispatched.status_code == 200 and dispatched.json()["due_at"]
    handler = client_for(dispatched.json()["unit"]["code"])
    after = SimpleUploadedFile("after.jpg", jpeg(5), "image/jpeg")
    rectified = handler.post(f"/api/v1/problems/{pid}/rectify", data={"note": "已清理", "photos": [after]})
    assert rectified.status_code == 200, rectified.content
    closed = post_json(inspector, f"/api/v1/problems/{pid}/verify", {"result": "pass"})
    assert closed.json()["status"] == "closed"
    assert [e["action"] for e in closed.json()["events"]] == ["report", "accept", "dispatch", "rectify", "verify"]


def test_an_impossible_transition_is_409(client_for):
    pid = post_json(client_for("inspector"), "/api/v1/problems", new_problem()).json()["id"]
    response = post_json(client_for("inspector"), f"/api/v1/problems/{pid}/verify", {"result": "pass"})
    assert response.status_code == 409
    assert "不能执行" in response.json()["detail"]


def test_unit_handler_cannot_see_another_units_problem(client_for):
    inspector, dispatcher = client_for("inspector"), client_for("dispatcher")
    pid = post_json(inspector, "/api/v1/problems", new_problem()).json()["id"]
    post_json(dispatcher, f"/api/v1/problems/{pid}/accept", {})
    post_json(dispatcher, f"/api/v1/problems/{pid}/dispatch", {})  # to 崖头街道 (yatou)
    outsider = client_for("chengxi")
    assert outsider.get(f"/api/v1/problems/{pid}").status_code == 404
    assert post_json(outsider, f"/api/v1/problems/{pid}/return", {"reason": "x"}).status_code == 404
    assert outsider.get("/api/v1/problems").json()["items"] == []
    owner = client_for("yatou")
    assert owner.get(f"/api/v1/problems/{pid}").status_code == 200
    assert [p["id"] for p in owner.get("/api/v1/problems").json()["items"]] == [pid]


def test_list_filters_and_pages_in_a_stable_order(client_for):
    inspector = client_for("inspector")
    ids = [post_json(inspector, "/api/v1/problems", new_problem(source=s)).json()["id"]
           for s in ["inspection", "drone", "inspection", "video", "inspection"]]
    first = inspector.get("/api/v1/problems", {"source": "inspection", "limit": 2}).json()
    assert [p["id"] for p in first["items"]] == [ids[4], ids[2]]
    second = inspector.get("/api/v1/problems", {"source": "inspection", "limit": 2,
                                                "cursor": first["next_cursor"]}).json()
    assert [p["id"] for p in second["items"]] == [ids[0]] and second["next_cursor"] is None
    assert len(inspector.get("/api/v1/problems", {"region": "371082001"}).json()["items"]) == 5
    assert inspector.get("/api/v1/problems", {"region": "371082011"}).json()["items"] == []


def test_list_filter_errors_are_422(client_for):
    client = client_for("dispatcher")
    assert client.get("/api/v1/problems", {"status": "lost"}).status_code == 422
    assert client.get("/api/v1/problems", {"unit": "nobody"}).status_code == 422
    assert client.get("/api/v1/problems", {"cursor": "%%%"}).status_code == 422
    assert client.get("/api/v1/problems", {"limit": 0}).status_code == 422


def test_list_page_uses_a_constant_number_of_queries(client_for):
    client = client_for("dispatcher")
    inspector = client_for("inspector")
    for _ in range(3):
        post_json(inspector, "/api/v1/problems", new_problem())
    client.get("/api/v1/problems")  # warm the plan and region caches
    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/api/v1/problems").json()["items"]) == 3
    for _ in range(12):
        post_json(inspector, "/api/v1/problems", new_problem())
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/v1/problems").json()["items"]) == 15
    assert len(large.captured_queries) == len(small.captured_queries) <= 6


def test_overdue_filter(client_for, dispatched):
    problem = dispatched()
    Problem.objects.filter(pk=problem.pk).update(due_at=problem.reported_at.replace(year=2000))
    client = client_for("dispatcher")
    assert [p["id"] for p in client.get("/api/v1/problems", {"overdue": "true"}).json()["items"]] == [problem.id]
    assert client.get("/api/v1/problems", {"overdue": "false"}).json()["items"] == []


def test_reference_lists(client_for):
    client = client_for("inspector")
    categories = client.get("/api/v1/categories").json()
    assert any(c["code"] == "06010" and c["national_code"] == "06010" for c in categories)
    units = client.get("/api/v1/units", {"group": "towns"}).json()
    assert {"yatou", "shidao", "kaifaqu"} <= {u["code"] for u in units}
    regions = client.get("/api/v1/regions", {"kind": "area"}).json()
    assert {r["name"] for r in regions} == {"经济开发区", "石岛管理区", "好运角旅游度假区"}


def test_openapi_document_lists_every_action():
    spec = Client().get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for action in ["accept", "reject", "merge", "dispatch", "return", "rectify", "verify"]:
        assert f"/api/v1/problems/{{problem_id}}/{action}" in paths
    assert "multipart/form-data" in paths["/api/v1/problems"]["post"]["requestBody"]["content"]


def test_api_docs_page_loads_nothing_from_outside():
    html = Client().get("/api/v1/docs").content.decode()
    assert "cdn." not in html and "https://" not in html


@pytest.mark.parametrize(
    "body",
    [
        [],
        "just a string",
        {"lat": "north", "lng": "east"},
        {"found_at": "yesterday-ish"},
        {"found_at": "2023-10-09T09:00:00"},  # no time zone
        {"is_key": "maybe"},
        {"severity": 3},
        {"description": "长" * 5000},
        {"category": None},
        {"lat": float("nan")},
        {"road_class": "motorway"},
        {"check_item": "NOPE-01"},
    ],
)
def test_junk_input_is_always_a_422_never_a_500(client_for, body):
    merged = new_problem(**body) if isinstance(body, dict) else body
    payload = json.dumps(merged, allow_nan=True)
    response = client_for("inspector").post("/api/v1/problems", data=payload, content_type="application/json")
    assert response.status_code == 422, response.content
    assert Problem.objects.count() == 0


def test_actions_on_a_problem_id_that_is_not_a_number_are_422_or_404(client_for):
    client = client_for("dispatcher")
    assert client.post("/api/v1/problems/abc/accept", data="{}", content_type="application/json").status_code == 422
    assert client.post("/api/v1/problems/999999/accept", data="{}", content_type="application/json").status_code == 404
