"""年总评 2023: the months published in the hand-made history of test_monthly, unit by unit, as .docx and .xlsx.

August is published with nothing found (every unit 100, first equal), September and October as in test_monthly
(October corrected: the second version counts), November scored only as a draft (not counted). So for 崖头街道:
August 100 (1st), September 78.09 (24th), October 78.79 (24th, after the waived overdue point), November blank;
average (100 + 78.09 + 78.79) / 3 = 85.63, deductions 0 + 1.3 + 0.3 = 1.6. 城西街道: (100 + 78.09 + 78.09) / 3 =
85.39, last of 25. 石岛管理区: (100 + 100 + 101.40) / 3 = 100.47, the only first.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from docx import Document
from openpyxl import load_workbook

from renju.assessment.models import AssessmentRun, UnitScore
from renju.assessment.runs import adjustment_add
from renju.plans.active import active_plan
from renju.reports.annual import annual_docx, annual_xlsx
from renju.reports.common import ReportError
from renju.reports.periods import parse_period
from tests.reports.test_monthly import OCTOBER, History, build_two_months, scratch_database

pytestmark = pytest.mark.django_db


@dataclass
class Year:
    docx: bytes
    xlsx: bytes
    published: dict[tuple[str, str], tuple[float, int]]  # (unit code, period) → (score, rank) of the published run
    names: dict[str, str]


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker, tmp_path_factory) -> Year:
    with scratch_database(django_db_blocker, tmp_path_factory.mktemp("media")):
        h = History()
        h.publish("2023-08")
        problems = build_two_months(h)
        h.publish(OCTOBER)
        adjustment_add(actor=h.users["scorer"], plan=active_plan().plan, period=OCTOBER, unit="yatou", kind="waive",
                       rule="overdue", problem=problems["october"]["yatou"].number, reason="经核实予以核减")
        h.publish(OCTOBER, reason="崖头街道申诉核减一处逾期扣分")
        h.draft("2023-11")
        published = {(code, period): (value, rank) for code, period, value, rank in UnitScore.objects.filter(
            run__status=AssessmentRun.Status.PUBLISHED).values_list("unit__code", "run__period", "score", "rank")}
        return Year(annual_docx(parse_period("2023")), annual_xlsx(parse_period("2023")), published,
                    {u.code: u.name for u in active_plan().units.values()})


def group_table(doc, name: str) -> list[list[str]]:
    """The table of a ranking group: one per group, in the order of the groups' headings."""
    headings = [p.text for p in doc.paragraphs if p.style.name == "GB Heading 1"]
    assert headings == ["一、镇街", "二、市直部门", "三、上级驻荣单位", "四、国有企业"]
    table = doc.tables[[h.split("、", 1)[1] for h in headings].index(name)]
    return [[c.text for c in row.cells] for row in table.rows]


def test_each_month_shows_the_published_score_and_rank_and_unpublished_months_are_blank(year):
    doc = Document(io.BytesIO(year.docx))
    table = group_table(doc, "镇街")
    assert table[0] == ["年度\n名次", "单位", *(f"{m}月" for m in range(1, 13)), "平均分", "扣分\n合计", "考核\n月数"]
    rows = {r[1]: r for r in table[1:]}
    assert len(rows) == 25
    for code in ("yatou", "chengxi", "shidao", "ningjin", "yinzi", "kaifaqu"):
        row = rows[year.names[code]]
        for month in range(1, 13):
            published = year.published.get((code, f"2023-{month:02d}"))
            expected = f"{published[0]:.2f}\n（{published[1]}）" if published else ""
            assert row[month + 1] == expected, (code, month)
    assert rows["崖头街道"][10:13] == ["78.09\n（24）", "78.79\n（24）", ""]  # October's correction, November's draft
    assert rows["崖头街道"][14:] == ["85.63", "1.6", "3"]


def test_the_annual_rank_follows_the_average_and_equal_averages_share_it(year):
    rows = group_table(Document(io.BytesIO(year.docx)), "镇街")[1:]
    assert rows[0][:2] == ["1", "石岛管理区"] and rows[0][14] == "100.47"
    assert [r[:2] for r in rows[-2:]] == [["24", "崖头街道"], ["25", "城西街道"]]
    shared = [r for r in rows if r[14] == "100.00"]
    assert len(shared) == 20 and {r[0] for r in shared} == {"2"}
    averages = [float(r[14]) for r in rows]
    assert averages == sorted(averages, reverse=True)


def test_the_summary_names_the_months_the_firsts_and_the_escalated(year):
    text = "\n".join(p.text for p in Document(io.BytesIO(year.docx)).paragraphs)
    assert "共发布月度考核结果3期（8至10月），1至7月、11至12月无已发布结果，不计入年度平均分" in text
    assert "镇街：年度第一名石岛管理区（平均100.47分），排名末位城西街道（平均85.39分）" in text
    assert "年内因连续排名靠后被约谈的有崖头街道（10月）、城西街道（10月）" in text
    assert "市直部门：13个单位并列年度第一名（平均100.00分）" in text


def test_the_spreadsheet_has_a_sheet_per_group_with_numbers_as_numbers(year):
    workbook = load_workbook(io.BytesIO(year.xlsx))
    assert workbook.sheetnames == ["镇街", "市直部门", "上级驻荣单位", "国有企业", "说明"]
    sheet = workbook["镇街"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["年度名次", "并列", "单位", "单位编码", "1月得分", "1月名次"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.name == "宋体"
    rows = {r[2]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    yatou = rows["崖头街道"]
    assert (yatou["9月得分"], yatou["9月名次"], yatou["10月得分"], yatou["11月得分"]) == (78.09, 24, 78.79, None)
    assert (yatou["年度名次"], yatou["平均分"], yatou["扣分合计"], yatou["考核月数"]) == (24, 85.63, 1.6, 3)
    assert (yatou["通报批评次数"], yatou["约谈次数"]) == (2, 1)
    about = [r[:2] for r in workbook["说明"].iter_rows(min_row=2, values_only=True)]
    assert ["10月", "采用第2版"] in [list(r) for r in about]


def test_a_year_without_a_published_month_is_refused():
    with pytest.raises(ReportError, match="2022年度还没有已发布的月度考核结果"):
        annual_docx(parse_period("2022"))
    with pytest.raises(ReportError, match="年总评需要年份"):
        annual_xlsx(parse_period("2023-10"))


def test_the_annual_evaluation_downloads_as_docx_and_xlsx(users):
    import datetime as dt

    from django.test import Client

    from renju.assessment.runs import assessment_draft, assessment_publish

    run = assessment_draft(actor=users["scorer"], plan=active_plan().plan, period="2023-08")
    assessment_publish(actor=users["scorer"], run_id=run.id, now=run.cutoff + dt.timedelta(days=1))
    client = Client()
    client.force_login(users["leader"])
    docx = client.get("/reports/annual/", {"period": "2023"})
    assert docx.status_code == 200 and Document(io.BytesIO(docx.content)).tables
    xlsx = client.get("/reports/annual/", {"period": "2023", "format": "xlsx"})
    assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.content)).sheetnames[0] == "镇街"
    assert client.get("/reports/annual/", {"period": "2022"}).status_code == 400
