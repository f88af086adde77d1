"""GET servicerequestupdates: the progress of requests as the events of their logs, in time order."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import time_machine

from renju.open311.updates import PUBLIC_ACTIONS
from renju.problems import lifecycle
from renju.problems.models import ProblemEvent
from tests.conftest import prepared_photo
from tests.open311 import spec_examples as spec
from tests.open311.conftest import BASE, child_names, errors_of, json_of, xml_of

pytestmark = pytest.mark.django_db


def full_loop(report, users):
    """Reported, flagged key (internal), accepted, dispatched, rectified with a photo, failed, rectified, passed."""
    d, unit, inspector = users["dispatcher"], users["yatou"], users["inspector"]
    problem = report()
    lifecycle.problem_flag_key(actor=d, problem_id=problem.id, is_key=True)
    lifecycle.problem_accept(actor=d, problem_id=problem.id)
    lifecycle.problem_dispatch(actor=d, problem_id=problem.id)
    lifecycle.problem_rectify(actor=unit, problem_id=problem.id, note="已清理", photos=[prepared_photo(5)])
    lifecycle.problem_verify(actor=inspector, problem_id=problem.id, result="fail", reason="仍有残留")
    lifecycle.problem_rectify(actor=unit, problem_id=problem.id, note="再次清理", photos=[prepared_photo(6)])
    lifecycle.problem_verify(actor=inspector, problem_id=problem.id, result="pass")
    return problem


def test_updates_follow_a_problem_through_its_life_with_extended_statuses(o311, report, users):
    problem = full_loop(report, users)
    body = json_of(o311.get(f"{BASE}/servicerequestupdates.json"))
    assert [u["service_request_id"] for u in body] == [problem.number] * 7  # the key flag is not news for callers
    assert [u["status"] for u in body] == ["open", "investigating", "action_scheduled", "in_progress",
                                           "action_scheduled", "in_progress", "fixed"]
    assert {u["status"] for u in body} <= spec.UPDATE_STATUSES_FMS
    assert [u["external_status_code"] for u in body] == ["reported", "accepted", "dispatched", "rectified", "rework",
                                                         "rectified", "closed"]
    assert body[2]["description"].startswith("已派遣崖头街道，整改时限 ")
    assert body[4]["description"].startswith("现场核查未通过，返工整改")
    assert "仍有残留" not in body[4]["description"]  # the inspector's note is internal
    assert body[6]["description"] == "经现场核查，整改合格，销号"
    events = ProblemEvent.objects.filter(problem=problem).exclude(action="flag_key").order_by("seq")
    assert [u["update_id"] for u in body] == [str(e.id) for e in events]
    assert [u["updated_datetime"] for u in body] == sorted(u["updated_datetime"] for u in body)


def test_the_xml_has_the_extension_elements_in_the_wiki_order(o311, report, users):
    full_loop(report, users)
    root = xml_of(o311.get(f"{BASE}/servicerequestupdates.xml"))
    assert root.tag == "service_request_updates"
    assert {u.tag for u in root} == {"request_update"}
    assert child_names(root[0])[:6] == spec.UPDATE_FIELDS
    their_fields = {e.tag for e in ET.fromstring(spec.UPDATES_XML_FMS_TESTS.encode())[0]}
    assert their_fields <= set(child_names(root[0]))


def test_rectification_photos_are_linked_for_key_holders_and_not_for_the_public(o311, report, users, key_for):
    full_loop(report, users)
    key = key_for("dispatcher")
    keyed = json_of(o311.get(f"{BASE}/servicerequestupdates.json?api_key={key}"))
    with_photos = [u for u in keyed if u["external_status_code"] in ("reported", "rectified")]  # before, after
    assert len(with_photos) == 3
    assert all(u["media_url"].startswith("http://testserver/api/v1/photos/") for u in with_photos)
    assert len({u["media_url"] for u in with_photos}) == 3
    assert o311.get(with_photos[1]["media_url"].removeprefix("http://testserver"),
                    HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert {u["media_url"] for u in keyed if u not in with_photos} == {""}
    assert {u["media_url"] for u in json_of(o311.get(f"{BASE}/servicerequestupdates.json"))} == {""}


def test_rejects_and_merges_say_why_and_into_what(o311, report, users):
    d = users["dispatcher"]
    original, duplicate, refused = report(), report(), report()
    lifecycle.problem_merge(actor=d, problem_id=duplicate.id, into=original.id)
    lifecycle.problem_reject(actor=d, problem_id=refused.id, reason="不在整治范围，联系电话 13812345678")
    body = {(u["service_request_id"], u["status"]): u for u in json_of(o311.get(f"{BASE}/servicerequestupdates.json"))}
    assert body[(duplicate.number, "duplicate")]["description"] == f"与 {original.number} 为同一问题，已合并办理"
    assert body[(refused.number, "no_further_action")]["description"] == "不予立案：不在整治范围，联系电话 138****5678"


def test_the_window_selects_updates_by_their_time(o311, report, users):
    with time_machine.travel(dt.datetime(2023, 3, 1, 2, tzinfo=dt.UTC)):
        old = report()
    with time_machine.travel(dt.datetime(2023, 3, 2, 2, tzinfo=dt.UTC)):
        lifecycle.problem_accept(actor=users["dispatcher"], problem_id=old.id)
    new = report()
    assert [u["service_request_id"] for u in json_of(o311.get(f"{BASE}/servicerequestupdates.json"))] == [new.number]
    march = json_of(o311.get(f"{BASE}/servicerequestupdates.json?start_date=2023-03-01T00:00:00Z"
                             "&end_date=2023-03-01T23:59:59Z"))
    assert [(u["service_request_id"], u["status"]) for u in march] == [(old.number, "open")]
    both = json_of(o311.get(f"{BASE}/servicerequestupdates.json?start_date=2023-03-01"))
    assert [u["status"] for u in both] == ["open", "investigating"]
    too_long = o311.get(f"{BASE}/servicerequestupdates.json?start_date=2023-01-01T00:00:00Z&end_date=2023-12-01"
                        "T00:00:00Z")
    assert too_long.status_code == 400 and errors_of(too_long)[0][1].startswith("end_date:")


def test_updates_page_with_a_link_to_the_next(o311, report):
    for _ in range(3):
        report()
    first = o311.get(f"{BASE}/servicerequestupdates.json?page_size=2")
    assert len(json_of(first)) == 2 and 'page=2' in first["Link"]
    assert len(json_of(o311.get(f"{BASE}/servicerequestupdates.json?page_size=2&page=2"))) == 1


def test_updates_show_what_the_caller_may_see_only(o311, report, dispatched, users, key_for):
    covert = report(visit="covert")
    mine, theirs = dispatched(region="371082001"), dispatched(region="371082002")
    public = {u["service_request_id"] for u in json_of(o311.get(f"{BASE}/servicerequestupdates.json"))}
    assert covert.number not in public and {mine.number, theirs.number} <= public
    handler = {u["service_request_id"] for u in json_of(
        o311.get(f"{BASE}/servicerequestupdates.json?api_key={key_for('yatou')}"))}
    assert handler == {mine.number}
    staff = {u["service_request_id"] for u in json_of(
        o311.get(f"{BASE}/servicerequestupdates.json?api_key={key_for('leader')}"))}
    assert staff == {covert.number, mine.number, theirs.number}


@pytest.mark.parametrize("action", PUBLIC_ACTIONS)
def test_every_public_action_has_words_for_the_caller(action):
    from renju.open311.updates import describe

    event = {"action": action, "details": {}, "to_status": "dispatched", "due_at": None}
    assert describe(event, "崖头街道")


def test_a_verification_is_told_by_the_state_it_led_to():
    from renju.open311.updates import describe

    passed = {"action": "verify", "details": {}, "to_status": "closed", "due_at": None}
    failed = {"action": "verify", "details": {"result": "fail"}, "to_status": "rework", "due_at": None}
    assert describe(passed, "崖头街道") == "经现场核查，整改合格，销号"
    assert describe(failed, "崖头街道").startswith("现场核查未通过")
