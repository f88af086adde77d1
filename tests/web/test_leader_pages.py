"""The leader's one-screen view: today and this month at a glance, the units' ranking, a 30-day trend, the wall."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from renju.plans.active import forget_active_plan
from renju.plans.geo import forget_region_index
from renju.problems import lifecycle
from renju.problems.queries.dashboard import dashboard, dashboard_json, dashboard_stats, trend, unit_ranking
from tests.conftest import beijing, prepared_photo

pytestmark = pytest.mark.django_db

YATOU, CHENGXI, NINGJIN = "371082001", "371082002", "371082003"
# A Wednesday afternoon. 06010 (暴露垃圾) has a 4-working-hour limit, working hours 08:30-12:00 and 13:30-17:30.
NOW = beijing(2025, 6, 18, 16, 0)
MINUTE = dt.timedelta(minutes=1)


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


def play(report, users, *, region: str, reported, dispatched=None, rectified=None, closed=None):
    """One problem taken through the lifecycle at the given times (each action dated with `at=`)."""
    problem = report(region=region, at=reported)
    if dispatched:
        lifecycle.problem_accept(actor=users["dispatcher"], problem_id=problem.id, at=dispatched - MINUTE)
        problem = lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=problem.id, at=dispatched)
    if rectified:
        lifecycle.problem_rectify(actor=users[problem.unit.code], problem_id=problem.id, note="已整改",
                                  photos=[prepared_photo(2)], at=rectified)
    if closed:
        lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="pass", at=closed)
    return problem


@pytest.fixture
def june(report, users):
    """A hand-built June 2025, seen at NOW (2025-06-18 16:00).

    yatou:   A rectified on time on the 17th and closed today; G dispatched and rectified on time today;
             B dispatched today (due tomorrow); C reported today.
    chengxi: D overdue since 4 June; F rectified late on the 11th; E done in May (outside the month).
    ningjin: H overdue since the 16th, nothing rectified.
    """
    d = beijing
    return {
        "A": play(report, users, region=YATOU, reported=d(2025, 6, 17, 9, 0), dispatched=d(2025, 6, 17, 9, 20),
                  rectified=d(2025, 6, 17, 11, 0), closed=d(2025, 6, 18, 9, 30)),
        "B": play(report, users, region=YATOU, reported=d(2025, 6, 18, 14, 0), dispatched=d(2025, 6, 18, 14, 10)),
        "C": play(report, users, region=YATOU, reported=d(2025, 6, 18, 10, 0)),
        "G": play(report, users, region=YATOU, reported=d(2025, 6, 18, 8, 40), dispatched=d(2025, 6, 18, 8, 50),
                  rectified=d(2025, 6, 18, 11, 0)),
        "D": play(report, users, region=CHENGXI, reported=d(2025, 6, 4, 9, 0), dispatched=d(2025, 6, 4, 10, 0)),
        "E": play(report, users, region=CHENGXI, reported=d(2025, 5, 12, 9, 0), dispatched=d(2025, 5, 12, 10, 0),
                  rectified=d(2025, 5, 12, 11, 0), closed=d(2025, 5, 13, 9, 0)),
        "F": play(report, users, region=CHENGXI, reported=d(2025, 6, 10, 9, 0), dispatched=d(2025, 6, 10, 9, 30),
                  rectified=d(2025, 6, 11, 10, 0)),
        "H": play(report, users, region=NINGJIN, reported=d(2025, 6, 16, 9, 0), dispatched=d(2025, 6, 16, 9, 10)),
    }


def test_dashboard_stats_count_todays_and_this_months_events_for_a_fixed_time(june):
    stats = dashboard_stats(NOW)

    today, month = stats["today"], stats["month"]
    assert {k: today[k] for k in ("reported", "dispatched", "rectified", "closed", "overdue")} == {
        "reported": 3, "dispatched": 2, "rectified": 1, "closed": 1, "overdue": 2}
    assert today["on_time_rate_label"] == "100%"
    assert {k: month[k] for k in ("reported", "dispatched", "rectified", "closed", "overdue")} == {
        "reported": 7, "dispatched": 6, "rectified": 3, "closed": 1, "overdue": 2}
    assert month["on_time"] == 2 and month["on_time_rate_label"] == "66.7%"


def test_nothing_after_the_given_time_is_counted(june):
    # Seen from the morning of the 18th, today's afternoon has not happened yet.
    today = dashboard_stats(beijing(2025, 6, 18, 9, 0))["today"]
    assert (today["reported"], today["dispatched"], today["rectified"], today["closed"]) == (1, 1, 0, 0)


def test_units_are_ranked_by_on_time_rate_and_a_unit_with_only_overdue_problems_comes_last(june):
    ranking = unit_ranking(NOW)

    assert [(r["code"], r["rectified"], r["on_time"], r["rate_label"], r["overdue"]) for r in ranking] == [
        ("yatou", 2, 2, "100%", 0),
        ("chengxi", 1, 0, "0%", 1),
        ("ningjin", 0, 0, "—", 1),
    ]
    assert [r["rank"] for r in ranking] == [1, 2, 3]
    assert [r["group_rank"] for r in ranking] == [1, 2, 3]  # all three are 镇街
    assert ranking[0]["tier"] == "top"


def test_trend_has_30_days_with_each_days_events_and_the_overdue_at_its_end(june):
    data = trend(NOW)

    assert len(data["dates"]) == 30 and all(len(s) == 30 for s in data["series"].values())
    assert data["dates"][0] == "2025-05-20" and data["dates"][-1] == "2025-06-18"
    day = {date: i for i, date in enumerate(data["dates"])}
    series = data["series"]
    assert [series[k][day["2025-06-18"]] for k in ("reported", "dispatched", "closed")] == [3, 2, 1]
    assert [series[k][day["2025-06-17"]] for k in ("reported", "dispatched", "closed")] == [1, 1, 0]
    assert series["reported"][day["2025-06-05"]] == 0
    overdue = series["overdue"]
    assert overdue[day["2025-06-03"]] == 0  # D not yet reported
    assert overdue[day["2025-06-04"]] == 1  # D past its 15:30 deadline
    assert overdue[day["2025-06-10"]] == 2  # and F, rectified late the next morning
    assert overdue[day["2025-06-11"]] == 1
    assert overdue[day["2025-06-16"]] == 2  # D and H
    assert overdue[-1] == dashboard_stats(NOW)["today"]["overdue"] == 2


def test_dashboard_page_shows_both_periods_the_map_the_ranking_and_the_chart_data(users, june):
    with time_machine.travel(NOW, tick=False):
        response = client_as(users, "leader").get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    for anchor in ('id="stats-today"', 'id="stats-month"', 'id="dashboard-map"', 'id="unit-ranking"',
                   'id="trend-chart"', 'href="/dashboard/wall/"'):
        assert anchor in html
    today = html[html.index('id="stats-today"'):html.index('id="stats-month"')]
    assert '<b data-stat="reported">3</b>' in today
    assert '<b data-stat="closed">1</b>' in today
    assert '<b data-stat="overdue">2</b>' in today
    ranking = html[html.index('id="unit-ranking"'):]
    assert re.findall(r'data-unit="(\w+)"', ranking) == ["yatou", "chengxi", "ningjin"]
    chart = json.loads(re.search(r'<script id="trend-data" type="application/json">(.*?)</script>', html).group(1))
    assert chart["series"]["reported"][-1] == 3
    for asset in ("vendor/echarts.min.js", "vendor/leaflet/leaflet.markercluster.js", "MarkerCluster.css",
                  "MarkerCluster.Default.css", "web/dashboard.js"):
        assert asset in html
    # Works on a closed network: nothing is loaded from another host.
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_data_json_has_the_same_figures_as_the_page(users, june):
    with time_machine.travel(NOW, tick=False):
        body = client_as(users, "leader").get("/dashboard/data.json").json()
    expected = json.loads(json.dumps(dashboard_json(dashboard(NOW))))
    assert body["stats"] == expected["stats"]
    assert body["ranking"] == expected["ranking"]
    assert body["trend"] == expected["trend"]
    assert body["stats"]["month"]["on_time_rate_label"] == "66.7%"
    assert dt.datetime.fromisoformat(body["generated_at"]) == NOW


def test_wall_is_the_same_view_in_the_dark_full_screen_layout(users, june):
    with time_machine.travel(NOW, tick=False):
        html = client_as(users, "leader").get("/dashboard/wall/").content.decode()
    assert '<body class="wall"' in html
    for anchor in ('id="wall-clock"', 'id="fullscreen-toggle"', 'id="stats-today"', 'id="dashboard-map"',
                   'id="unit-ranking"', 'id="trend-chart"', 'data-url="/dashboard/data.json"'):
        assert anchor in html


def test_dashboard_runs_the_same_number_of_queries_for_few_and_many_problems(users, dispatched):
    client = client_as(users, "leader")
    dispatched()
    _, few_page = counted_get(client, "/dashboard/")
    _, few_data = counted_get(client, "/dashboard/data.json")
    for i in range(12):
        problem = dispatched(region=[YATOU, CHENGXI, NINGJIN][i % 3])
        if i % 2:
            lifecycle.problem_rectify(actor=users[problem.unit.code], problem_id=problem.id, note="已整改",
                                      photos=[prepared_photo(2)])
    page, many_page = counted_get(client, "/dashboard/")
    data, many_data = counted_get(client, "/dashboard/data.json")
    assert page.status_code == 200 and len(data.json()["ranking"]) == 3
    assert many_page == few_page
    assert many_data == few_data


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/wall/", "/dashboard/data.json"])
@pytest.mark.parametrize("username", ["leader", "dispatcher", "scorer", "admin"])
def test_dashboard_opens_for_leaders_dispatchers_and_scorers(users, url, username):
    assert client_as(users, username).get(url).status_code == 200


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/wall/", "/dashboard/data.json"])
@pytest.mark.parametrize("username", ["inspector", "yatou"])
def test_dashboard_is_refused_to_inspectors_and_unit_handlers(users, url, username):
    assert client_as(users, username).get(url).status_code == 403


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/wall/", "/dashboard/data.json"])
def test_dashboard_sends_anonymous_visitors_to_log_in(url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
