"""POST /api/v1/hotline/orders: the 12345 platform pushes work orders; replays, bad input and permissions."""

from __future__ import annotations

import base64
import json

import pytest
from django.utils import timezone

from renju.hotline.models import HotlineOrder
from renju.problems.models import Photo, Problem, ProblemEvent
from tests.conftest import jpeg, point_in
from tests.hotline.conftest import b64_photo, order_data

URL = "/api/v1/hotline/orders"


def post(client, data: dict):
    return client.post(URL, data=json.dumps(data), content_type="application/json")


def nothing_written() -> bool:
    return not HotlineOrder.objects.exists() and not Problem.objects.filter(source="hotline").exists()


@pytest.mark.django_db
def test_a_pushed_order_is_filed_as_a_hotline_problem_with_its_suggestion(api_client):
    response = post(api_client(), order_data(urgency="紧急", attachments=[b64_photo(1)]))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["replayed"] is False
    assert body["suggestion"]["category"] == "06042"  # 垃圾站（箱）满溢
    assert 0 < body["suggestion"]["confidence"] <= 1
    assert body["located_by"] == "address" and body["located_name"] == "滨华社区"
    problem = Problem.objects.get(pk=body["problem"]["id"])
    assert problem.source == "hotline" and problem.status == "reported"
    assert problem.category.code == "06042" and problem.severity == "urgent"
    assert problem.region.code.startswith("371082001001")  # a grid of 滨华社区
    assert problem.suggested_unit.code == "huanwei"  # the plan routes the urban core's bins to 环卫集团
    assert body["suggestion"]["unit"] == "huanwei"
    assert Photo.objects.filter(problem=problem).count() == 1
    assert problem.description.startswith("【12345工单 RC12345-20231012-0001】")


