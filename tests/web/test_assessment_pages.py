"""The scorer's assessment pages: who may open which, the draft → publish → correct flow through the forms,
adjustments taking effect in the next draft, a unit's lines, form errors, and bounded queries on the month page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from renju.assessment.models import Adjustment, AssessmentRun, UnitScore
from renju.assessment.runs import assessment_draft, assessment_publish
from renju.plans.active import active_plan
from renju.problems import lifecycle
from tests.conftest import beijing, prepared_photo

pytestmark = pytest.mark.django_db

YATOU, CHENGXI, NINGJIN = "371082001", "371082002", "371082003"
PERIOD = "2023-10"
MONTH_URL = f"/assessment/{PERIOD}/"
# October 2023 settles 3 working days after it ends (the plan's rule; the run stores the exact cutoff).
BEFORE_CUTOFF = beijing(2023, 11, 1, 10, 0)
AFTER_CUTOFF = beijing(2023, 11, 7, 9, 0)
MINUTE = dt.timedelta(minutes=1)


def client_as(users, username: str) -> Client:
    client = Client()
    client.force_login(users[username])
    return client


def play(report, users, *, region: str, reported, dispatched=None, rectified=None, closed=None):
    """One problem taken through the lifecycle at the given times."""
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
def october(report, users):
    """Three towns, one problem each, in October 2023 (暴露垃圾: 4 working hours to rectify).

    yatou:   A dispatched 9 Oct 09:20, rectified 11:00 (on time), closed next morning → −0.3 (found)
    chengxi: B dispatched 9 Oct 09:20, never rectified (due 14:50)      → −0.3 (found) −1 (overdue)
    ningjin: C dispatched 10 Oct 09:20, rectified 11:00, closed next day → −0.3 (found)
    """
    d = beijing
    return {
        "A": play(report, users, region=YATOU, reported=d(2023, 10, 9, 9, 0), dispatched=d(2023, 10, 9, 9, 20),
                  rectified=d(2023, 10, 9, 11, 0), closed=d(2023, 10, 10, 9, 30)),
        "B": play(report, users, region=CHENGXI, reported=d(2023, 10, 9, 9, 0), dispatched=d(2023, 10, 9, 9, 20)),
        "C": play(report, users, region=NINGJIN, reported=d(2023, 10, 10, 9, 0), dispatched=d(2023, 10, 10, 9, 20),
                  rectified=d(2023, 10, 10, 11, 0), closed=d(2023, 10, 11, 9, 30)),
    }


@pytest.fixture
def drafted(october, users):
    return assessment_draft(actor=users["scorer"], plan=active_plan().plan, period=PERIOD)


@pytest.fixture
def published(drafted, users):
    return assessment_publish(actor=users["scorer"], run_id=drafted.id, now=AFTER_CUTOFF)


def score_of(run: AssessmentRun, code: str) -> UnitScore:
    return UnitScore.objects.get(run=run, unit__code=code)


# ---------------------------------------------------------------- who may open what


@pytest.mark.parametrize("username", ["scorer", "leader", "admin"])
def test_the_office_opens_the_months_the_month_and_the_staff_page(drafted, users, username):
    client = client_as(users, username)

    assert client.get("/assessment/").status_code == 200
    assert client.get(MONTH_URL).status_code == 200
    assert client.get(f"{MONTH_URL}staff/").status_code == 200
    assert client.get(f"{MONTH_URL}units/chengxi/").status_code == 200


@pytest.mark.parametrize("username", ["inspector", "dispatcher"])
def test_inspectors_and_dispatchers_are_refused_every_assessment_page(drafted, users, username):
    client = client_as(users, username)

    for url in ("/assessment/", MONTH_URL, f"{MONTH_URL}staff/", f"{MONTH_URL}units/chengxi/",
                f"{MONTH_URL}publish/"):
        assert client.get(url).status_code == 403, url


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login_page(drafted):
    response = Client().get(MONTH_URL)

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_handler_opens_its_own_units_draft_but_not_another_units_nor_the_ranking(drafted, users):
    client = client_as(users, "chengxi")

    assert client.get(f"{MONTH_URL}units/chengxi/").status_code == 200
    assert client.get(f"{MONTH_URL}units/yatou/").status_code == 404
    assert client.get(MONTH_URL).status_code == 403
    assert client.get(f"{MONTH_URL}staff/").status_code == 403


def test_a_handler_sees_a_message_until_a_month_is_published_then_lands_on_its_units_page(drafted, users):
    client = client_as(users, "chengxi")

    waiting = client.get("/assessment/")
    assert waiting.status_code == 200 and "还没有已发布的考核结果" in waiting.content.decode()

    assessment_publish(actor=users["scorer"], run_id=drafted.id, now=AFTER_CUTOFF)
    response = client.get("/assessment/")
    assert response.status_code == 302 and response["Location"] == f"{MONTH_URL}units/chengxi/"


def test_the_navigation_names_the_page_for_the_office_and_for_a_unit(users):
    assert "考核排名" in client_as(users, "scorer").get("/assessment/").content.decode()
    assert "本单位考核" in client_as(users, "chengxi").get("/assessment/").content.decode()
    assert "考核排名" not in client_as(users, "dispatcher").get("/dispatch/").content.decode()


def test_an_unknown_month_version_or_unit_is_not_found(drafted, users):
    client = client_as(users, "scorer")

    assert client.get(f"{MONTH_URL}?version=9").status_code == 404
    assert client.get(f"{MONTH_URL}units/nosuchunit/").status_code == 404
    assert client.get("/assessment/2023-13/").status_code == 404
    assert client.get("/assessment/2023-09/units/chengxi/").status_code == 404  # not assessed


def test_a_leader_may_look_but_not_draft_publish_or_adjust(drafted, users):
    client = client_as(users, "leader")

    assert client.post("/assessment/", {"period": PERIOD}).status_code == 403
    assert client.post(f"{MONTH_URL}draft/", {"period": PERIOD}).status_code == 403
    assert client.post(f"{MONTH_URL}publish/", {"run": drafted.id}).status_code == 403
    assert client.post(f"{MONTH_URL}adjustments/", {"kind": "praise", "unit": "yatou", "points": "1",
                                                     "reason": "x"}).status_code == 403
    drafted.refresh_from_db()
    assert drafted.status == "draft" and AssessmentRun.objects.count() == 1 and not Adjustment.objects.exists()
    page = client.get(MONTH_URL).content.decode()
    assert 'id="score-actions"' not in page and 'id="praise-form"' not in page


# ---------------------------------------------------------------- draft, publish, correct


def test_a_scorer_drafts_a_month_from_the_list_and_sees_its_ranking(october, users):
    client = client_as(users, "scorer")
    form = client.get("/assessment/").content.decode()
    assert 'id="draft-form"' in form

    response = client.post("/assessment/", {"period": PERIOD})

    assert response.status_code == 302 and response["Location"] == MONTH_URL
    run = AssessmentRun.objects.get()
    assert (run.period, run.version, run.status) == (PERIOD, 1, "draft")
    page = client.get(MONTH_URL).content.decode()
    assert "已生成2023年10月第1版试算结果" in page
    assert 'id="ranking-towns"' in page and "崖头街道" in page and "城西街道" in page
    assert 'data-unit="chengxi"' in page and "78.09" in page  # chengxi: 0.7 × 98.7 + 0.3 × 30
    assert "后2名" in page  # the towns' bottom two
    assert "/reports/monthly/?period=2023-10&amp;format=docx" in page
    assert "/reports/scores/?period=2023-10&amp;format=xlsx" in page and "/reports/annual/?period=2023" in page


def test_the_draft_form_offers_the_previous_month(users):
    with time_machine.travel(beijing(2023, 11, 15, 10, 0), tick=False):
        page = client_as(users, "scorer").get("/assessment/").content.decode()

    assert 'value="2023-10"' in page


def test_publishing_asks_for_confirmation_and_is_refused_before_the_cutoff(drafted, users):
    client = client_as(users, "scorer")

    with time_machine.travel(BEFORE_CUTOFF, tick=False):
        confirm = client.get(f"{MONTH_URL}publish/")
        assert confirm.status_code == 200 and "发布2023年10月第1版考核结果？" in confirm.content.decode()
        assert "数据截止时间尚未到，现在还不能发布" in confirm.content.decode()
        refused = client.post(f"{MONTH_URL}publish/", {"run": drafted.id})

    assert refused.status_code == 409
    cutoff = timezone.localtime(drafted.cutoff).strftime("%Y-%m-%d %H:%M")
    assert f"数据截止时间 {cutoff} 未到，不能发布" in refused.content.decode()
    drafted.refresh_from_db()
    assert drafted.status == "draft" and drafted.published_at is None


def test_publishing_after_the_cutoff_freezes_the_month_and_offers_a_correction(drafted, users):
    client = client_as(users, "scorer")

    with time_machine.travel(AFTER_CUTOFF, tick=False):
        response = client.post(f"{MONTH_URL}publish/", {"run": drafted.id})

    assert response.status_code == 302 and response["Location"] == MONTH_URL
    drafted.refresh_from_db()
    assert drafted.status == "published" and drafted.published_by == users["scorer"]
    page = client.get(MONTH_URL).content.decode()
    assert "2023年10月第1版已发布" in page and 'id="correct-button"' in page and 'id="publish-link"' not in page
    listing = client.get("/assessment/").content.decode()
    assert "2023-11-07 09:00 · 考核测算（第1版）" in listing  # published at and by, on the list of months
    assert client.get(f"{MONTH_URL}publish/").status_code == 404  # nothing left to publish


def test_a_correction_without_a_reason_is_refused_beside_the_reason_field(published, users):
    response = client_as(users, "scorer").post(f"{MONTH_URL}draft/", {"period": PERIOD, "reason": " "})

    assert response.status_code == 422
    assert 'id="correct-reason-error"' in response.content.decode()
    assert "2023年10月已发布；更正须写明原因" in response.content.decode()
    assert AssessmentRun.objects.count() == 1


def test_an_adjustment_changes_the_next_draft(drafted, users, october):
    client = client_as(users, "scorer")
    before = score_of(drafted, "yatou")

    response = client.post(f"{MONTH_URL}adjustments/", {"kind": "praise", "unit": "yatou", "points": "2",
                                                         "reason": "主动清理背街小巷"})
    assert response.status_code == 302
    assert score_of(drafted, "yatou").bonus == before.bonus  # recorded, not yet applied
    client.post(f"{MONTH_URL}draft/", {"period": PERIOD})

    run = AssessmentRun.objects.get(status="draft")
    after = score_of(run, "yatou")
    assert after.bonus == 2 and after.deduction_score == pytest.approx(before.deduction_score + 2)
    assert after.score > before.score
    page = client.get(MONTH_URL).content.decode()
    assert "主动清理背街小巷" in page and "表扬加分" in page


def test_a_correction_lists_what_changed_for_each_unit(published, users, october):
    client = client_as(users, "scorer")
    old = score_of(published, "chengxi")
    client.post(f"{MONTH_URL}adjustments/", {"kind": "waive", "unit": "chengxi", "rule": "overdue",
                                             "problem": october["B"].number, "reason": "停电无法作业，申诉成立"})

    response = client.post(f"{MONTH_URL}draft/", {"period": PERIOD, "reason": "城西街道逾期申诉核减"})

    assert response.status_code == 302
    correction = AssessmentRun.objects.get(status="draft")
    assert correction.version == 2 and correction.replaces == published
    new = score_of(correction, "chengxi")
    assert new.deductions == pytest.approx(old.deductions - 1)
    page = client.get(MONTH_URL).content.decode()
    changes = page[page.index('id="changes"'):page.index('id="ranking-towns"')]
    assert 'data-unit="chengxi"' in changes
    assert f"{old.score:.2f} → {new.score:.2f}" in changes
    assert "已核减：停电无法作业，申诉成立" in changes and october["B"].number in changes
    assert 'class="line-removed"' in changes and 'class="line-added"' in changes
    assert 'data-unit="yatou"' not in changes  # nothing changed there
    assert "城西街道逾期申诉核减" in page  # the reason of the correction
    assert "更正草稿待发布" in client.get("/assessment/").content.decode()
    old_page = client.get(f"{MONTH_URL}?version=1").content.decode()
    assert "已发布" in old_page and 'id="changes"' not in old_page


def test_publishing_a_correction_supersedes_the_published_version(published, users):
    client = client_as(users, "scorer")
    client.post(f"{MONTH_URL}draft/", {"period": PERIOD, "reason": "重新核对"})
    correction = AssessmentRun.objects.get(status="draft")

    with time_machine.travel(AFTER_CUTOFF + dt.timedelta(days=1), tick=False):
        confirm = client.get(f"{MONTH_URL}publish/").content.decode()
        client.post(f"{MONTH_URL}publish/", {"run": correction.id})

    assert "这是对已发布第1版的更正" in confirm
    published.refresh_from_db()
    correction.refresh_from_db()
    assert (published.status, correction.status) == ("superseded", "published")


# ---------------------------------------------------------------- errors on bad input


def test_a_bad_month_is_refused_beside_the_field_and_nothing_is_drafted(october, users):
    response = client_as(users, "scorer").post("/assessment/", {"period": "2023-13"})

    assert response.status_code == 422
    assert 'id="draft-period-error"' in response.content.decode()
    assert "月份应写成 2023-10 这样的格式" in response.content.decode()
    assert not AssessmentRun.objects.exists()


def test_a_praise_without_unit_or_reason_is_refused_field_by_field_and_nothing_is_written(drafted, users):
    client = client_as(users, "scorer")

    response = client.post(f"{MONTH_URL}adjustments/", {"kind": "praise", "unit": "", "points": "2", "reason": ""})
    assert response.status_code == 422
    page = response.content.decode()
    assert "请选择单位" in page and "原因必填" in page

    response = client.post(f"{MONTH_URL}adjustments/", {"kind": "praise", "unit": "yatou", "points": "很多",
                                                         "reason": "好"})
    assert response.status_code == 422 and "请填写加分分数（数字）" in response.content.decode()
    assert 'value="很多"' in response.content.decode()  # what was typed is kept

    response = client.post(f"{MONTH_URL}adjustments/", {"kind": "praise", "unit": "yatou", "points": "0",
                                                         "reason": "好"})
    assert response.status_code == 422 and "加分应大于 0 且不超过 100 分" in response.content.decode()
    assert not Adjustment.objects.exists()


def test_a_waiver_of_an_unknown_problem_or_rule_is_refused_and_nothing_is_written(drafted, users):
    response = client_as(users, "scorer").post(f"{MONTH_URL}adjustments/", {
        "kind": "waive", "unit": "chengxi", "rule": "", "problem": "RC-20231009-9999", "reason": "申诉"})

    assert response.status_code == 422
    page = response.content.decode()
    assert "没有编号为 RC-20231009-9999 的问题" in page and "请选择要核减的扣分项" in page
    assert not Adjustment.objects.exists()


# ---------------------------------------------------------------- one unit, the work team


def test_a_unit_page_adds_the_score_up_and_lists_every_line_with_its_problem(drafted, users, october):
    page = client_as(users, "chengxi").get(f"{MONTH_URL}units/chengxi/").content.decode()

    assert "100 − 1.3 + 0 = 98.7" in page
    assert "0.1 × 0 + 0.3 × 0 + 0.3 × 0 + 0.3 × 100 = 30" in page
    assert "0.7 × 98.7 + 0.3 × 30 = 78.09" in page
    assert page.count('class="score-line') == 2
    b = october["B"]
    assert f'href="/problems/{b.id}/">{b.number}</a>' in page
    assert "发现问题" in page and "逾期未整改" in page and "整改期限 2023-10-09 14:50 已过仍未整改" in page
    assert "这是草稿，尚未发布" in page
    assert "本月排名" not in page  # a handler has no ranking page to go back to


def test_the_staff_page_shows_inspectors_and_dispatchers_with_their_indicators(drafted, users):
    page = client_as(users, "leader").get(f"{MONTH_URL}staff/").content.decode()

    assert 'data-user="inspector"' in page and 'data-user="dispatcher"' in page
    assert "有效上报率" in page and "按时派遣率" in page and "100.0%" in page
    assert "优秀" in page


def test_the_month_page_reads_a_bounded_number_of_queries(published, users, october,
                                                          django_assert_max_num_queries):
    client = client_as(users, "scorer")
    for code, problem in (("yatou", october["A"]), ("chengxi", october["B"]), ("ningjin", october["C"])):
        client.post(f"{MONTH_URL}adjustments/", {"kind": "praise", "unit": code, "points": "1", "reason": "表扬"})
        client.post(f"{MONTH_URL}adjustments/", {"kind": "waive", "unit": code, "rule": "found",
                                                 "problem": problem.number, "reason": "核减"})
    client.post(f"{MONTH_URL}draft/", {"period": PERIOD, "reason": "重新核对"})  # a correction: changes shown too
    client.get(MONTH_URL)

    # 12 today for 50 units, 6 adjustments and 3 changed units: none of them is read one query at a time.
    with django_assert_max_num_queries(14):
        response = client.get(MONTH_URL)

    page = response.content.decode()
    assert response.status_code == 200 and page.count('class="change-row"') == 3
    assert page.count('class="adjustment-row"') == 6
