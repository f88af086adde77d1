"""The dispatcher's pages: intake queues acted on in place (htmx), bulk dispatch, search with map and export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from renju.plans.active import forget_active_plan
from renju.plans.geo import forget_region_index
from renju.problems import lifecycle
from renju.problems.export import HEADERS
from renju.problems.models import Problem, ProblemEvent, Status
from tests.conftest import beijing, prepared_photo

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client_as(users):
    def _client(username: str) -> Client:
        client = Client()
        client.force_login(users[username])
        return client

    return _client


@pytest.fixture
def dispatcher(client_as):
    return client_as("dispatcher")


def row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr class="intake-row[^"]*"[^>]*data-problem-id="(\d+)"', html)]


def result_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr class="result-row[^"]*" data-problem-id="(\d+)"', html)]


def act(client: Client, problem: Problem, action: str, **data):
    return client.post(f"/dispatch/{problem.id}/{action}/", {"queue": "reported", **data}, **HTMX)


def events(problem: Problem) -> list[str]:
    return list(ProblemEvent.objects.filter(problem=problem).order_by("seq").values_list("action", flat=True))


def dispatched_at(users, report, when, **overrides) -> Problem:
    """Reported, accepted and dispatched at `when` (so its deadline lies where that moment puts it)."""
    problem = report(at=when, photos=[], **overrides)
    lifecycle.problem_accept(actor=users["dispatcher"], problem_id=problem.id, at=when)
    return lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=problem.id, at=when)


# ---------------------------------------------------------------- who may open what


@pytest.mark.parametrize("url", ["/dispatch/", "/dispatch/?queue=accepted", "/dispatch/?queue=returned",
                                 "/dispatch/?queue=due_soon", "/dispatch/?queue=overdue", "/search/"])
def test_dispatcher_pages_render_for_the_dispatcher(dispatcher, report, url):
    report()
    response = dispatcher.get(url)
    assert response.status_code == 200
    assert b'id="intake"' in response.content or b'id="results"' in response.content


@pytest.mark.parametrize("username", ["inspector", "yatou"])
def test_handler_and_inspector_are_refused_the_dispatcher_pages(client_as, report, username):
    problem = report()
    client = client_as(username)
    assert client.get("/dispatch/").status_code == 403
    assert client.get("/search/").status_code == 403
    assert client.get("/search/export.xlsx").status_code == 403
    assert client.post(f"/dispatch/{problem.id}/dispatch/", **HTMX).status_code == 403
    assert client.post("/dispatch/bulk/", {"ids": [problem.id]}).status_code == 403
    assert Problem.objects.get(pk=problem.id).status == Status.REPORTED


def test_anonymous_visitors_are_sent_to_log_in():
    client = Client()
    for url in ("/dispatch/", "/search/", "/search/export.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


@pytest.mark.parametrize("username", ["leader", "scorer"])
def test_search_is_read_only_for_leader_and_scorer(client_as, report, username):
    report()
    html = client_as(username).get("/search/").content.decode()
    assert 'id="results"' in html
    assert 'class="result-row' in html
    assert "act-" not in html
    assert "办理</a>" not in html
    assert client_as(username).get("/dispatch/").status_code == 403


def test_search_offers_the_dispatcher_a_way_to_act_on_open_problems(dispatcher, report):
    report()
    assert "act-handle" in dispatcher.get("/search/").content.decode()


# ---------------------------------------------------------------- the intake queue


def test_intake_lists_reports_newest_first_with_key_problems_on_top(dispatcher, report, users):
    old = report(at=beijing(2023, 10, 9, 9, 0), photos=[])
    key = report(at=beijing(2023, 10, 8, 9, 0), is_key=True, photos=[])
    new = report(at=beijing(2023, 10, 10, 9, 0), photos=[])
    accepted = report(photos=[])
    lifecycle.problem_accept(actor=users["dispatcher"], problem_id=accepted.id)
    html = dispatcher.get("/dispatch/").content.decode()
    assert row_ids(html) == [key.id, new.id, old.id]
    assert row_ids(dispatcher.get("/dispatch/?queue=accepted").content.decode()) == [accepted.id]


def test_intake_row_shows_suggested_unit_deadline_place_and_thumbnail(dispatcher, report):
    problem = report(region="371082001")
    html = dispatcher.get("/dispatch/").content.decode()
    photo_id = problem.photos.get().id
    assert f"/api/v1/photos/{photo_id}/thumbnail" in html
    assert "崖头街道" in html  # the suggested unit and the place
    assert "4个工作时" in html  # 暴露垃圾's time limit, and the deadline it would get now
    assert "国标 06010" in html


def test_intake_row_lists_possible_duplicates_nearby(dispatcher, report):
    first = report(region="371082001")
    second = report(region="371082001")
    elsewhere = report(region="371082002")
    html = dispatcher.get("/dispatch/").content.decode()
    rows = dict(zip(row_ids(html), re.split(r'<tr class="intake-row', html)[1:], strict=True))
    assert first.number in rows[second.id]
    assert second.number in rows[first.id]
    assert first.number not in rows[elsewhere.id]


def test_accept_and_dispatch_from_the_list_goes_to_the_suggested_unit_and_returns_the_row(dispatcher, report):
    problem = report(region="371082001")
    response = act(dispatcher, problem, "dispatch")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<tr")
    assert f'data-problem-id="{problem.id}"' in html and 'data-status="dispatched"' in html
    assert "已派遣至 崖头街道" in html
    problem.refresh_from_db()
    assert problem.status == Status.DISPATCHED
    assert problem.unit_id == problem.suggested_unit_id
    assert events(problem) == ["report", "accept", "dispatch"]
    assert response["HX-Trigger"] == "queueChanged"


def test_dispatch_to_another_unit_without_a_reason_shows_the_error_in_the_row_and_changes_nothing(
    dispatcher, report
):
    problem = report(region="371082001")
    response = act(dispatcher, problem, "override", unit="zhujianju", reason="")
    assert response.status_code == 200
    html = response.content.decode()
    assert "必须填写改派原因" in html
    assert 'data-status="reported"' in html
    problem.refresh_from_db()
    assert problem.status == Status.REPORTED
    assert events(problem) == ["report"]


def test_dispatch_to_another_unit_with_a_reason_goes_there(dispatcher, report):
    problem = report(region="371082001")
    act(dispatcher, problem, "override", unit="zhujianju", reason="涉及在建工地，住建局负责")
    problem.refresh_from_db()
    assert problem.status == Status.DISPATCHED and problem.unit.code == "zhujianju"
    assert events(problem) == ["report", "accept", "dispatch"]


def test_reject_needs_a_reason(dispatcher, report):
    problem = report()
    html = act(dispatcher, problem, "reject", reason="  ").content.decode()
    assert "原因必填" in html
    assert Problem.objects.get(pk=problem.id).status == Status.REPORTED
    act(dispatcher, problem, "reject", reason="不属于整治范围")
    assert Problem.objects.get(pk=problem.id).status == Status.REJECTED


def test_merge_into_a_duplicate_by_its_number(dispatcher, report):
    original = report()
    duplicate = report()
    html = act(dispatcher, duplicate, "merge", into=original.number).content.decode()
    assert f"已合并到 {original.number}" in html
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into_id == original.id


def test_merge_into_an_unknown_number_is_refused_in_the_row(dispatcher, report):
    problem = report()
    html = act(dispatcher, problem, "merge", into="RC-00000000-0000").content.decode()
    assert "没有编号为 RC-00000000-0000 的问题" in html
    assert Problem.objects.get(pk=problem.id).status == Status.REPORTED


def test_an_action_on_a_problem_already_handled_says_so_in_the_row(dispatcher, report, users):
    problem = report()
    lifecycle.problem_reject(actor=users["dispatcher"], problem_id=problem.id, reason="重复")
    response = act(dispatcher, problem, "dispatch")
    assert response.status_code == 200
    assert "不能执行" in response.content.decode()


def test_without_htmx_an_action_returns_to_the_queue_with_a_message(dispatcher, report):
    problem = report()
    response = dispatcher.post(f"/dispatch/{problem.id}/dispatch/", {"queue": "reported"})
    assert response.status_code == 302
    assert response["Location"] == "/dispatch/?queue=reported"
    assert "已派遣至" in dispatcher.get(response["Location"]).content.decode()


def test_bulk_dispatch_dispatches_each_selected_and_reports_a_refused_one_without_undoing_the_others(
    dispatcher, report, users
):
    first, second, refused = report(photos=[]), report(photos=[]), report(photos=[])
    left_alone = report(photos=[])
    page_ids = [refused.id, second.id, first.id, left_alone.id]
    lifecycle.problem_reject(actor=users["dispatcher"], problem_id=refused.id, reason="不属于整治范围")
    response = dispatcher.post("/dispatch/bulk/", {
        "queue": "reported", "ids": [first.id, refused.id, second.id], "shown": page_ids,
    }, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert row_ids(html) == page_ids  # every row stays where it was, in its new state
    assert "成功 <strong>2</strong> 件" in html and "未成功 <strong>1</strong> 件" in html
    rows = dict(zip(row_ids(html), re.split(r'<tr class="intake-row', html)[1:], strict=True))
    assert "不能执行" in rows[refused.id]
    assert "已派遣至" in rows[first.id] and "已派遣至" in rows[second.id]
    statuses = dict(Problem.objects.values_list("id", "status"))
    assert statuses == {first.id: Status.DISPATCHED, second.id: Status.DISPATCHED, refused.id: Status.REJECTED,
                        left_alone.id: Status.REPORTED}
    assert events(first) == ["report", "accept", "dispatch"]


def test_returned_queue_shows_the_units_reason_and_redispatches_in_the_row(dispatcher, dispatched, users):
    problem = dispatched(region="371082001")
    lifecycle.problem_return(actor=users["yatou"], problem_id=problem.id, reason="该路段属于城西街道管辖")
    html = dispatcher.get("/dispatch/?queue=returned").content.decode()
    assert row_ids(html) == [problem.id]
    assert "该路段属于城西街道管辖" in html
    response = dispatcher.post(f"/dispatch/{problem.id}/override/",
                               {"queue": "returned", "unit": "chengxi", "reason": "按退回意见改派"}, **HTMX)
    assert "已派遣至 城西街道" in response.content.decode()
    problem.refresh_from_db()
    assert problem.status == Status.DISPATCHED and problem.unit.code == "chengxi"


def test_overdue_queue_lists_only_overdue_problems_most_overdue_first(dispatcher, dispatched, users, report):
    older = dispatched_at(users, report, beijing(2023, 10, 9, 9, 0))
    later = dispatched_at(users, report, beijing(2023, 10, 16, 9, 0))
    dispatched()  # on the clock, not yet due
    report()  # not dispatched
    html = dispatcher.get("/dispatch/?queue=overdue").content.decode()
    assert row_ids(html) == [older.id, later.id]
    assert "超期" in html
    assert older.id not in row_ids(dispatcher.get("/dispatch/?queue=due_soon").content.decode())


def test_queue_tabs_count_each_queue(dispatcher, report, users):
    report(photos=[])
    report(photos=[])
    dispatched_at(users, report, beijing(2023, 10, 9, 9, 0))
    html = dispatcher.get("/dispatch/tabs/?queue=overdue").content.decode()
    counts = dict(re.findall(r'data-queue="(\w+)".*?<span class="count[^"]*">(\d+)</span>', html))
    assert counts == {"reported": "2", "accepted": "0", "returned": "0", "due_soon": "0", "overdue": "1",
                      "extension": "0", "key": "0"}


# ---------------------------------------------------------------- search


@pytest.fixture
def spread(users, report):
    """Problems in two towns, dispatched at different times; one of them overdue, one only reported."""
    in_village = dispatched_at(users, report, beijing(2023, 10, 9, 9, 0), region="371082001001")
    in_town = report(region="371082001", photos=[])
    lifecycle.problem_accept(actor=users["dispatcher"], problem_id=in_town.id)
    lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=in_town.id)
    other_town = dispatched_at(users, report, beijing(2023, 10, 20, 9, 0), region="371082002")
    reported_only = report(region="371082002", at=beijing(2023, 10, 21, 9, 0), photos=[], is_key=True)
    return {"in_village": in_village, "in_town": in_town, "other_town": other_town, "reported": reported_only}


def test_search_filters_by_unit(dispatcher, spread):
    html = dispatcher.get("/search/", {"unit": "yatou"}).content.decode()
    assert sorted(result_ids(html)) == sorted([spread["in_village"].id, spread["in_town"].id])


def test_search_by_town_includes_its_villages(dispatcher, spread):
    html = dispatcher.get("/search/", {"region": "371082001"}).content.decode()
    assert sorted(result_ids(html)) == sorted([spread["in_village"].id, spread["in_town"].id])


def test_search_filters_by_reported_date_range_inclusive(dispatcher, spread):
    html = dispatcher.get("/search/", {"reported_from": "2023-10-09", "reported_to": "2023-10-20"}).content.decode()
    assert sorted(result_ids(html)) == sorted([spread["in_village"].id, spread["other_town"].id])


def test_search_filters_overdue_and_key(dispatcher, spread):
    overdue = result_ids(dispatcher.get("/search/", {"overdue": "yes"}).content.decode())
    assert sorted(overdue) == sorted([spread["in_village"].id, spread["other_town"].id])
    not_overdue = result_ids(dispatcher.get("/search/", {"overdue": "no"}).content.decode())
    assert sorted(not_overdue) == sorted([spread["in_town"].id, spread["reported"].id])
    assert result_ids(dispatcher.get("/search/", {"key": "1"}).content.decode()) == [spread["reported"].id]


def test_search_shows_the_whole_result_on_the_map(dispatcher, spread):
    html = dispatcher.get("/search/", {"region": "371082002"}).content.decode()
    points = re.search(r'<script id="search-points" type="application/json">(.*?)</script>', html).group(1)
    ids = [int(i) for i in re.findall(r"\[(\d+),", points)]
    assert sorted(ids) == sorted([spread["other_town"].id, spread["reported"].id])


def test_search_names_a_filter_it_could_not_use(dispatcher, spread):
    response = dispatcher.get("/search/", {"unit": "nobody", "reported_from": "10/09/2023"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "没有这个单位" in html and "日期格式应为 YYYY-MM-DD" in html
    assert len(result_ids(html)) == 4


def test_xlsx_export_has_the_chinese_header_and_one_row_per_matching_problem(client_as, spread):
    response = client_as("leader").get("/search/export.xlsx", {"unit": "yatou"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert rows[0][:3] == ("编号", "状态", "问题类型")
    numbers = {r[0] for r in rows[1:]}
    assert numbers == {spread["in_village"].number, spread["in_town"].number}
    by_number = {r[0]: dict(zip(HEADERS, r, strict=True)) for r in rows[1:]}
    assert by_number[spread["in_village"].number]["是否超期"] == "是"
    assert by_number[spread["in_village"].number]["责任单位"] == "崖头街道"
    assert by_number[spread["in_village"].number]["上报时间"].strftime("%Y-%m-%d %H:%M") == "2023-10-09 09:00"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.name == "宋体" and sheet["A1"].font.bold


def test_csv_export_starts_with_the_utf8_bom_and_lists_every_matching_problem(dispatcher, spread):
    response = dispatcher.get("/search/export.csv", {"region": "371082002"})
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert {r[0] for r in rows[1:]} == {spread["other_town"].number, spread["reported"].number}


def test_export_lists_all_matching_rows_not_only_the_page(dispatcher, report, monkeypatch):
    monkeypatch.setattr("renju.problems.queries.dispatcher.PAGE_SIZE", 2)
    for _ in range(5):
        report(photos=[])
    html = dispatcher.get("/search/").content.decode()
    assert len(result_ids(html)) == 2 and "第 1 / 3 页" in html
    rows = list(csv.reader(io.StringIO(dispatcher.get("/search/export.csv").content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 5


# ---------------------------------------------------------------- a constant number of queries


def count_queries(client: Client, url: str) -> int:
    # Both measurements start with the plan and region caches asking whether they are current, so the counts
    # compare the page's own queries.
    forget_active_plan()
    forget_region_index()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_intake_list_runs_the_same_number_of_queries_for_few_and_many_rows(dispatcher, report, users):
    report(photos=[prepared_photo(1)])
    report(photos=[])
    dispatcher.get("/dispatch/")
    few = count_queries(dispatcher, "/dispatch/")
    for i in range(8):
        report(photos=[prepared_photo(i)] if i % 2 else [], region="371082001" if i % 3 else "371082002")
    many = count_queries(dispatcher, "/dispatch/")
    assert len(row_ids(dispatcher.get("/dispatch/").content.decode())) == 10
    assert many == few


def test_returned_and_overdue_queues_run_a_constant_number_of_queries(dispatcher, dispatched, report, users):
    def returned():
        problem = dispatched(region="371082001", photos=[])
        lifecycle.problem_return(actor=users["yatou"], problem_id=problem.id, reason="非本单位")

    returned()
    dispatched_at(users, report, beijing(2023, 10, 9, 9, 0))
    few = [count_queries(dispatcher, f"/dispatch/?queue={q}") for q in ("returned", "overdue")]
    for _ in range(4):
        returned()
        dispatched_at(users, report, beijing(2023, 10, 9, 9, 0))
    many = [count_queries(dispatcher, f"/dispatch/?queue={q}") for q in ("returned", "overdue")]
    assert many == few


def test_search_list_runs_the_same_number_of_queries_for_few_and_many_rows(dispatcher, report):
    report(photos=[])
    url = "/search/?region=371082001&status=open"
    few = count_queries(dispatcher, url)
    for _ in range(12):
        report(photos=[])
    many = count_queries(dispatcher, url)
    assert len(result_ids(dispatcher.get(url).content.decode())) == 13
    assert many == few


def test_exports_keep_text_that_looks_like_a_formula_as_text(dispatcher, report):
    report(description="=HYPERLINK(\"http://example.invalid\",\"点我\")", photos=[])
    sheet = load_workbook(io.BytesIO(dispatcher.get("/search/export.xlsx").content)).active
    description = sheet.cell(row=2, column=HEADERS.index("描述") + 1)
    assert description.data_type == "s" and description.value.startswith("=HYPERLINK")
    assert description.font.name == "宋体"
    rows = list(csv.reader(io.StringIO(dispatcher.get("/search/export.csv").content.decode("utf-8-sig"))))
    assert rows[1][HEADERS.index("描述")].startswith("'=HYPERLINK")