@pytest.mark.django_db
def test_a_replayed_push_returns_the_same_problem_with_200_and_writes_nothing_new(api_client):
    client = api_client()
    first = post(client, order_data())
    again = post(client, order_data(content="重复推送，内容略有不同"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    assert again.json()["problem"]["id"] == first.json()["problem"]["id"]
    assert HotlineOrder.objects.count() == 1 and Problem.objects.count() == 1
    assert ProblemEvent.objects.filter(action="report").count() == 1


@pytest.mark.django_db
def test_the_same_order_pushed_by_import_and_by_the_platform_is_one_order(api_client, users):
    post(api_client("dispatcher"), order_data())
    assert post(api_client(), order_data()).json()["replayed"] is True
    assert HotlineOrder.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), [
    ({"order_no": None}, "order_no"),
    ({"order_no": ""}, "order_no"),
    ({"order_no": "有 空格"}, "order_no"),
    ({"received_at": "昨天下午"}, "received_at"),
    ({"received_at": "2023-13-45 25:00"}, "received_at"),
    ({"received_at": "2099-01-01 08:00"}, "received_at"),
    ({"content": ""}, "content"),
    ({"lat": 37.16}, "body"),
    ({"lat": 95, "lng": 122.4}, "lat"),
    ({"caller_phone": "call me maybe"}, "caller_phone"),
    ({"urgency": "十万火急"}, "urgency"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(api_client, change, field):
    data = order_data()
    for key, value in change.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    response = post(api_client(), data)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert nothing_written()


@pytest.mark.django_db
def test_a_corrupt_or_oversized_attachment_is_refused_by_its_index(api_client, settings):
    client = api_client()
    corrupt = post(client, order_data(attachments=[b64_photo(1), base64.b64encode(b"not an image").decode()]))
    assert corrupt.status_code == 422 and "attachments.1" in corrupt.json()["errors"]
    not_base64 = post(client, order_data(attachments=[{"filename": "a.jpg", "content": "%%%"}]))
    assert not_base64.status_code == 422 and "attachments.0" in not_base64.json()["errors"]
    settings.RENJU_MAX_PHOTO_BYTES = 1000
    big = post(client, order_data(attachments=[b64_photo(2)]))
    assert big.status_code == 422 and "attachments.0" in big.json()["errors"]
    assert nothing_written()


@pytest.mark.django_db
def test_coordinates_outside_every_region_are_refused_as_lat(api_client):
    response = post(api_client(), order_data(lat=39.9, lng=116.4))
    assert response.status_code == 422 and "lat" in response.json()["errors"]
    assert nothing_written()


@pytest.mark.django_db
def test_coordinates_given_by_the_platform_place_the_problem_there(api_client):
    lat, lng = point_in("371082011")  # 俚岛镇
    body = post(api_client(), order_data(lat=lat, lng=lng, address="")).json()
    assert body["located_by"] == "coordinates"
    assert Problem.objects.get(pk=body["problem"]["id"]).suggested_unit.code == "lidao"


@pytest.mark.django_db
def test_photos_may_come_as_multipart_files(api_client):
    data = order_data()
    data["photos"] = [("a.jpg", jpeg(3))]
    from django.core.files.uploadedfile import SimpleUploadedFile

    data["photos"] = [SimpleUploadedFile("a.jpg", jpeg(3), content_type="image/jpeg")]
    response = api_client().post(URL, data=data)
    assert response.status_code == 201, response.content
    assert Photo.objects.filter(problem_id=response.json()["problem"]["id"]).count() == 1


@pytest.mark.django_db
def test_only_integration_accounts_and_dispatchers_may_push(api_client, client):
    for username in ("inspector", "yatou", "leader", "scorer"):
        assert post(api_client(username), order_data(f"X-{username}")).status_code == 403
    assert post(client, order_data()).status_code == 401
    assert nothing_written()


@pytest.mark.django_db
def test_the_platform_can_follow_its_order_and_a_unit_handler_cannot_see_another_units(api_client):
    post(api_client(), order_data())
    mine = api_client().get(f"{URL}/RC12345-20231012-0001")
    assert mine.status_code == 200 and mine.json()["problem"]["status"] == "reported"
    assert api_client("shidao").get(f"{URL}/RC12345-20231012-0001").status_code == 404
    assert api_client().get(f"{URL}/NO-SUCH").status_code == 404


@pytest.mark.django_db
def test_a_category_hint_naming_a_plan_category_is_taken_as_it_is(api_client):
    body = post(api_client(), order_data(category="09006", content="门口有人摆摊")).json()
    assert body["suggestion"] == {**body["suggestion"], "category": "09006", "confidence": 1.0, "by": "hint",
                                  "needs_review": False}


@pytest.mark.django_db
def test_the_list_filters_by_queue_and_refuses_an_unknown_one(api_client):
    client = api_client("dispatcher")
    post(api_client(), order_data("A-1"))
    post(api_client(), order_data("A-2", address="不知道在哪", content="路灯坏了"))
    assert [o["order_no"] for o in client.get(f"{URL}?queue=unlocated").json()["items"]] == ["A-2"]
    assert len(client.get(URL).json()["items"]) == 2
    assert client.get(f"{URL}?queue=bogus").status_code == 422


@pytest.mark.django_db
def test_two_deliveries_of_one_order_at_once_meet_at_the_order_number(receive, monkeypatch):
    from renju.hotline import intake

    real = intake.category_suggest

    def the_other_delivery_lands_first(content, hint):
        # Between this delivery's look-up and its insert, the other delivery commits the same order number.
        HotlineOrder.objects.create(order_no="RACE-1", received_at=timezone.now(), content="先到的一次", payload={})
        return real(content, hint)

    monkeypatch.setattr(intake, "category_suggest", the_other_delivery_lands_first)
    order = receive("RACE-1")
    assert order.content == "先到的一次"
    assert HotlineOrder.objects.filter(order_no="RACE-1").count() == 1
    assert not Problem.objects.exists()  # this delivery's problem was rolled back with its order row
