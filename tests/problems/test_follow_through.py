"""Follow-through: rework gets the plan's deadline, extensions within the plan's limits, key problems."""

import datetime as dt

import pytest

from renju.plans.active import active_plan
from renju.plans.worktime import TimeLimit
from renju.problems import lifecycle
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused
from renju.problems.models import Problem
from tests.conftest import beijing, prepared_photo

pytestmark = pytest.mark.django_db


def dispatched_at(report, users, when):
    problem = report(at=when)
    lifecycle.problem_accept(actor=users["dispatcher"], problem_id=problem.id, at=when)
    return lifecycle.problem_dispatch(actor=users["dispatcher"], problem_id=problem.id, at=when)


def test_a_failed_verification_gives_the_unit_the_plans_rework_deadline(report, users):
    problem = dispatched_at(report, users, beijing(2023, 10, 10, 9, 0))
    handler = users[problem.unit.code]
    lifecycle.problem_rectify(actor=handler, problem_id=problem.id, note="已清理", photos=[prepared_photo(2)],
                              at=beijing(2023, 10, 10, 10, 0))
    problem = lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="fail",
                                       reason="仍有垃圾", at=beijing(2023, 10, 12, 16, 0))
    # The Rongcheng plan's rework limit is 1 working day: to the close of Friday 2023-10-13.
    assert problem.due_at == beijing(2023, 10, 13, 17, 30)
    assert problem.events.get(action="verify").details["time_limit"] == "1个工作日"


def test_an_approved_extension_moves_the_deadline_and_the_history_shows_both(dispatched, users):
    problem = dispatched()
    old_due = problem.due_at
    until = old_due + dt.timedelta(days=3)
    lifecycle.problem_extension_request(actor=users[problem.unit.code], problem_id=problem.id, until=until,
                                        reason="需协调产权单位")
    problem = lifecycle.problem_extension_decide(actor=users["dispatcher"], problem_id=problem.id, approve=True)
    assert problem.due_at == until
    decision = problem.events.get(action="extension_decide").details
    assert (decision["from"], decision["to"]) == (old_due.isoformat(), until.isoformat())


def test_a_refused_extension_keeps_the_deadline_and_needs_a_reason(dispatched, users):
    problem = dispatched()
    old_due = problem.due_at
    lifecycle.problem_extension_request(actor=users[problem.unit.code], problem_id=problem.id,
                                        until=old_due + dt.timedelta(days=1), reason="人手不足")
    with pytest.raises(InvalidInput):
        lifecycle.problem_extension_decide(actor=users["dispatcher"], problem_id=problem.id, approve=False)
    problem = lifecycle.problem_extension_decide(actor=users["dispatcher"], problem_id=problem.id, approve=False,
                                                 note="问题简单，应按期完成")
    assert problem.due_at == old_due


def test_an_extension_across_a_holiday_counts_working_days_for_its_cap(report, users):
    # Dispatched 2023-09-26; the 1-working-day... whatever the category's limit, the cap counts 10 working days
    # from the deadline and skips the National Day break (09-29 … 10-06).
    problem = dispatched_at(report, users, beijing(2023, 9, 26, 9, 0))
    handler = users[problem.unit.code]
    cap = active_plan().calendar.deadline(problem.due_at, TimeLimit(10, "working_days"))
    assert cap - problem.due_at > dt.timedelta(days=14)  # ten working days span the eight-day break
    with pytest.raises(InvalidInput) as exc:
        lifecycle.problem_extension_request(actor=handler, problem_id=problem.id, until=cap + dt.timedelta(hours=1),
                                            reason="节日期间无法施工", at=beijing(2023, 9, 27, 9, 0))
    assert "limit on extensions" in exc.value.errors["until"][0]
    lifecycle.problem_extension_request(actor=handler, problem_id=problem.id, until=cap, reason="节日期间无法施工",
                                        at=beijing(2023, 9, 27, 9, 0))
    problem = lifecycle.problem_extension_decide(actor=users["dispatcher"], problem_id=problem.id, approve=True,
                                                 at=beijing(2023, 9, 27, 10, 0))
    assert problem.due_at == cap


