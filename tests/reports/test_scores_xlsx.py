"""考核得分表 (kind `scores`): October 2023 of test_monthly's history as a workbook, read back with openpyxl.

One extra praise is given to 宁津街道 with a reason that starts with "=", as text pasted from elsewhere might: it must
stay text, not become a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook

from renju.assessment.models import ScoreLine, StaffScore
from renju.assessment.results import MonthResult
from renju.assessment.runs import adjustment_add
from renju.assessment.stored import run_result
from renju.plans.active import active_plan
from renju.reports.common import ReportError
from renju.reports.periods import parse_period
from renju.reports.scores_xlsx import scores_xlsx
from tests.reports.test_monthly import OCTOBER, History, build_two_months, scratch_database

pytestmark = pytest.mark.django_db

FORMULA_LIKE = '=HYPERLINK("http://example.com","点此")'


@dataclass
class Scores:
    draft: bytes
    published: bytes
    result: MonthResult
    line_count: int
    staff: dict[str, tuple[float, str]]  # username → (score, grade)
    overdue: tuple[str, dt.datetime]  # 崖头街道's October overdue problem: number, deadline in Beijing time (naive)


@pytest.fixture(scope="module")
def scores(django_db_setup, django_db_blocker, tmp_path_factory) -> Scores:
    with scratch_database(django_db_blocker, tmp_path_factory.mktemp("media")):
        h = History()
        problems = build_two_months(h)
        adjustment_add(actor=h.users["scorer"], plan=active_plan().plan, period=OCTOBER, unit="ningjin",
                       kind="praise", points=1, reason=FORMULA_LIKE)
        h.draft(OCTOBER)
        draft = scores_xlsx(parse_period(OCTOBER))
        run = h.publish(OCTOBER)
        overdue = problems["october"]["yatou"]
        return Scores(
            draft=draft, published=scores_xlsx(parse_period(OCTOBER)), result=run_result(run),
            line_count=ScoreLine.objects.filter(run=run).count(),
            staff={s.user.username: (s.score, s.grade)
                   for s in StaffScore.objects.filter(run=run).select_related("user")},
            overdue=(overdue.number, overdue.due_at.astimezone(active_plan().calendar.tz).replace(tzinfo=None)),
        )


def rows_of(sheet) -> list[dict]:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_workbook_has_the_four_sheets_in_the_offices_conventions(scores):
    workbook = load_workbook(io.BytesIO(scores.published))
    assert workbook.sheetnames == ["单位得分", "扣分明细", "工作人员绩效", "说明"]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.name == "宋体" and sheet["A1"].font.bold


def test_unit_scores_are_the_runs_as_numbers(scores):
    sheet = load_workbook(io.BytesIO(scores.published))["单位得分"]
    rows = rows_of(sheet)
    expected = [(name, u.rank, u.name, u.score, u.deductions, u.bonus)
                for _code, name, units in scores.result.by_group() for u in units]
    assert [(r["组别"], r["名次"], r["单位"], r["得分"], r["扣分"], r["加分"]) for r in rows] == expected
    yatou = next(r for r in rows if r["单位"] == "崖头街道")
    assert (yatou["结案率"], yatou["按期结案率"], yatou["发现问题"], yatou["逾期"]) == (0, 0, 1, 1)
    assert (yatou["通报批评"], yatou["约谈"]) == ("是", "是")
    huanwei = next(r for r in rows if r["单位"] == "环卫集团")
    assert huanwei["付款比例(%)"] == 100 and yatou["付款比例(%)"] is None
    header = [c.value for c in sheet[1]]
    rate_cell = sheet.cell(row=2, column=header.index("结案率") + 1)
    assert rate_cell.value == 1 and rate_cell.data_type == "n" and rate_cell.number_format == "0.0%"


def test_every_deduction_line_is_listed_with_its_rule_problem_and_time(scores):
    rows = rows_of(load_workbook(io.BytesIO(scores.published))["扣分明细"])
    assert len(rows) == scores.line_count == sum(len(u.lines) for u in scores.result.units)
    number, due = scores.overdue
    overdue = next(r for r in rows if r["问题编号"] == number and r["规则编码"] == "overdue")
    assert (overdue["单位"], overdue["扣分规则"]) == ("崖头街道", "逾期未整改")
    assert (overdue["分值"], overdue["计入"]) == (-1, -1)
    assert overdue["时间"] == due  # a real date, in Beijing time
    assert overdue["说明"].startswith("整改期限")


def test_text_that_looks_like_a_formula_stays_text(scores):
    sheet = load_workbook(io.BytesIO(scores.published))["扣分明细"]
    cells = [row[-1] for row in sheet.iter_rows(min_row=2) if row[-1].value == FORMULA_LIKE]
    assert len(cells) == 1 and cells[0].data_type == "s"


def test_staff_performance_lists_inspectors_and_dispatchers_with_their_grades(scores):
    rows = rows_of(load_workbook(io.BytesIO(scores.published))["工作人员绩效"])
    assert {r["账号"]: (r["得分"], r["等级"]) for r in rows} == scores.staff
    inspector = next(r for r in rows if r["账号"] == "inspector")
    assert inspector["岗位"] == "巡查员" and inspector["上报"] == 10  # October: 8 + the key problem + the relapse
    assert inspector["按时派遣率"] is None  # a dispatcher's indicator
    dispatcher = next(r for r in rows if r["账号"] == "dispatcher")
    assert dispatcher["岗位"] == "派遣员" and dispatcher["派遣"] == 10 and dispatcher["上报"] is None


def test_the_about_sheet_says_which_run_and_marks_a_draft(scores):
    def about(data: bytes) -> dict:
        return {r[0]: r[1] for r in load_workbook(io.BytesIO(data))["说明"].iter_rows(min_row=2, values_only=True)}

    assert about(scores.published)["状态"] == "已发布" and about(scores.published)["版本"] == "第1版"
    assert about(scores.draft)["状态"] == "草稿（试算稿，未发布）"
    assert isinstance(about(scores.published)["数据截止"], dt.datetime)


def test_a_month_not_scored_is_refused():
    with pytest.raises(ReportError, match="尚未进行考核测算"):
        scores_xlsx(parse_period("2023-07"))


# ---------------------------------------------------------------- as the `scores` report: download and command


@pytest.fixture
def august(users):
    """August 2023 scored and published with nothing found: every unit 100."""
    from renju.assessment.runs import assessment_draft, assessment_publish

    run = assessment_draft(actor=users["scorer"], plan=active_plan().plan, period="2023-08")
    return assessment_publish(actor=users["scorer"], run_id=run.id, now=run.cutoff + dt.timedelta(days=1))


def test_the_scores_report_downloads_for_the_work_team_and_not_for_units(august, users):
    from urllib.parse import quote

    from django.test import Client

    from renju.reports.registry import CONTENT_TYPES

    client = Client()
    client.force_login(users["scorer"])
    response = client.get("/reports/scores/", {"period": "2023-08"})
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPES["xlsx"]
    assert f"filename*=UTF-8''{quote('考核得分表-2023年8月.xlsx')}" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content))["说明"]["B3"].value == "第1版"
    assert client.get("/reports/scores/", {"period": "2023-08", "format": "docx"}).status_code == 400
    client.force_login(users["yatou"])
    assert client.get("/reports/scores/", {"period": "2023-08"}).status_code == 403


def test_renju_report_scores_writes_the_workbook(august, tmp_path):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("report", "scores", "--period", "2023-08", "--out", str(tmp_path / "scores.xlsx"), stdout=out)
    workbook = load_workbook(tmp_path / "scores.xlsx")
    assert len(list(workbook["单位得分"].iter_rows(min_row=2))) == len(active_plan().units)
