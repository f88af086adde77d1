"""Map data, routing preview and category search: what the pages build on."""

import gzip
import json

import pytest

from renju.plans.active import initials_match, pinyin_initials
from tests.conftest import point_in

pytestmark = pytest.mark.django_db


def test_map_problems_are_compact_rows_of_open_problems_only(client_for, report, users):
    from renju.problems import lifecycle

    open_one = report()
    rejected = report()
    lifecycle.problem_reject(actor=users["dispatcher"], problem_id=rejected.id, reason="不在范围")
    body = client_for("leader").get("/api/v1/map/problems").json()
    assert body["fields"] == ["id", "lat", "lng", "status", "key"]
    assert [row[0] for row in body["rows"]] == [open_one.id]
    assert body["rows"][0][3] == "reported"


def test_map_problems_are_gzipped_for_clients_that_accept_it(client_for, report):
    for _ in range(8):  # below 200 bytes nothing is worth compressing
        report()
    response = client_for("leader").get("/api/v1/map/problems", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["count"] == 8


def test_pages_are_not_gzipped(client_for):
    response = client_for("leader").get("/api/v1/me", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in response


def test_a_handler_sees_only_its_units_problems_on_the_map(client_for, dispatched):
    problem = dispatched()  # to yatou
    assert [r[0] for r in client_for("yatou").get("/api/v1/map/problems").json()["rows"]] == [problem.id]
    assert client_for("chengxi").get("/api/v1/map/problems").json()["rows"] == []


def test_map_regions_count_open_problems_per_town(client_for, report):
    report(region="371082001")
    report(region="371082001")
    report(region="371082017")
    report(region="371082004")  # 港湾街道, inside 石岛管理区: the area is drawn and holds it
    features = client_for("leader").get("/api/v1/map/regions", {"kind": "town"}).json()["features"]
    counts = {f["properties"]["code"]: f["properties"]["open"] for f in features}
    assert counts["371082001"] == 2 and counts["371082017"] == 1 and counts["371082A02"] == 1
    assert sum(counts.values()) == 4
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)


def test_routing_preview_names_the_unit_and_the_deadline(client_for):
    lat, lng = point_in("371082017")
    body = client_for("inspector").get("/api/v1/routing/preview",
                                       {"category": "06010", "lat": lat, "lng": lng}).json()
    assert body["unit"]["code"] == "yinzi"
    assert body["time_limit"] and body["due_at_if_dispatched_now"]
    assert "荫子镇" in body["region"]["name"]


def test_routing_preview_refuses_a_point_outside_the_city(client_for):
    response = client_for("inspector").get("/api/v1/routing/preview",
                                           {"category": "06010", "lat": 31.2, "lng": 121.5})
    assert response.status_code == 422


def test_pinyin_initials_are_one_letter_a_character():
    assert pinyin_initials("暴露垃圾") == "bllj"
    assert pinyin_initials("6个百分百") == "gbfb"


def test_typed_initials_match_in_order_with_letters_left_out():
    assert initials_match("blj", "bllj") and initials_match("bl", "bllj")
    assert not initials_match("jl", "bllj")


def test_category_search_by_initials_through_the_api(client_for):
    found = client_for("inspector").get("/api/v1/categories", {"q": "blj"}).json()
    assert "06010" in [c["code"] for c in found]
    by_code = client_for("inspector").get("/api/v1/categories", {"q": "06013"}).json()
    assert by_code[0]["code"] == "06013"
    assert all(c["national_code"] == "06013" for c in by_code)  # local categories under the same national code
