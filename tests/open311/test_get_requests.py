"""GET requests and GET one request: the spec's fields and filters, paging, who sees what, and no personal data."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renju.problems import lifecycle
from tests.conftest import prepared_photo
from tests.open311 import spec_examples as spec
from tests.open311.conftest import BASE, child_names, errors_of, json_of, xml_of

pytestmark = pytest.mark.django_db


def numbers(response) -> list[str]:
    return [r["service_request_id"] for r in json_of(response)]


def test_a_request_has_the_spec_fields_in_the_spec_order_in_xml_and_json(o311, report):
    problem = report(description="路边暴露垃圾", address="成山大道88号")
    root = xml_of(o311.get(f"{BASE}/requests.xml"))
    theirs = ET.fromstring(spec.REQUESTS_XML.encode())
    assert root.tag == theirs.tag and len(root) == 1
    assert child_names(root[0]) == child_names(theirs[0])
    request = root[0]
    assert request.findtext("service_request_id") == problem.number
    assert request.findtext("status") == "open" and request.findtext("status_notes") == "已收到，待审核立案"
    assert (request.findtext("service_code"), request.findtext("service_name")) == ("06010", "暴露垃圾")
    assert request.findtext("address") == "成山大道88号" and request.findtext("address_id") == problem.region.code
    assert request.findtext("requested_datetime").endswith("+08:00")
    assert float(request.findtext("lat")) == problem.lat and float(request.findtext("long")) == problem.lng
    assert request.findtext("media_url") == ""  # no key: photos are not public

    body = json_of(o311.get(f"{BASE}/requests.json"))
    assert list(body[0]) == list(spec.spec_json(spec.REQUESTS_JSON)[0])
    assert body[0]["zipcode"] is None and body[0]["agency_responsible"] is None


def test_one_request_answers_like_the_list_and_404_when_unknown(o311, report):
    problem = report()
    root = xml_of(o311.get(f"{BASE}/requests/{problem.number}.xml"))
    assert child_names(root[0]) == child_names(ET.fromstring(spec.REQUESTS_XML.encode())[0])
    assert json_of(o311.get(f"{BASE}/requests/{problem.number}.json"))[0]["service_request_id"] == problem.number
    missing = o311.get(f"{BASE}/requests/RC-19990101-0001.json")
    assert missing.status_code == 404 and errors_of(missing)[0][0] == 404


def test_states_map_to_open_and_closed_with_notes_a_caller_understands(o311, report, dispatched, users):
    d = users["dispatcher"]
    open_one = dispatched()
    rejected = report()
    lifecycle.problem_reject(actor=d, problem_id=rejected.id, reason="经核实为私人庭院，不属于整治范围")
    merged = report()
    lifecycle.problem_merge(actor=d, problem_id=merged.id, into=open_one.id)
    closed = dispatched()
    lifecycle.problem_rectify(actor=users["yatou"], problem_id=closed.id, note="已清理", photos=[prepared_photo(7)])
    lifecycle.problem_verify(actor=users["inspector"], problem_id=closed.id, result="pass")
    rows = {r["service_request_id"]: r for r in json_of(o311.get(f"{BASE}/requests.json"))}
    assert rows[open_one.number]["status"] == "open"
    assert rows[open_one.number]["status_notes"] == "已派遣崖头街道整改"
    assert rows[open_one.number]["agency_responsible"] == "崖头街道"
    assert rows[open_one.number]["expected_datetime"] is not None
    assert rows[rejected.number]["status"] == "closed"
    assert rows[rejected.number]["status_notes"] == "不予立案：经核实为私人庭院，不属于整治范围"
    assert rows[merged.number]["status"] == "closed"
    assert rows[merged.number]["status_notes"] == f"与 {open_one.number} 为同一问题，已合并办理"
    assert rows[closed.number]["status"] == "closed" and "销号" in rows[closed.number]["status_notes"]
    closed.refresh_from_db()
    assert rows[closed.number]["updated_datetime"] == closed.closed_at.astimezone(
        dt.timezone(dt.timedelta(hours=8))).replace(microsecond=0).isoformat()


def test_status_filters_open_closed_and_both(o311, report, users):
    kept, refused = report(), report()
    lifecycle.problem_reject(actor=users["dispatcher"], problem_id=refused.id, reason="重复")
    assert numbers(o311.get(f"{BASE}/requests.json?status=open")) == [kept.number]
    assert numbers(o311.get(f"{BASE}/requests.json?status=closed")) == [refused.number]
    assert set(numbers(o311.get(f"{BASE}/requests.json?status=open,closed"))) == {kept.number, refused.number}
    assert set(numbers(o311.get(f"{BASE}/requests.json?status=open&status=closed"))) == {kept.number, refused.number}
    response = o311.get(f"{BASE}/requests.json?status=pending")
    assert response.status_code == 400 and errors_of(response)[0][1].startswith("status:")


def test_service_code_filters_one_or_several_and_an_unknown_one_is_404(o311, report):
    garbage, dirty, litter = report(category="06010"), report(category="06012"), report(category="06010")
    assert set(numbers(o311.get(f"{BASE}/requests.json?service_code=06010"))) == {garbage.number, litter.number}
    assert set(numbers(o311.get(f"{BASE}/requests.json?service_code=06010,06012"))) == {
        garbage.number, dirty.number, litter.number}
    assert o311.get(f"{BASE}/requests.json?service_code=XYZ").status_code == 404


def test_service_request_id_lists_several_and_overrides_every_other_filter(o311, report):
    with time_machine.travel(dt.datetime(2023, 3, 1, 10, tzinfo=dt.UTC)):
        old = report()
    new = report()
    response = o311.get(f"{BASE}/requests.json?service_request_id={old.number},{new.number},RC-NONE"
                        "&status=closed&service_code=06012")
    assert set(numbers(response)) == {old.number, new.number}


def test_the_default_window_is_the_most_recent_90_days_and_dates_choose_another(o311, report):
    with time_machine.travel(dt.datetime(2023, 3, 1, 10, tzinfo=dt.UTC)):
        old = report()
    new = report()
    assert numbers(o311.get(f"{BASE}/requests.json")) == [new.number]
    assert numbers(o311.get(f"{BASE}/requests.json?start_date=2023-02-01T00:00:00Z&end_date=2023-04-01T00:00:00Z")
                   ) == [old.number]
    assert numbers(o311.get(f"{BASE}/requests.json?start_date=2023-02-15T00:00:00%2B08:00")) == [old.number]
    assert numbers(o311.get(f"{BASE}/requests.json?end_date=2023-03-01")) == [old.number]  # a day: all of it
    assert numbers(o311.get(f"{BASE}/requests.json?end_date=2023-02-28")) == []


@pytest.mark.parametrize("query, field", [
    ("start_date=2023-01-01T00:00:00Z&end_date=2023-06-01T00:00:00Z", "end_date"),
    ("start_date=2023-06-01T00:00:00Z&end_date=2023-01-01T00:00:00Z", "end_date"),
    ("start_date=2023-01-01T00:00:00", "start_date"),
    ("start_date=01/01/2023", "start_date"),
    ("start_date=2023-02-30T00:00:00Z", "start_date"),
    ("start_date=9999-12-31T00:00:00Z", "start_date"),
    ("end_date=0001-01-01", "end_date"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("page_size=1001", "page_size"),
    ("page_size=-5", "page_size"),
    ("page_size=１０", "page_size"),
    ("service_request_id=" + ",".join(str(n) for n in range(1001)), "service_request_id"),
    ("service_code=%00", "service_code"),
])
def test_bad_arguments_are_400_naming_the_argument(o311, query, field):
    for fmt in ("json", "xml"):
        response = o311.get(f"{BASE}/requests.{fmt}?{query}")
        assert response.status_code == 400, (query, response.content)
        assert errors_of(response)[0][1].startswith(f"{field}:"), errors_of(response)


def test_pages_hold_page_size_rows_newest_first_and_link_to_the_next(o311, report):
    filed = [report() for _ in range(5)]
    first = o311.get(f"{BASE}/requests.json?page_size=2")
    assert numbers(first) == [filed[4].number, filed[3].number]
    assert first["Link"] == f'<http://testserver{BASE}/requests.json?page_size=2&page=2>; rel="next"'
    assert numbers(o311.get(f"{BASE}/requests.json?page_size=2&page=2")) == [filed[2].number, filed[1].number]
    last = o311.get(f"{BASE}/requests.json?page_size=2&page=3")
    assert numbers(last) == [filed[0].number] and "Link" not in last


def test_the_default_page_is_100_requests(o311, report, settings):
    from renju.open311 import views

    assert views.REQUESTS_PAGE == 100 and views.MAX_PAGE_SIZE == 1000
    for _ in range(3):
        report()
    assert len(numbers(o311.get(f"{BASE}/requests.json"))) == 3


def test_a_page_costs_the_same_few_queries_however_many_rows(o311, report, users, hotline_key):
    d = users["dispatcher"]
    for n in range(6):
        p = report()
        if n % 3 == 1:
            lifecycle.problem_reject(actor=d, problem_id=p.id, reason="不属实")
    o311.get(f"{BASE}/requests.json?api_key={hotline_key}")  # the key's last use is written once a minute
    counts = []
    for size in (2, 6):
        with CaptureQueriesContext(connection) as captured:
            assert o311.get(f"{BASE}/requests.json?page_size={size}&api_key={hotline_key}").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 8, counts


def test_without_a_key_covert_referral_and_self_check_problems_are_not_shown(o311, report, users, key_for):
    public = report()
    covert = report(visit="covert")
    referral = report(source="referral", actor=users["dispatcher"])
    self_check = report(source="self_check", actor=users["yatou"])
    assert numbers(o311.get(f"{BASE}/requests.json")) == [public.number]
    for hidden in (covert, referral, self_check):
        assert o311.get(f"{BASE}/requests/{hidden.number}.json").status_code == 404
    assert set(numbers(o311.get(f"{BASE}/requests.json?api_key={key_for('dispatcher')}"))) == {
        public.number, covert.number, referral.number, self_check.number}


def test_an_integration_account_sees_the_public_ones_and_everything_it_filed(o311, report, post_request, hotline_key):
    public = report()
    hidden = report(visit="covert")
    own_referral = post_request("json", **{"attribute[source]": "referral"}).json()[0]["service_request_id"]
    seen = set(numbers(o311.get(f"{BASE}/requests.json?api_key={hotline_key}")))
    assert seen == {public.number, own_referral}
    assert hidden.number not in seen
    assert numbers(o311.get(f"{BASE}/requests.json")) == [public.number]


def test_a_unit_handler_sees_only_its_units_problems(o311, dispatched, key_for):
    mine = dispatched(region="371082001")  # 崖头街道
    theirs = dispatched(region="371082002")  # 城西街道
    key = key_for("yatou")
    assert numbers(o311.get(f"{BASE}/requests.json?api_key={key}")) == [mine.number]
    assert o311.get(f"{BASE}/requests/{theirs.number}.json?api_key={key}").status_code == 404
    assert o311.get(f"{BASE}/requests/{mine.number}.json", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_a_wrong_key_on_a_read_is_403_not_a_silent_public_answer(o311, report):
    report()
    response = o311.get(f"{BASE}/requests.json?api_key=rj_nonsense")
    assert response.status_code == 403 and errors_of(response)[0][0] == 403


def test_media_url_links_the_first_photo_for_key_holders_only(o311, report, key_for):
    problem = report(photos=[prepared_photo(1), prepared_photo(2)])
    first = problem.photos.order_by("id").first()
    key = key_for("dispatcher")
    row = json_of(o311.get(f"{BASE}/requests/{problem.number}.json?api_key={key}"))[0]
    assert row["media_url"] == f"http://testserver/api/v1/photos/{first.id}/thumbnail"
    assert o311.get(row["media_url"].removeprefix("http://testserver"),
                    HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert json_of(o311.get(f"{BASE}/requests/{problem.number}.json"))[0]["media_url"] is None


def test_a_submitted_media_url_comes_back_as_given(o311, post_request):
    number = post_request("json", media_url="https://img.example.cn/x.jpg").json()[0]["service_request_id"]
    assert json_of(o311.get(f"{BASE}/requests/{number}.json"))[0]["media_url"] == "https://img.example.cn/x.jpg"


def test_no_personal_data_of_the_submitter_ever_comes_back(o311, post_request, hotline_key):
    post_request("json", description="我家门口有垃圾，电话13812345678，邮箱zhang.san@example.com",
                 first_name="张", last_name="三丰", phone="13900001111", email="zs@example.com",
                 device_id="imei-86123", account_id="wx-zhangsan")
    for query in ("", f"?api_key={hotline_key}"):
        for fmt in ("json", "xml"):
            text = o311.get(f"{BASE}/requests.{fmt}{query}").content.decode()
            for secret in ("13812345678", "zhang.san@", "三丰", "13900001111", "zs@example.com", "imei-86123",
                           "wx-zhangsan", "hotline12345"):
                assert secret not in text, (secret, fmt, query)
            assert "138****5678" in text


def test_text_that_xml_cannot_carry_is_escaped_or_dropped_and_the_page_parses(o311, report):
    report(description="<b>垃圾</b> & \x07铃声 ]]> \"引号\"")
    root = xml_of(o311.get(f"{BASE}/requests.xml"))
    assert root[0].findtext("description") == "<b>垃圾</b> & 铃声 ]]> \"引号\""


def test_a_missing_plan_is_a_400_in_the_spec_format(o311, monkeypatch):
    from renju.open311 import views
    from renju.plans.active import NoActivePlan

    def no_plan():
        raise NoActivePlan("no plan is loaded")

    monkeypatch.setattr(views, "active_plan", no_plan)
    response = o311.get(f"{BASE}/requests.json")
    assert response.status_code == 400 and "not running" in errors_of(response)[0][1]


GARBAGE_QUERIES = [
    "status=%FF%FE", "service_request_id=%00", "start_date=%27%3B+DROP+TABLE", "page=99999999999999999999",
    "page_size=1e3", "start_date=2023-13-45T99:99:99Z", "start_date=2023-01-01T00:00:00%2B99:00",
    "service_code=" + "x" * 5000, "service_request_id=" + "9" * 4000, "jurisdiction_id=%00",
    "api_key=%00", "status=open%0D%0ASet-Cookie:x=1",
]


@pytest.mark.parametrize("query", GARBAGE_QUERIES)
def test_garbage_in_the_query_string_is_never_a_500(o311, query):
    for path in ("requests.json", "requests.xml", "servicerequestupdates.xml", "services.json",
                 "requests/RC-1.json", "tokens/x.json"):
        response = o311.get(f"{BASE}/{path}?{query}")
        assert response.status_code in (200, 400, 403, 404), (path, query, response.status_code)


@pytest.mark.parametrize("path", ["requests/%00.json", "requests/" + "9" * 300 + ".xml", "tokens/%FF.json",
                                  "services/%00.xml", "requests/..%2F..%2Fetc.json"])
def test_garbage_in_the_path_is_never_a_500(o311, path):
    assert o311.get(f"{BASE}/{path}").status_code in (400, 404)
