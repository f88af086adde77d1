"""整改台账: a hard problem gets a plan and milestones, and closes only when the last milestone is verified."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from renju.problems import lifecycle
from renju.problems.errors import InvalidInput, TransitionRefused
from renju.problems.models import Status
from renju.problems.queries.ledger import ledger_items, overdue_milestones
from tests.conftest import prepared_photo

pytestmark = pytest.mark.django_db


def ledgered(dispatched, users):
    problem = dispatched()
    today = timezone.localdate()
    return lifecycle.problem_ledger(actor=users["dispatcher"], problem_id=problem.id, plan="先拆除后绿化", milestones=[
        {"title": "拆除违建", "due_on": today + dt.timedelta(days=10), "responsible": "张三"},
        {"title": "清运绿化", "due_on": today + dt.timedelta(days=30), "responsible": "李四"},
    ])


def test_a_ledgered_problem_closes_only_when_its_last_milestone_is_verified(dispatched, users):
    problem = ledgered(dispatched, users)
    assert problem.status == Status.LEDGERED
    handler, inspector = users[problem.unit.code], users["inspector"]
    for step in (1, 2):
        lifecycle.problem_ledger_progress(actor=handler, problem_id=problem.id, milestone=step, note="完成",
                                          done=True, photos=[prepared_photo(step)])
        problem = lifecycle.problem_milestone_verify(actor=inspector, problem_id=problem.id, milestone=step,
                                                     result="pass")
        assert problem.status == (Status.LEDGERED if step == 1 else Status.CLOSED)
    assert problem.closed_at is not None


def test_a_milestone_not_reported_done_cannot_be_verified_and_a_failed_check_reopens_it(dispatched, users):
    problem = ledgered(dispatched, users)
    with pytest.raises(TransitionRefused):
        lifecycle.problem_milestone_verify(actor=users["inspector"], problem_id=problem.id, milestone=1,
                                           result="pass")
    lifecycle.problem_ledger_progress(actor=users[problem.unit.code], problem_id=problem.id, milestone=1,
                                      note="完成", done=True, photos=[prepared_photo(1)])
    lifecycle.problem_milestone_verify(actor=users["inspector"], problem_id=problem.id, milestone=1, result="fail",
                                       reason="未拆除干净")
    assert problem.milestones.get(position=1).reported_done_at is None


def test_milestones_must_be_dated_in_order_and_complete(dispatched, users):
    problem = dispatched()
    today = timezone.localdate()
    with pytest.raises(InvalidInput):
        lifecycle.problem_ledger(actor=users["dispatcher"], problem_id=problem.id, plan="x", milestones=[
            {"title": "b", "due_on": today + dt.timedelta(days=5), "responsible": "甲"},
            {"title": "a", "due_on": today + dt.timedelta(days=1), "responsible": "乙"},
        ])


def test_overdue_milestones_count_and_the_ledger_lists_them(dispatched, users):
    problem = ledgered(dispatched, users)
    later = timezone.localdate() + dt.timedelta(days=11)
    assert list(overdue_milestones(later).values_list("title", flat=True)) == ["拆除违建"]
    items = ledger_items(user=users["dispatcher"], today=later)
    assert items[0]["problem"] == problem and items[0]["overdue"] == 1


def test_the_ledger_page_and_its_spreadsheet_have_one_row_per_item(dispatched, users):
    import io

    from openpyxl import load_workbook

    problem = ledgered(dispatched, users)
    client = Client()
    client.force_login(users["dispatcher"])
    assert problem.number in client.get("/ledger/").content.decode()
    sheet = load_workbook(io.BytesIO(client.get("/ledger/export.xlsx").content)).active
    assert [c.value for c in sheet[1]][:3] == ["编号", "问题类型", "位置"]
    assert sheet.max_row == 2 and sheet["A2"].value == problem.number
    other = Client()
    other.force_login(next(u for u in users.values() if u.role == "handler" and u.unit_id != problem.unit_id))
    assert problem.number not in other.get("/ledger/").content.decode()


def test_a_dispatcher_puts_a_problem_on_the_ledger_from_its_page(dispatched, users):
    problem = dispatched()
    client = Client()
    client.force_login(users["dispatcher"])
    day = timezone.localdate() + dt.timedelta(days=20)
    client.post(f"/problems/{problem.id}/ledger/", {"plan": "分步整改", "milestones": f"拆除 | {day} | 王五"})
    problem.refresh_from_db()
    assert problem.status == Status.LEDGERED and problem.milestones.get().responsible == "王五"
