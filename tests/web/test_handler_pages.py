"""The unit handler's inbox: only the unit's own problems, soonest deadline first, with the unit's own figures."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from renju.plans.active import forget_active_plan
from renju.plans.geo import forget_region_index
from renju.problems import lifecycle
from renju.problems.models import Problem
from renju.problems.queries.handler import inbox_rows, unit_summary
from tests.conftest import point_in, prepared_photo

pytestmark = pytest.mark.django_db

YATOU = "371082001"  # 崖头街道's region: 06010 there goes to the handler `yatou`
CHENGXI = "371082002"  # 城西街道's


def counted_get(client: Client, url: str, **params):
    """A request that re-checks the plan and region caches, as one does every 2 s, so counts do not hang on timing."""
    forget_active_plan()
    forget_region_index()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    return response, len(queries.captured_queries)


def client_as(users, username: str) -> Client:
    client = Client()
    client.force_login(users[username])
    return client


def due_in(problem, delta: dt.timedelta) -> None:
    """Move a deadline (tests only: deadlines are otherwise set by dispatch)."""
    Problem.objects.filter(pk=problem.pk).update(due_at=timezone.now() + delta)


def rectify(users, problem, **kwargs):
    return lifecycle.problem_rectify(actor=users["yatou"], problem_id=problem.id, note="已清理",
                                     photos=[prepared_photo(2)], **kwargs)


def inbox_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'class="inbox-row[^"]*" data-problem-id="(\d+)"', html)]


def test_handler_inbox_lists_only_own_units_problems_by_deadline_overdue_first(users, dispatched):
    later = dispatched(region=YATOU)
    overdue = dispatched(region=YATOU)
    soon = dispatched(region=YATOU)
    elsewhere = dispatched(region=CHENGXI)
    due_in(later, dt.timedelta(days=2))
    due_in(overdue, -dt.timedelta(hours=5))
    due_in(soon, dt.timedelta(hours=3))
    due_in(elsewhere, -dt.timedelta(days=3))

    response = client_as(users, "yatou").get("/unit/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="inbox"' in html
    assert inbox_ids(html) == [overdue.id, soon.id, later.id]
    assert elsewhere.number not in html


def test_another_units_problem_page_is_not_found_for_the_handler(users, dispatched):
    elsewhere = dispatched(region=CHENGXI)
    client = client_as(users, "yatou")
    assert client.get(f"/problems/{elsewhere.id}/").status_code == 404
    assert client_as(users, "chengxi").get(f"/problems/{elsewhere.id}/").status_code == 200


def test_each_row_has_a_countdown_coloured_by_how_close_the_deadline_is(users, dispatched):
    overdue, soon, later = dispatched(), dispatched(), dispatched()
    due_in(overdue, -dt.timedelta(hours=26))
    due_in(soon, dt.timedelta(hours=3))
    due_in(later, dt.timedelta(days=3))

    html = client_as(users, "yatou").get("/unit/").content.decode()
    countdowns = re.findall(r'<span class="countdown (\w+)" data-due="([^"]+)">([^<]+)</span>', html)

    assert [state for state, _due, _text in countdowns] == ["late", "soon", "ok"]
    assert countdowns[0][2].startswith("已超期 1天")
    assert countdowns[1][2].startswith("剩余 2小时") or countdowns[1][2].startswith("剩余 3小时")
    # The script counts down from the deadline itself, in ISO 8601 with the offset.
    assert dt.datetime.fromisoformat(countdowns[0][1]) == Problem.objects.get(pk=overdue.pk).due_at
    assert "web/handler.js" in html


def test_rework_is_marked_with_the_inspectors_reason(users, dispatched):
    problem = dispatched()
    rectify(users, problem)
    lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="fail", reason="垃圾仍未清运")

    html = client_as(users, "yatou").get("/unit/").content.decode()

    assert inbox_ids(html) == [problem.id]
    assert '<span class="badge rework">返工</span>' in html
    assert "核查不通过：</strong>垃圾仍未清运" in html


def test_tabs_list_waiting_for_verification_closed_and_self_checks(users, dispatched, report):
    waiting = dispatched()
    rectify(users, waiting)
    closed = dispatched()
    rectify(users, closed)
    lifecycle.problem_verify(actor=users["inspector"], problem_id=closed.id, result="pass")
    lat, lng = point_in(YATOU)
    own_check = lifecycle.problem_report(actor=users["yatou"], category="06010", lat=lat, lng=lng,
                                         description="自查发现垃圾", source="self_check")
    todo = dispatched()
    client = client_as(users, "yatou")

    # A self-check is the unit's own at once (直派): it is on the to-do list beside the dispatched one, soonest first.
    assert inbox_ids(client.get("/unit/").content.decode()) == [own_check.id, todo.id]
    assert inbox_ids(client.get("/unit/", {"tab": "verify"}).content.decode()) == [waiting.id]
    assert inbox_ids(client.get("/unit/", {"tab": "closed"}).content.decode()) == [closed.id]
    assert inbox_ids(client.get("/unit/", {"tab": "self"}).content.decode()) == [own_check.id]
    # An unknown tab is the default one, not an error.
    assert inbox_ids(client.get("/unit/", {"tab": "nonsense"}).content.decode()) == [own_check.id, todo.id]


def test_closed_tab_shows_only_the_last_30_days(users, dispatched):
    old = dispatched()
    rectify(users, old)
    lifecycle.problem_verify(actor=users["inspector"], problem_id=old.id, result="pass")
    recent = dispatched()
    rectify(users, recent)
    lifecycle.problem_verify(actor=users["inspector"], problem_id=recent.id, result="pass")
    unit_id = users["yatou"].unit_id

    in_40_days = timezone.now() + dt.timedelta(days=40)
    Problem.objects.filter(pk=recent.pk).update(closed_at=in_40_days - dt.timedelta(days=5))
    rows = inbox_rows(users["yatou"], unit_id, "closed", in_40_days)

    assert [r["problem"].id for r in rows] == [recent.id]


def test_unit_summary_counts_open_due_soon_overdue_on_time_rate_and_closed_this_month(users, dispatched):
    yatou = users["yatou"]
    on_time = dispatched()
    rectify(users, on_time)  # rectified by its deadline
    late = dispatched()
    due_in(late, -dt.timedelta(hours=1))
    rectify(users, late)  # rectified after it
    closed = dispatched()
    rectify(users, closed)
    lifecycle.problem_verify(actor=users["inspector"], problem_id=closed.id, result="pass")
    overdue = dispatched()
    due_in(overdue, -dt.timedelta(hours=2))
    soon = dispatched()
    due_in(soon, dt.timedelta(hours=2))
    later = dispatched()
    due_in(later, dt.timedelta(days=5))
    dispatched(region=CHENGXI)  # another unit's overdue problem does not count
    due_in(Problem.objects.filter(unit__code="chengxi").get(), -dt.timedelta(days=1))

    summary = unit_summary(yatou, yatou.unit_id, timezone.now())

    assert summary["open"] == 5  # on_time + late (rectified), overdue, soon, later
    assert summary["due_soon"] == 1
    assert summary["overdue"] == 1
    assert summary["closed_month"] == 1
    assert (summary["rectified_month"], summary["on_time_month"]) == (3, 2)
    assert summary["on_time_rate_label"] == "66.7%"
    assert {t["code"]: t["count"] for t in summary["tabs"]} == {"todo": 3, "verify": 2, "closed": 1, "self": 0}

    html = client_as(users, "yatou").get("/unit/").content.decode()
    assert 'id="unit-summary"' in html
    assert '<b data-stat="overdue">1</b>' in html
    assert '<b data-stat="on_time_rate">66.7%</b>' in html
    assert '<b data-stat="closed_month">1</b>' in html


def test_inbox_runs_the_same_number_of_queries_for_few_and_many_problems(users, dispatched):
    client = client_as(users, "yatou")
    for _ in range(2):
        dispatched()
    response, few = counted_get(client, "/unit/")
    assert len(inbox_ids(response.content.decode())) == 2
    for i in range(8):
        problem = dispatched()
        if i % 2:
            rectify(users, problem)
            lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="fail", reason="未清理")
    response, many = counted_get(client, "/unit/")
    assert len(inbox_ids(response.content.decode())) == 10
    assert many == few


@pytest.mark.parametrize("username", ["inspector", "dispatcher", "leader", "scorer"])
def test_inbox_is_refused_to_other_roles(users, username):
    assert client_as(users, username).get("/unit/").status_code == 403


def test_inbox_sends_anonymous_visitors_to_log_in():
    response = Client().get("/unit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_admin_may_look_at_any_units_inbox(users, dispatched):
    problem = dispatched(region=CHENGXI)
    response = client_as(users, "admin").get("/unit/", {"unit": "chengxi"})
    assert response.status_code == 200
    assert inbox_ids(response.content.decode()) == [problem.id]
    assert 'id="unit-pick"' in response.content.decode()
