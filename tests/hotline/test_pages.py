"""The hotline pages: the orders list and its queues, one order with its suggestion, settling the category, placing
an order by hand, the export; who may open what."""

from __future__ import annotations

import pytest
from django.test import Client

from renju.hotline.models import ClassifierExample, HotlineOrder
from renju.problems import lifecycle
from tests.conftest import point_in


def as_user(users, username: str) -> Client:
    client = Client()
    client.force_login(users[username])
    return client


@pytest.mark.django_db
def test_the_list_shows_orders_with_their_suggestion_problem_and_queues(receive, users):
    receive("P-1")
    receive("P-2", address="路口东边", content="路灯坏了好几天")
    page = as_user(users, "dispatcher").get("/hotline/").content.decode()
    assert "P-1" in page and "P-2" in page and "待定位" in page and "垃圾站（箱）满溢" in page
    unlocated = as_user(users, "dispatcher").get("/hotline/?queue=unlocated").content.decode()
    assert "P-2" in unlocated and "P-1</a>" not in unlocated


@pytest.mark.django_db
def test_a_unit_handler_sees_only_the_orders_of_its_own_problems(receive, users):
    mine = receive("H-1")
    other = receive("H-2", address="俚岛镇", content="俚岛镇驻地路边垃圾好几天没人清")
    for order in (mine, other):
        lifecycle.problem_accept(actor=users["dispatcher"], problem_id=order.problem_id)
        lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=order.problem_id)
    unit = HotlineOrder.objects.get(pk=mine.pk).problem.unit.code
    assert HotlineOrder.objects.get(pk=other.pk).problem.unit.code != unit
    client = as_user(users, unit)
    page = client.get("/hotline/").content.decode()
    assert "H-1" in page and "H-2" not in page
    assert client.get(f"/hotline/{mine.id}/").status_code == 200
    assert client.get(f"/hotline/{other.id}/").status_code == 404
    assert "H-2" not in client.get("/hotline/export.csv").content.decode()


@pytest.mark.django_db
def test_pages_are_closed_to_inspectors_and_anonymous_visitors(receive, users):
    order = receive()
    assert as_user(users, "inspector").get("/hotline/").status_code == 403
    assert Client().get(f"/hotline/{order.id}/").status_code == 302  # to the login page


@pytest.mark.django_db
def test_the_order_page_shows_the_suggestion_its_confidence_and_the_problem(receive, users):
    order = receive()
    page = as_user(users, "dispatcher").get(f"/hotline/{order.id}/").content.decode()
    assert "建议问题类型" in page and 'id="confidence"' in page and order.problem.number in page
    assert f"/problems/{order.problem_id}/" in page


@pytest.mark.django_db
def test_a_weak_suggestion_is_flagged_and_the_dispatcher_settles_it_from_the_order_page(receive, users):
    order = receive(content="情况说明一下", address="崖头街道滨华社区")
    assert order.needs_review
    client = as_user(users, "dispatcher")
    page = client.get(f"/hotline/{order.id}/").content.decode()
    assert 'id="review-notice"' in page and "核定并立案" in page
    assert order.order_no in client.get("/hotline/?queue=review").content.decode()
    other = "01037" if order.suggested_category != "01037" else "06010"
    response = client.post(f"/hotline/{order.id}/settle/", {"category": other})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.problem.status == "accepted" and order.problem.category.code == other
    example = ClassifierExample.objects.get(order=order)
    assert (example.category, example.source, example.created_by) == (other, "correction", users["dispatcher"])
    assert order.order_no not in client.get("/hotline/?queue=review").content.decode()


@pytest.mark.django_db
def test_settling_with_an_unknown_category_shows_the_error_and_changes_nothing(receive, users):
    order = receive(content="情况说明一下")
    response = as_user(users, "dispatcher").post(f"/hotline/{order.id}/settle/", {"category": "NOPE"})
    assert response.status_code == 422 and "问题类型" in response.content.decode()
    order.refresh_from_db()
    assert order.problem.status == "reported" and not ClassifierExample.objects.exists()


@pytest.mark.django_db
def test_a_dispatcher_places_an_order_from_its_page_by_point_or_region(receive, users):
    by_point = receive("U-1", address="路口东边", content="路灯坏了好几天")
    by_region = receive("U-2", address="路口东边", content="路灯坏了好几天")
    client = as_user(users, "dispatcher")
    page = client.get(f"/hotline/{by_point.id}/").content.decode()
    assert 'id="place-form"' in page and "定位并立案" in page
    lat, lng = point_in("371082010")
    assert client.post(f"/hotline/{by_point.id}/place/", {"lat": lat, "lng": lng}).status_code == 302
    assert client.post(f"/hotline/{by_region.id}/place/", {"region": "371082011"}).status_code == 302
    assert HotlineOrder.objects.get(pk=by_point.pk).problem.region.code.startswith("371082010")
    assert HotlineOrder.objects.get(pk=by_region.pk).located_name == "俚岛镇"


@pytest.mark.django_db
def test_placing_from_the_page_refuses_bad_input_with_a_chinese_message(receive, users):
    order = receive(address="路口东边", content="路灯坏了好几天")
    client = as_user(users, "dispatcher")
    empty = client.post(f"/hotline/{order.id}/place/", {})
    assert empty.status_code == 422 and "请在地图上点选位置" in empty.content.decode()
    outside = client.post(f"/hotline/{order.id}/place/", {"lat": "39.9", "lng": "116.4"})
    assert outside.status_code == 422 and "该位置不在任何区域内" in outside.content.decode()
    words = client.post(f"/hotline/{order.id}/place/", {"lat": "北纬", "lng": "东经"})
    assert words.status_code == 422
    assert as_user(users, "leader").post(f"/hotline/{order.id}/place/", {"region": "371082011"}).status_code == 403
    assert HotlineOrder.objects.get(pk=order.pk).problem is None


@pytest.mark.django_db
def test_the_export_is_a_csv_of_the_queue(receive, users):
    receive("E-1")
    response = as_user(users, "dispatcher").get("/hotline/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("工单编号,受理时间,来电人,来电号码") and "E-1" in text
