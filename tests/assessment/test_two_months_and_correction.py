"""Two consecutive months scored from real lifecycle events, the escalation rule across them, and a correction.

Hand computation (Rongcheng rules; 暴露垃圾 has a 4-working-hour limit, so an unrectified problem is late the same
or the next working day):
October — 崖头街道: two problems found and left overdue: 2 × (0.3 + 1.0) = 2.6 → 97.4; due 2 of the group's
most 2, nothing closed: composite 0.1×0 + 0 + 0 + 0.3×100 = 30; 0.7×97.4 + 0.3×30 = 77.18.
城西街道: one such problem: 98.7; 立案数分值 100×(1 − 1/2) = 50: composite 5 + 30 = 35; 69.09 + 10.5 = 79.59.
The other 23 towns: nothing due, 100. Ranks: 23 tied first, 城西 24th, 崖头 25th: the bottom two.
November — each of the two has one new problem left overdue: 98.7, composite 30 (both carry the group's most,
1), 69.09 + 9 = 78.09, tied 24th: both in the bottom two again → both escalated.
Correction — 崖头's November overdue is waived on appeal: 99.7 → 69.79 + 9 = 78.79, 24th; 城西 25th.
"""

from __future__ import annotations

import pytest

from renju.assessment.models import AssessmentRun
from renju.assessment.runs import adjustment_add, assessment_draft, assessment_publish
from renju.assessment.stored import run_changes, run_result
from renju.plans.active import active_plan
from renju.problems.errors import InvalidInput, TransitionRefused
from tests.conftest import beijing

pytestmark = pytest.mark.django_db


def towns(run):
    return {u.code: u for u in run_result(run).units if u.group == "towns"}


@pytest.fixture
def october(late, users):
    late("yatou", 2023, 10, 9, 9)
    late("yatou", 2023, 10, 10, 9)
    late("chengxi", 2023, 10, 11, 9)
    plan = active_plan().plan
    run = assessment_draft(actor=users["scorer"], plan=plan, period="2023-10")
    return assessment_publish(actor=users["scorer"], run_id=run.id, now=beijing(2023, 11, 10, 9))


def test_october_scores_ranks_and_bottom_two(october):
    units = towns(october)
    assert (units["yatou"].score, units["chengxi"].score) == pytest.approx((77.18, 79.59))
    assert (units["yatou"].rank, units["chengxi"].rank) == (25, 24)
    assert units["kaifaqu"].score == 100 and units["kaifaqu"].rank == 1 and units["kaifaqu"].tied
    assert sorted(c for c, u in units.items() if u.bottom) == ["chengxi", "yatou"]
    assert not any(u.escalated for u in units.values())  # no September to compare with
    assert not any(u.praised for u in units.values())  # 23 share the top: nobody stands out


def test_bottom_two_months_running_are_escalated(october, late, users):
    late("yatou", 2023, 11, 6, 9)
    late("chengxi", 2023, 11, 7, 9)
    run = assessment_draft(actor=users["scorer"], plan=active_plan().plan, period="2023-11")
    units = towns(run)
    assert (units["yatou"].score, units["chengxi"].score) == pytest.approx((78.09, 78.09))
    assert (units["yatou"].rank, units["chengxi"].rank) == (24, 24)
    assert sorted(c for c, u in units.items() if u.escalated) == ["chengxi", "yatou"]
    # October's overdue problems are still open, but they were counted in October, not again now.
    assert [x.rule for x in units["yatou"].lines] == ["found", "overdue"]


def test_a_correction_is_a_new_version_that_shows_what_changed(october, late, users):
    plan = active_plan().plan
    late("yatou", 2023, 11, 6, 9)
    late("chengxi", 2023, 11, 7, 9)
    first = assessment_draft(actor=users["scorer"], plan=plan, period="2023-11")
    first = assessment_publish(actor=users["scorer"], run_id=first.id, now=beijing(2023, 12, 8, 9))
    overdue = next(x for x in towns(first)["yatou"].lines if x.rule == "overdue")

    adjustment_add(actor=users["scorer"], plan=plan, period="2023-11", unit="yatou", kind="waive", rule="overdue",
                   problem=overdue.problem_number, reason="暴雨红色预警停工，申诉成立")
    with pytest.raises(InvalidInput) as refused:
        assessment_draft(actor=users["scorer"], plan=plan, period="2023-11")
    assert "reason" in refused.value.errors

    second = assessment_draft(actor=users["scorer"], plan=plan, period="2023-11", reason="崖头街道申诉核减")
    assert (second.version, second.replaces_id) == (2, first.id)
    changes = {c.code: c for c in run_changes(second)}
    assert set(changes) == {"yatou", "chengxi"}
    assert (changes["yatou"].old_score, changes["yatou"].new_score) == pytest.approx((78.09, 78.79))
    assert (changes["chengxi"].old_rank, changes["chengxi"].new_rank) == (24, 25)
    assert [x.rule for x in changes["yatou"].added] == ["overdue"]  # the same line, now counted 0 with its reason
    assert changes["yatou"].added[0].counted == 0 and "申诉成立" in changes["yatou"].added[0].reason

    assessment_publish(actor=users["scorer"], run_id=second.id, now=beijing(2023, 12, 9, 9))
    first.refresh_from_db()
    assert first.status == AssessmentRun.Status.SUPERSEDED
    assert towns(first)["yatou"].score == pytest.approx(78.09)  # the old version is kept as it was


def test_a_published_month_cannot_be_published_again_or_before_its_cutoff(october, users):
    with pytest.raises(TransitionRefused):
        assessment_publish(actor=users["scorer"], run_id=october.id, now=beijing(2023, 12, 1))
    november = assessment_draft(actor=users["scorer"], plan=active_plan().plan, period="2023-11")
    with pytest.raises(TransitionRefused, match="数据截止"):
        assessment_publish(actor=users["scorer"], run_id=november.id, now=beijing(2023, 11, 30, 12))


def test_rerunning_a_month_gives_the_same_scores_and_lines(october, users):
    again = assessment_draft(actor=users["scorer"], plan=active_plan().plan, period="2023-10", reason="复核")
    assert run_changes(again) == []


def test_only_scorers_compute_or_publish(users):
    from renju.problems.errors import ActionForbidden

    for who in ("dispatcher", "inspector", "yatou", "leader"):
        with pytest.raises(ActionForbidden):
            assessment_draft(actor=users[who], plan=active_plan().plan, period="2023-10")


def test_a_bad_period_names_the_field(users):
    with pytest.raises(InvalidInput) as refused:
        assessment_draft(actor=users["scorer"], plan=active_plan().plan, period="2023-13")
    assert "period" in refused.value.errors


def test_the_database_refuses_to_change_a_published_month(october):
    from django.db import DatabaseError, transaction

    from renju.assessment.models import ScoreLine, UnitScore

    for attempt in (lambda: UnitScore.objects.filter(run=october).update(score=100),
                    lambda: ScoreLine.objects.filter(run=october).delete(),
                    lambda: AssessmentRun.objects.filter(pk=october.pk).update(status="draft"),
                    lambda: AssessmentRun.objects.filter(pk=october.pk).delete()):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert towns(october)["yatou"].score == pytest.approx(77.18)
