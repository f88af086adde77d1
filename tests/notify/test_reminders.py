"""When a unit is reminded: four working hours before its deadline, at it, and each working day it stays overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from renju.notify import reminders
from renju.notify.jobs import mark_overdue, remind_deadlines
from renju.notify.models import Kind
from renju.plans.active import active_plan
from renju.problems.models import Problem
from tests.conftest import beijing
from tests.notify.conftest import told

pytestmark = pytest.mark.django_db


def kinds_selected(problem: Problem, now: dt.datetime) -> set[str]:
    selected = reminders.due_reminders(now) + reminders.newly_overdue(now)
    return {d.kind for d in selected if d.problem_id == problem.id}


def test_reminder_comes_when_four_working_hours_are_left_and_not_a_minute_before(on_clock):
    problem = on_clock(beijing(2023, 10, 10, 17, 30))  # a Tuesday; 13:30–17:30 is its last four working hours

    assert kinds_selected(problem, beijing(2023, 10, 10, 11, 59)) == set()
    assert kinds_selected(problem, beijing(2023, 10, 10, 12, 0)) == {Kind.DUE_SOON}


def test_lunch_break_does_not_count_as_working_time_left(on_clock):
    problem = on_clock(beijing(2023, 10, 10, 15, 0))  # 4 working hours before: 09:30 (12:00–13:30 is lunch)

    assert kinds_selected(problem, beijing(2023, 10, 10, 9, 29)) == set()
    assert kinds_selected(problem, beijing(2023, 10, 10, 9, 30)) == {Kind.DUE_SOON}
    assert kinds_selected(problem, beijing(2023, 10, 10, 13, 0)) == {Kind.DUE_SOON}


def test_exactly_at_the_deadline_it_is_due_and_not_yet_overdue_a_second_later_it_is(on_clock, users):
    due = beijing(2023, 10, 10, 17, 30)
    problem = on_clock(due)

    assert kinds_selected(problem, due) == {Kind.DUE_SOON}
    mark_overdue(due)
    assert told(problem, Kind.OVERDUE) == []

    mark_overdue(due + dt.timedelta(seconds=1))
    assert told(problem, Kind.OVERDUE) == sorted([problem.unit.code, "dispatcher"])
    assert Problem.objects.get(pk=problem.pk).status == "dispatched"  # overdue is derived, never written


def test_deadline_after_the_national_day_break_is_reminded_before_the_break(on_clock):
    # 2023: 29 Sep – 6 Oct off, 7–8 Oct (Sat, Sun) make-up working days. Due 7 Oct 09:30: one working hour that
    # morning, three on 28 Sep from 14:30 — so the unit hears of it before the holiday, not at 05:30 on 7 Oct.
    problem = on_clock(beijing(2023, 10, 7, 9, 30))

    remind_deadlines(beijing(2023, 9, 28, 14, 29))
    assert told(problem, Kind.DUE_SOON) == []
    remind_deadlines(beijing(2023, 9, 28, 14, 30))
    assert told(problem, Kind.DUE_SOON) == sorted([problem.unit.code, "dispatcher"])


def test_overdue_is_repeated_each_later_working_day_from_its_start_never_on_holidays(on_clock):
    problem = on_clock(beijing(2023, 9, 28, 17, 30))  # the last working day before National Day
    mark_overdue(beijing(2023, 9, 28, 17, 31))
    remind_deadlines(beijing(2023, 9, 28, 20, 0))
    remind_deadlines(beijing(2023, 10, 1, 10, 0))  # National Day
    remind_deadlines(beijing(2023, 10, 7, 8, 29))  # a make-up working day, before its working hours
    assert told(problem, Kind.OVERDUE_DAILY) == []

    remind_deadlines(beijing(2023, 10, 7, 8, 30))
    remind_deadlines(beijing(2023, 10, 7, 15, 0))
    assert told(problem, Kind.OVERDUE_DAILY) == [problem.unit.code]

    remind_deadlines(beijing(2023, 10, 8, 9, 0))
    periods = problem.notifications.filter(kind=Kind.OVERDUE_DAILY).values_list("period", flat=True)
    assert sorted(periods) == ["2023-10-07", "2023-10-08"]


def test_a_worker_back_after_days_away_sends_todays_repeat_only(on_clock):
    problem = on_clock(beijing(2023, 10, 9, 17, 30))

    remind_deadlines(beijing(2023, 10, 13, 9, 0))

    assert list(problem.notifications.filter(kind=Kind.OVERDUE_DAILY).values_list("period", flat=True)) == [
        "2023-10-13"]


def test_a_moved_deadline_is_reminded_again(on_clock):
    problem = on_clock(beijing(2023, 10, 10, 17, 30))
    remind_deadlines(beijing(2023, 10, 10, 14, 0))
    Problem.objects.filter(pk=problem.pk).update(due_at=beijing(2023, 10, 12, 17, 30))  # e.g. an extension

    remind_deadlines(beijing(2023, 10, 12, 14, 0))

    assert problem.notifications.filter(kind=Kind.DUE_SOON, recipient__username=problem.unit.code).count() == 2


def test_problems_off_the_clock_are_not_reminded(on_clock, users):
    from renju.problems import lifecycle
    from tests.conftest import prepared_photo

    problem = on_clock(beijing(2023, 10, 10, 17, 30))
    lifecycle.problem_rectify(actor=users[problem.unit.code], problem_id=problem.id, note="已清理",
                              photos=[prepared_photo(2)])

    assert kinds_selected(problem, beijing(2023, 10, 10, 16, 0)) == set()
    assert kinds_selected(problem, beijing(2023, 10, 12, 16, 0)) == set()


def test_the_sql_selection_agrees_with_the_rule_for_every_deadline_around_now(on_clock):
    template = on_clock(beijing(2023, 10, 9, 9, 0))
    now = beijing(2023, 10, 10, 10, 15)
    deadlines = [now + dt.timedelta(minutes=37 * k) for k in range(-160, 160)]
    for n, due in enumerate(deadlines):
        template.pk = None
        template.number = f"RC-TEST-{n:05d}"
        template.client_key = None
        template.due_at = due
        template.save()
    calendar = active_plan().calendar

    expected = {(d, kind) for d in deadlines for kind, _ in reminders.kinds_due(d, now, calendar, 4)}
    selected = {(d.due_at, d.kind) for d in reminders.due_reminders(now) + reminders.newly_overdue(now)
                if d.due_at in set(deadlines)}

    assert selected == expected
    assert {kind for _, kind in expected} == {Kind.DUE_SOON, Kind.OVERDUE, Kind.OVERDUE_DAILY}
