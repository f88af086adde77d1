"""The notifications page (通知): each person reads their own notices; dispatchers also see what is about to slip."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renju.notify.jobs import mark_overdue, remind_deadlines
from renju.notify.models import Notification
from renju.notify.notices import notify
from renju.plans.active import forget_active_plan
from renju.plans.geo import forget_region_index
from tests.conftest import beijing

pytestmark = pytest.mark.django_db

YATOU = "371082001"  # 06010 here goes to 崖头街道, handler `yatou`
CHENGXI = "371082002"  # … to 城西街道, handler `chengxi`
DUE = beijing(2023, 10, 10, 17, 30)
SOON = beijing(2023, 10, 10, 14, 0)
URL = "/notifications/"


def client_as(users, username: str) -> Client:
    client = Client()
    client.force_login(users[username])
    return client


def notice_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'id="notice-(\d+)"', html)]


def counted_get(client: Client, url: str, **params):
    forget_active_plan()
    forget_region_index()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    return response, len(queries.captured_queries)


def test_every_page_header_links_to_the_notifications_with_the_unread_count(users):
    assert reverse("web:notifications") == URL
    for username in ("inspector", "dispatcher", "scorer", "leader", "yatou", "admin"):
        client = Client()
        client.force_login(users[username])
        html = client.get("/password/").content.decode()
        assert f'href="{URL}"' in html and 'hx-get="/notifications/count"' in html, username


def test_the_page_needs_a_login():
    response = Client().get(URL)

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_handler_sees_only_own_units_notifications(on_clock, users):
    mine = on_clock(DUE, region=YATOU)
    theirs = on_clock(DUE, region=CHENGXI)
    remind_deadlines(SOON)
    own = Notification.objects.get(problem=mine, recipient=users["yatou"])

    html = client_as(users, "yatou").get(URL).content.decode()

    assert notice_ids(html) == [own.id]
    assert mine.number in html and theirs.number not in html
    assert f'href="/problems/{mine.id}/"' in html


def test_a_handler_moved_to_another_unit_no_longer_reads_the_old_units_notices(on_clock, users):
    problem = on_clock(DUE, region=YATOU)
    remind_deadlines(SOON)
    handler = users["yatou"]
    handler.unit = users["chengxi"].unit
    handler.save()

    assert notice_ids(client_as(users, "yatou").get(URL).content.decode()) == []
    assert Notification.objects.filter(problem=problem, recipient=handler).exists()


def test_unread_first_tab_and_all_tab(on_clock, users):
    on_clock(DUE, region=YATOU)
    remind_deadlines(SOON)
    mark_overdue(DUE + dt.timedelta(minutes=1))
    client = client_as(users, "yatou")
    ids = notice_ids(client.get(URL).content.decode())
    assert len(ids) == 2

    client.post(reverse("web:notification_read", args=[ids[0]]))

    assert notice_ids(client.get(URL).content.decode()) == ids[1:]
    assert notice_ids(client.get(URL, {"tab": "all"}).content.decode()) == ids


def test_marking_read_with_htmx_returns_the_row_marked_read(on_clock, users):
    problem = on_clock(DUE, region=YATOU)
    remind_deadlines(SOON)
    notice = Notification.objects.get(problem=problem, recipient=users["yatou"])

    response = client_as(users, "yatou").post(reverse("web:notification_read", args=[notice.id]),
                                              HTTP_HX_REQUEST="true")

    notice.refresh_from_db()
    assert notice.read_at is not None
    html = response.content.decode()
    assert html.strip().startswith(f'<li class="notice kind-due_soon" id="notice-{notice.id}"')
    assert "已读" in html and "标为已读" not in html
    assert '<span id="unread-total" class="unread-total" hx-swap-oob="true"></span>' in html  # none left unread


def test_nobody_can_mark_someone_elses_notice(on_clock, users):
    on_clock(DUE, region=YATOU)
    remind_deadlines(SOON)
    notice = Notification.objects.get(recipient=users["yatou"])

    response = client_as(users, "chengxi").post(reverse("web:notification_read", args=[notice.id]))

    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read_marks_only_ones_own(on_clock, users):
    on_clock(DUE, region=YATOU)
    remind_deadlines(SOON)

    response = client_as(users, "yatou").post(reverse("web:notifications_read_all"), {"tab": "all"})

    assert response.status_code == 302 and response["Location"] == "/notifications/?tab=all"
    assert not Notification.objects.filter(recipient=users["yatou"], read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=users["dispatcher"], read_at__isnull=True).exists()


def test_count_fragment_gives_the_unread_count_for_an_htmx_poll(on_clock, users):
    on_clock(DUE, region=YATOU)
    remind_deadlines(SOON)
    mark_overdue(DUE + dt.timedelta(minutes=1))

    html = client_as(users, "yatou").get("/notifications/count").content.decode()

    assert 'data-count="2"' in html and ">2</span>" in html
    assert 'data-count="0"' in client_as(users, "leader").get("/notifications/count").content.decode()
    assert Client().get("/notifications/count").status_code == 204


def test_dispatcher_sees_what_is_about_to_slip_with_working_time_left(dispatched, users):
    with time_machine.travel(beijing(2023, 10, 10, 10, 0), tick=False):
        slipping = dispatched(region=YATOU)
        later = dispatched(region=CHENGXI)
        from renju.problems.models import Problem

        Problem.objects.filter(pk=slipping.pk).update(due_at=beijing(2023, 10, 10, 14, 30))  # 3 working hours left
        Problem.objects.filter(pk=later.pk).update(due_at=beijing(2023, 10, 11, 17, 30))

        html = client_as(users, "dispatcher").get(URL).content.decode()

    assert "即将超期" in html
    assert slipping.number in html and later.number not in html
    assert "3小时0分" in html
    assert re.search(r'data-stat="soon">1<', html)


def test_people_other_than_dispatchers_see_no_slip_panel(users):
    for username in ("yatou", "leader", "inspector"):
        assert 'class="card slip"' not in client_as(users, username).get(URL).content.decode()


@pytest.mark.parametrize("username", ["yatou", "dispatcher"])
def test_the_page_costs_the_same_queries_with_few_or_many_notices(users, username, on_clock):
    client = client_as(users, username)
    user = users[username]
    notify([user], kind="weekly", title="第1周督办通知", period="W1")
    few_response, few = counted_get(client, URL, tab="all")
    on_clock(DUE, region=YATOU)
    for week in range(2, 40):
        notify([user], kind="weekly", title=f"第{week}周督办通知", period=f"W{week}")
    remind_deadlines(SOON)
    many_response, many = counted_get(client, URL, tab="all")

    assert len(notice_ids(many_response.content.decode())) > len(notice_ids(few_response.content.decode())) >= 1
    assert few == many
