"""The weekly supervision notice and the month-settled reminder, as the worker runs them."""

from __future__ import annotations

import pytest

from renju.assessment.runs import assessment_draft, assessment_publish
from renju.assessment.schedule import month_settled, weekly_supervision
from renju.notify.jobs import JOBS
from renju.notify.models import Notification
from renju.plans.active import active_plan
from tests.conftest import beijing

pytestmark = pytest.mark.django_db


def test_both_jobs_are_registered_with_the_worker():
    assert {"weekly_supervision", "month_settled"} <= {j.name for j in JOBS}


def test_units_with_overdue_problems_get_one_supervision_notice_a_week(late, users):
    late("yatou", 2023, 10, 9, 9)
    assert weekly_supervision(beijing(2023, 10, 16, 9))["units"] == 1
    weekly_supervision(beijing(2023, 10, 16, 15))
    note = Notification.objects.get(kind="supervision")  # once a week, however often the job runs
    assert note.recipient == users["yatou"] and note.period == "2023-W42" and "超期未整改问题 1 个" in note.body


def test_scorers_hear_once_when_a_month_is_settled_and_not_after_publishing(late, users):
    late("yatou", 2023, 10, 9, 9)
    due = Notification.objects.filter(kind="assessment_due", period="2023-10")
    month_settled(beijing(2023, 11, 3, 9))  # October settles at the close of 3 November, its third working day
    assert not due.exists()
    month_settled(beijing(2023, 11, 6, 9))
    month_settled(beijing(2023, 11, 7, 9))
    assert [n.recipient.username for n in due] == ["scorer"]
    due.delete()
    run = assessment_draft(actor=users["scorer"], plan=active_plan().plan, period="2023-10")
    assessment_publish(actor=users["scorer"], run_id=run.id, now=beijing(2023, 11, 6, 10))
    assert month_settled(beijing(2023, 11, 8, 9))["notifications"] == 0