def test_a_unit_gets_at_most_the_plans_number_of_extensions(dispatched, users):
    problem = dispatched()
    handler = users[problem.unit.code]
    for _ in range(2):
        lifecycle.problem_extension_request(actor=handler, problem_id=problem.id,
                                            until=problem.due_at + dt.timedelta(hours=2), reason="延期")
        problem = lifecycle.problem_extension_decide(actor=users["dispatcher"], problem_id=problem.id, approve=True)
    with pytest.raises(InvalidInput, match="上限"):
        lifecycle.problem_extension_request(actor=handler, problem_id=problem.id,
                                            until=problem.due_at + dt.timedelta(hours=2), reason="再延期")


def test_only_one_request_waits_at_a_time_and_another_unit_cannot_ask(dispatched, users):
    problem = dispatched()
    until = problem.due_at + dt.timedelta(days=1)
    lifecycle.problem_extension_request(actor=users[problem.unit.code], problem_id=problem.id, until=until,
                                        reason="延期")
    with pytest.raises(TransitionRefused):
        lifecycle.problem_extension_request(actor=users[problem.unit.code], problem_id=problem.id, until=until,
                                            reason="再次")
    other = next(u for u in users.values() if u.role == "handler" and u.unit_id != problem.unit_id)
    with pytest.raises(ActionForbidden):
        lifecycle.problem_extension_request(actor=other, problem_id=problem.id, until=until, reason="x")


def test_deciding_without_a_pending_request_is_refused(dispatched, users):
    problem = dispatched()
    with pytest.raises(TransitionRefused):
        lifecycle.problem_extension_decide(actor=users["dispatcher"], problem_id=problem.id, approve=True)


def test_flagging_a_key_problem_is_an_event_and_only_dispatchers_do_it(report, users):
    problem = report()
    with pytest.raises(ActionForbidden):
        lifecycle.problem_flag_key(actor=users["inspector"], problem_id=problem.id, is_key=True)
    lifecycle.problem_flag_key(actor=users["dispatcher"], problem_id=problem.id, is_key=True, reason="群众反映强烈")
    assert Problem.objects.get(pk=problem.pk).is_key
    assert problem.events.get(action="flag_key").details == {"is_key": True, "reason": "群众反映强烈"}
    with pytest.raises(TransitionRefused):
        lifecycle.problem_flag_key(actor=users["dispatcher"], problem_id=problem.id, is_key=True)


def test_a_handler_asks_for_an_extension_on_the_problem_page_and_a_dispatcher_approves_it(dispatched, users):
    from django.test import Client

    problem = dispatched()
    handler, dispatcher = Client(), Client()
    handler.force_login(users[problem.unit.code])
    dispatcher.force_login(users["dispatcher"])
    until = (problem.due_at + dt.timedelta(days=2)).astimezone(beijing(2023, 1, 1).tzinfo)
    page = handler.get(f"/problems/{problem.id}/").content.decode()
    assert "申请延期" in page
    handler.post(f"/problems/{problem.id}/extension_request/",
                 {"until": until.strftime("%Y-%m-%dT%H:%M"), "reason": "需要协调"})
    assert "延期申请" in dispatcher.get(f"/problems/{problem.id}/").content.decode()
    dispatcher.post(f"/problems/{problem.id}/extension_decide/", {"approve": "1", "note": ""})
    assert Problem.objects.get(pk=problem.pk).due_at == until.replace(second=0, microsecond=0)


