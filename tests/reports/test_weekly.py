"""周调度: the hand-built week 2023-W41 (tests/reports/conftest.py) counted by unit and group, as .docx and .xlsx."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from openpyxl import load_workbook

from renju.plans.active import forget_active_plan
from renju.plans.geo import forget_region_index
from renju.problems import lifecycle
from renju.reports.common import ReportError
from renju.reports.periods import parse_period
from renju.reports.supervision import supervision_notice
from renju.reports.weekly import weekly_docx, weekly_figures, weekly_xlsx
from tests.conftest import beijing
from tests.reports.conftest import YATOU
from tests.reports.ooxml import misordered

pytestmark = pytest.mark.django_db

WEEK = "2023-W41"


def unit_rows(data) -> dict[str, dict[str, int]]:
    return {row.unit.code: row.figures for group in data.groups for row in group.rows}


def test_weekly_figures_count_each_unit_as_worked_out_by_hand(week41):
    data = weekly_figures(parse_period(WEEK))
    rows = unit_rows(data)
    assert rows["yatou"] == {"new": 3, "dispatched": 3, "rectified": 3, "closed": 1, "overdue": 1, "key_open": 1}
    assert rows["chengxi"] == {"new": 1, "dispatched": 1, "rectified": 0, "closed": 0, "overdue": 0, "key_open": 0}
    assert rows["zhujianju"] == dict.fromkeys(rows["zhujianju"], 0)
    assert data.undispatched_new == 1  # F
    assert data.totals == {"new": 4, "dispatched": 4, "rectified": 3, "closed": 1, "overdue": 1, "key_open": 1}
    assert [(f.number, f.overdue, f.is_key) for f in data.flagged] == [
        (week41["A"].number, True, False), (week41["C"].number, False, True),
    ]
    assert data.flagged[0].overdue_label(data.minutes_per_day) == "4个工作日"


def test_weekly_figures_put_units_in_their_ranking_groups_in_plan_order(week41):
    data = weekly_figures(parse_period(WEEK))
    names = [g.name for g in data.groups]
    assert names[:4] == ["镇街", "市直部门", "上级驻荣单位", "国有企业"]
    towns = data.groups[0]
    assert {"yatou", "chengxi"} <= {r.unit.code for r in towns.rows}
    assert towns.totals["new"] == 4 and data.groups[1].totals["new"] == 0


def test_a_week_is_counted_as_it_ended_even_when_run_after_later_events(week41, users):
    # A was rectified on Tuesday of the next week and G found that Monday; week 41 does not move.
    before = weekly_figures(parse_period(WEEK))
    lifecycle.problem_verify(actor=users["inspector"], problem_id=week41["A"].id, result="pass",
                             at=beijing(2023, 10, 18, 9, 0))
    after = weekly_figures(parse_period(WEEK))
    assert unit_rows(after) == unit_rows(before)
    assert [f.number for f in after.flagged] == [f.number for f in before.flagged]


def counted(period) -> int:
    # The plan and region caches are re-checked every 2 s; forget them so both counts include that check.
    forget_active_plan()
    forget_region_index()
    with CaptureQueriesContext(connection) as queries:
        weekly_figures(period)
    return len(queries.captured_queries)


def test_weekly_figures_take_the_same_number_of_queries_whatever_the_number_of_problems(week41, report):
    period = parse_period(WEEK)
    few = counted(period)
    for day in range(9, 14):
        at = beijing(2023, 10, day, 14, 0)
        report(region=YATOU, at=at, found_at=at, is_key=True)
    assert counted(period) == few <= 8


def test_weekly_report_needs_a_week():
    with pytest.raises(ReportError, match="2023-W41"):
        weekly_figures(parse_period("2023-10"))


def test_weekly_docx_reads_back_with_the_summary_the_group_tables_and_the_problem_list(week41):
    doc = Document(io.BytesIO(weekly_docx(parse_period(WEEK))))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "荣成市全域人居环境综合整治工作专班办公室" in text
    assert "荣人居办调〔2023〕41号" in text
    assert "2023年第41周（2023年10月9日至10月15日）" in text
    assert "本周共发现问题5个（其中截至周末尚未派遣1个），派遣4个，整改反馈3个，销号1个" in text
    assert "截至2023年10月15日，超期未整改问题1个，未销号重点问题1个" in text
    assert "超期问题较多的单位是：崖头街道（1个）。" in text
    assert "（一）镇街" in text and "（二）市直部门" in text
    towns = doc.tables[0]
    assert [c.text for c in towns.rows[0].cells] == [
        "序号", "责任单位", "新发现", "派遣", "整改反馈", "销号", "超期未整改", "重点未销号"]
    body = {row.cells[1].text: [c.text for c in row.cells[2:]] for row in towns.rows[1:]}
    assert body["崖头街道"] == ["3", "3", "3", "1", "1", "1"]
    assert body["城西街道"] == ["1", "1", "0", "0", "0", "0"]
    assert body["合计"] == ["4", "4", "3", "1", "1", "1"]
    problems = doc.tables[-1]
    assert [r.cells[1].text for r in problems.rows[1:]] == [week41["A"].number, week41["C"].number]
    assert problems.rows[1].cells[5].text == "超期4个工作日"
    assert problems.rows[2].cells[5].text == "重点问题"
    assert "2023年10月16日" in text  # dated the Monday after the week


def test_the_weekly_and_supervision_documents_are_well_formed_for_word(week41, users):
    assert misordered(weekly_docx(parse_period(WEEK))) == []
    assert misordered(supervision_notice(users["yatou"].unit, parse_period(WEEK))) == []


def test_weekly_xlsx_has_a_sheet_per_table_numbers_as_numbers_and_a_frozen_header(week41):
    book = load_workbook(io.BytesIO(weekly_xlsx(parse_period(WEEK))))
    assert book.sheetnames[:5] == ["汇总", "镇街", "市直部门", "上级驻荣单位", "国有企业"]
    assert book.sheetnames[-1] == "超期及重点问题"
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary == {"新发现": 5, "其中尚未派遣": 1, "派遣": 4, "整改反馈": 3, "销号": 1, "超期未整改": 1,
                       "重点未销号": 1}
    towns = book["镇街"]
    assert towns.freeze_panes == "A2"
    rows = {row[1]: row[2:] for row in towns.iter_rows(min_row=2, values_only=True)}
    assert rows["崖头街道"] == (3, 3, 3, 1, 1, 1)
    assert rows["合计"] == (4, 4, 3, 1, 1, 1)
    assert towns["C2"].font.name == "宋体" and towns["A1"].font.bold
    listed = list(book["超期及重点问题"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in listed] == [week41["A"].number, week41["C"].number]
    assert listed[0][7] == pytest.approx(32 * 60 / 450, abs=0.05)  # working days overdue, as a number
    assert listed[0][6].strftime("%Y-%m-%d %H:%M") == "2023-10-09 15:30"
