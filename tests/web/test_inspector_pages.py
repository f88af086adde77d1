"""The inspector's pages: report a problem, my reports, and the verification queue nearest first."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from renju.plans.geo import distance_m
from renju.problems import lifecycle
from renju.problems.models import Photo, Problem, Status
from tests.conftest import jpeg, point_in, prepared_photo

PAGES = ["web:inspector_report", "web:inspector_mine", "web:inspector_verify_queue"]


@pytest.fixture
def inspector_client(client, users):
    client.force_login(users["inspector"])
    return client


@pytest.fixture
def steady_caches(monkeypatch):
    """The plan and the region index re-check the database every 2 s; a slow test run must not see that as an
    extra query on one side of a comparison."""
    import renju.plans.active
    import renju.plans.geo

    monkeypatch.setattr(renju.plans.active, "RECHECK_SECONDS", 3600.0)
    monkeypatch.setattr(renju.plans.geo, "RECHECK_SECONDS", 3600.0)


@pytest.fixture
def rectified(dispatched, users):
    """A problem reported, dispatched and rectified by its unit, `minutes` after now (to order rectifications)."""

    def _rectified(minutes: int = 0, **overrides):
        problem = dispatched(**overrides)
        handler = next(u for u in users.values() if u.role == "handler" and u.unit_id == problem.unit_id)
        return lifecycle.problem_rectify(
            actor=handler, problem_id=problem.id, note="已清理完毕", photos=[prepared_photo(2)],
            at=timezone.now() + dt.timedelta(minutes=minutes),
        )

    return _rectified


def embedded_json(response, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    assert match, f"no {element_id} in the page"
    return json.loads(match.group(1))


def queue_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'class="verify-item[^"]*" data-problem-id="(\d+)"', response.content.decode())]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# ---------------------------------------------------------------- who may open the pages


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_inspector_pages_open_for_an_inspector(inspector_client, name):
    assert inspector_client.get(reverse(name)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_inspector_pages_are_refused_to_a_unit_handler(client, users, name):
    client.force_login(users["yatou"])
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_inspector_pages_send_an_anonymous_visitor_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_an_inspector_lands_on_the_report_page(inspector_client):
    response = inspector_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:inspector_report")


# ---------------------------------------------------------------- the report page


@pytest.mark.django_db
def test_report_page_embeds_every_category_with_its_pinyin_initials_and_check_items(inspector_client):
    response = inspector_client.get(reverse("web:inspector_report"))
    categories = {c["code"]: c for c in embedded_json(response, "report-categories")}
    exposed = categories["06010"]
    assert exposed["name"] == "暴露垃圾"
    assert exposed["national_code"] == "06010"
    # 暴(b)露(l)垃(l)圾(j): the page also finds it from "blj", letters in order with one skipped.
    assert exposed["initials"] == "bllj"
    assert exposed["task"]["number"] == 1
    assert {"LWLJ-01", "LWLJ-02", "QSBJ-02"} <= {item["code"] for item in exposed["check_items"]}
    assert all(item["text"] and item["standard"] for item in exposed["check_items"])
    assert len(categories) > 50


@pytest.mark.django_db
def test_report_page_tells_the_script_where_to_file_and_preview(inspector_client):
    config = embedded_json(inspector_client.get(reverse("web:inspector_report")), "report-config")
    assert config["createUrl"] == "/api/v1/problems"
    assert config["previewUrl"] == "/api/v1/routing/preview"
    assert config["source"] == "inspection"
    assert config["user"] == "inspector"
    assert config["problemUrl"].replace("/0/", "/42/") == reverse("web:problem", kwargs={"problem_id": 42})


@pytest.mark.django_db
def test_report_form_offers_the_plans_severities_and_open_or_covert_visit(inspector_client):
    html = inspector_client.get(reverse("web:inspector_report")).content.decode()
    for code, name in [("normal", "一般"), ("major", "较重"), ("urgent", "紧急")]:
        assert f'<option value="{code}">{name}</option>' in html
    assert 'name="visit" value="open"' in html and 'name="visit" value="covert"' in html
    # The ids the browser tests and the script rely on.
    for element_id in ["report-form", "photos", "category-search", "category", "description", "submit-report",
                       "report-result", "pending-reports", "net-status", "lat", "lng", "position-source"]:
        assert f'id="{element_id}"' in html, element_id
    assert re.search(r'<input id="photos"[^>]*accept="image/\*" capture="environment" multiple', html)


@pytest.mark.django_db
def test_a_report_sent_twice_with_the_same_client_key_as_the_form_does_files_one_problem(inspector_client):
    lat, lng = point_in("371082001")
    fields = {"category": "06010", "lat": lat, "lng": lng, "description": "路边暴露垃圾", "source": "inspection",
              "visit": "covert", "is_key": "true", "client_key": "0f8c2a4e-report-once"}
    first = inspector_client.post("/api/v1/problems", {**fields, "photos": SimpleUploadedFile("a.jpg", jpeg(1))})
    again = inspector_client.post("/api/v1/problems", {**fields, "photos": SimpleUploadedFile("a.jpg", jpeg(1))})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    problem = Problem.objects.get(client_key="0f8c2a4e-report-once")
    assert (problem.visit, problem.is_key, problem.photos.count()) == ("covert", True, 1)


# ---------------------------------------------------------------- my reports


@pytest.mark.django_db
def test_my_reports_lists_only_the_inspectors_own_reports_newest_first(inspector_client, report, users):
    older = report(description="较早的上报")
    newer = report(description="较晚的上报", region="371082002")
    someone_elses = report(actor=users["inspector2"], description="别人的上报")
    html = inspector_client.get(reverse("web:inspector_mine")).content.decode()
    assert newer.number in html and older.number in html
    assert someone_elses.number not in html
    assert html.index(newer.number) < html.index(older.number)
    assert f'src="/api/v1/photos/{newer.photos.get().id}/thumbnail"' in html


@pytest.mark.django_db
def test_my_reports_filter_by_status(inspector_client, report, dispatched):
    waiting = report()
    sent = dispatched(region="371082002")
    html = inspector_client.get(reverse("web:inspector_mine") + "?status=dispatched").content.decode()
    assert sent.number in html
    assert waiting.number not in html
    assert sent.unit.name in html
    assert "剩余" in html  # the countdown to the unit's deadline


@pytest.mark.django_db
def test_my_reports_pages_fifty_at_a_time(inspector_client, users):
    from renju.problems.queries.inspector import my_reports

    rows = [_bare_problem(users["inspector"], i) for i in range(51)]
    first = my_reports(users["inspector"])
    second = my_reports(users["inspector"], page=2)
    assert len(first.rows) == 50 and len(second.rows) == 1
    assert second.rows[0].problem.id == rows[0].id  # the oldest is last
    response = inspector_client.get(reverse("web:inspector_mine") + "?page=2")
    assert "第 2 / 2 页" in response.content.decode()


@pytest.mark.django_db
def test_my_reports_runs_the_same_number_of_queries_for_few_and_many_rows(inspector_client, report, dispatched,
                                                                          users, steady_caches):
    url = reverse("web:inspector_mine")
    report()
    dispatched(region="371082002")
    inspector_client.get(url)  # warm the plan and region caches
    few = count_queries(inspector_client, url)
    for i in range(12):
        _bare_problem(users["inspector"], i)
    dispatched(region="371082003")
    report(region="371082011", photos=[prepared_photo(3), prepared_photo(4)])
    many = count_queries(inspector_client, url)
    assert few == many


# ---------------------------------------------------------------- the verification queue


@pytest.mark.django_db
def test_verify_queue_lists_rectified_problems_nearest_first_from_the_given_point(inspector_client, rectified,
                                                                                   dispatched):
    far = rectified(region="371082011", minutes=1)
    near = rectified(region="371082001", minutes=2)
    middle = rectified(region="371082002", minutes=3)
    not_yet = dispatched(region="371082001")
    lat, lng = point_in("371082001")
    response = inspector_client.get(reverse("web:inspector_verify_queue") + f"?lat={lat}&lng={lng}")
    expected = sorted([far, near, middle], key=lambda p: distance_m(lat, lng, p.lat, p.lng))
    assert queue_ids(response) == [p.id for p in expected]
    assert expected[0].id == near.id
    assert not_yet.id not in queue_ids(response)
    html = response.content.decode()
    assert "0 米" in html  # the nearest is right where the inspector stands
    assert "公里" in html


@pytest.mark.django_db
def test_verify_queue_without_a_position_lists_the_longest_waiting_first(inspector_client, rectified):
    second = rectified(region="371082001", minutes=5)
    first = rectified(region="371082002", minutes=1)
    response = inspector_client.get(reverse("web:inspector_verify_queue"))
    assert queue_ids(response) == [first.id, second.id]


@pytest.mark.django_db
def test_verify_queue_shows_before_and_after_photos_side_by_side(inspector_client, rectified):
    problem = rectified()
    before = problem.photos.get(kind=Photo.Kind.BEFORE)
    after = problem.photos.get(kind=Photo.Kind.AFTER)
    html = inspector_client.get(reverse("web:inspector_verify_queue")).content.decode()
    compare = html[html.index('class="compare"'):]
    before_at = compare.index(f"/api/v1/photos/{before.id}/thumbnail")
    assert before_at < compare.index(f"/api/v1/photos/{after.id}/thumbnail")
    assert "已清理完毕" in html  # the unit's note, to check against


@pytest.mark.django_db
def test_passing_a_problem_from_the_queue_closes_it_and_returns_to_the_queue(inspector_client, rectified):
    problem = rectified()
    lat, lng = point_in("371082001")
    queue = reverse("web:inspector_verify_queue") + f"?lat={lat}&lng={lng}"
    page = inspector_client.get(queue).content.decode()
    assert f'name="next" value="{escape(queue)}"' in page
    response = inspector_client.post(
        reverse("web:problem_act", kwargs={"problem_id": problem.id, "action": "verify"}),
        {"result": "pass", "next": queue},
    )
    assert response.status_code == 302
    assert response["Location"] == queue
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED
    assert problem.id not in queue_ids(inspector_client.get(queue))


@pytest.mark.django_db
def test_failing_a_problem_from_the_queue_sends_it_back_for_rework_with_the_reason_and_photo(inspector_client,
                                                                                             rectified):
    problem = rectified()
    queue = reverse("web:inspector_verify_queue")
    response = inspector_client.post(
        reverse("web:problem_act", kwargs={"problem_id": problem.id, "action": "verify"}),
        {"result": "fail", "reason": "垃圾仍未清运", "next": queue, "photos": SimpleUploadedFile("v.jpg", jpeg(7))},
    )
    assert response.status_code == 302 and response["Location"] == queue
    problem.refresh_from_db()
    assert problem.status == Status.REWORK
    event = problem.events.order_by("-seq").first()
    assert event.details["reason"] == "垃圾仍未清运"
    assert problem.photos.filter(kind=Photo.Kind.VERIFY).count() == 1


@pytest.mark.django_db
def test_verify_queue_runs_the_same_number_of_queries_for_few_and_many_rows(inspector_client, rectified,
                                                                             steady_caches):
    lat, lng = point_in("371082001")
    url = reverse("web:inspector_verify_queue") + f"?lat={lat}&lng={lng}"
    rectified(region="371082001")
    inspector_client.get(url)
    few = count_queries(inspector_client, url)
    for i, region in enumerate(["371082002", "371082003", "371082011", "371082012"]):
        rectified(region=region, minutes=i)
    many = count_queries(inspector_client, url)
    assert few == many


# ---------------------------------------------------------------- helpers


def _bare_problem(reporter, i: int) -> Problem:
    """A report without photos (fast), `i` minutes after the first, for tests that need many rows."""
    lat, lng = point_in("371082001")
    return lifecycle.problem_report(
        actor=reporter, category="06010", lat=lat, lng=lng, description=f"第{i}个", source="inspection",
        at=timezone.now() + dt.timedelta(minutes=i),
    )