def test_reworks_are_counted_per_problem_and_per_unit(dispatched, users):
    from django.utils import timezone

    from renju.problems.queries.followup import rework_count, rework_counts_by_unit

    problem = dispatched()
    handler = users[problem.unit.code]
    for attempt in range(2):
        lifecycle.problem_rectify(actor=handler, problem_id=problem.id, note="整改", photos=[prepared_photo(attempt)])
        lifecycle.problem_verify(actor=users["inspector"], problem_id=problem.id, result="fail", reason="不彻底")
    assert rework_count(problem) == 2
    now = timezone.now()
    assert rework_counts_by_unit(now - dt.timedelta(days=1), now + dt.timedelta(days=1)) == {problem.unit.code: 2}


def test_pending_extensions_are_listed_until_decided(dispatched, users):
    from renju.problems.queries.followup import problems_with_pending_extension

    problem = dispatched()
    lifecycle.problem_extension_request(actor=users[problem.unit.code], problem_id=problem.id,
                                        until=problem.due_at + dt.timedelta(days=1), reason="延期")
    assert list(problems_with_pending_extension()) == [problem]
    lifecycle.problem_extension_decide(actor=users["dispatcher"], problem_id=problem.id, approve=True)
    assert list(problems_with_pending_extension()) == []


def test_dispatchers_see_pending_extensions_and_key_problems_in_their_own_queues(dispatched, users):
    from django.test import Client

    asking = dispatched()
    key = dispatched()
    lifecycle.problem_extension_request(actor=users[asking.unit.code], problem_id=asking.id,
                                        until=asking.due_at + dt.timedelta(days=1), reason="延期")
    lifecycle.problem_flag_key(actor=users["dispatcher"], problem_id=key.id, is_key=True)
    client = Client()
    client.force_login(users["dispatcher"])
    extension_page = client.get("/dispatch/?queue=extension").content.decode()
    key_page = client.get("/dispatch/?queue=key").content.decode()
    assert asking.number in extension_page and key.number not in extension_page
    assert key.number in key_page and asking.number not in key_page


def test_a_suspended_problem_is_not_overdue_and_resuming_gives_back_the_working_time(report, users):
    problem = dispatched_at(report, users, beijing(2023, 10, 10, 9, 0))
    due = problem.due_at
    problem = lifecycle.problem_suspend(actor=users["dispatcher"], problem_id=problem.id, reason="等待产权单位审批",
                                        at=beijing(2023, 10, 10, 10, 0))
    assert problem.status == "suspended" and not problem.is_overdue(now=due + dt.timedelta(days=30))
    # Stopped from Tue 10:00 to Wed 10:00: 2 h + 4 h on Tuesday and 1.5 h on Wednesday morning are given back.
    problem = lifecycle.problem_resume(actor=users["dispatcher"], problem_id=problem.id,
                                       at=beijing(2023, 10, 11, 10, 0))
    assert problem.status == "dispatched"
    resumed = problem.events.get(action="resume").details
    assert resumed["stopped_working_minutes"] == 7 * 60 + 30
    assert problem.due_at == active_plan().calendar.add_working_minutes(due, 450)


def test_only_dispatchers_suspend_and_a_reason_is_needed(dispatched, users):
    problem = dispatched()
    with pytest.raises(ActionForbidden):
        lifecycle.problem_suspend(actor=users[problem.unit.code], problem_id=problem.id, reason="x")
    with pytest.raises(InvalidInput):
        lifecycle.problem_suspend(actor=users["dispatcher"], problem_id=problem.id, reason=" ")


def test_key_problems_come_first_in_the_units_inbox(dispatched, users):
    import re

    from django.test import Client

    ordinary = dispatched()
    key = dispatched()
    lifecycle.problem_flag_key(actor=users["dispatcher"], problem_id=key.id, is_key=True)
    client = Client()
    client.force_login(users[ordinary.unit.code])
    html = client.get("/unit/").content.decode()
    ids = [int(i) for i in re.findall(r'class="inbox-row[^"]*" data-problem-id="(\d+)"', html)]
    assert ids.index(key.id) < ids.index(ordinary.id)
