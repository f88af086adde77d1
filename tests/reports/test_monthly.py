"""月通报: the bulletin of October 2023 built from a hand-made September and October, read back with python-docx.

The history (`build_two_months`), every problem 06010 暴露垃圾 (4 working hours), dispatched half an hour after it
was found:

    September   崖头街道, 城西街道, 市住建局, 供电公司, 园林集团: never rectified (overdue)
                市综合执法局, 联通公司, 环卫集团, 荫子镇: rectified and closed on time
    October     the same five overdue again, the same three closed again, plus
                宁津街道: a key problem, closed with before and after photos
                荫子镇: its September problem found again at the recheck (回头看反弹), then fixed
                石岛管理区: nothing found, and 2 points of praise (表扬加分) from the scorers

Worked out from the plan's rules (found 0.3, key 0.5, overdue 1, relapse 2; final = 0.7 × (100 − deductions + bonus)
+ 0.3 × composite): an overdue unit scores 78.09, a unit with one problem closed on time 96.79, a unit with nothing
found 100, 石岛管理区 0.7 × 102 + 30 = 101.40 and is the only first of 镇街 (praised; a shared first praises nobody).
In both months 崖头街道 and 城西街道 are the bottom two of 镇街, 市住建局 and 市综合执法局 of 市直部门, and so on:
in October they are escalated (连续两个月排名后两位).

Building the months and rendering the documents takes seconds, so it is done once for the module (`october`), in a
transaction rolled back afterwards, and the tests read the documents and the figures kept from it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings
from docx import Document

from renju.accounts.models import User
from renju.assessment.models import AssessmentRun
from renju.assessment.results import MonthResult
from renju.assessment.runs import adjustment_add, assessment_draft, assessment_publish, published_run
from renju.assessment.stored import run_result
from renju.plans.active import active_plan, forget_active_plan
from renju.plans.geo import forget_region_index
from renju.problems import lifecycle
from renju.reports import charts
from renju.reports.common import ReportError
from renju.reports.monthly import DRAFT_MARK, monthly_bulletin
from renju.reports.periods import parse_period
from tests.conftest import beijing, point_in, prepared_photo

# Every test may read the database (and pytest-django sets the test database up only for modules that say so).
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PREVIEWS = ROOT / "var" / "report-previews"
OCTOBER = "2023-10"
NINGJIN, YINZI = "371082003", "371082017"
# Each problem in a place of its own: the same category found again within 50 m of a closed problem is a repeat
# (重复发现), which would count against whoever closed the first one.
PLACES = [f"3710820{n:02d}" for n in (4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22)]
OVERDUE_UNITS = ("yatou", "chengxi", "zhujianju", "gongdian", "yuanlin")
CLOSED_UNITS = ("zhifaju", "liantong", "huanwei")


# -------------------------------------------------------- the history (also used by the annual and scores tests)


class History:
    def __init__(self) -> None:
        self.users = {u.username: u for u in User.objects.select_related("unit")}
        self.seed = 10
        self.places = iter(PLACES)

    def filed(self, unit: str, found: dt.datetime, *, region: str | None = None, key: bool = False,
              description: str = "路边暴露垃圾"):
        self.seed += 1
        lat, lng = point_in(region or next(self.places))
        problem = lifecycle.problem_report(actor=self.users["inspector"], category="06010", lat=lat, lng=lng,
                                           description=description, source="inspection", is_key=key,
                                           photos=[prepared_photo(self.seed)], at=found, found_at=found)
        dispatcher = self.users["dispatcher"]
        lifecycle.problem_accept(actor=dispatcher, problem_id=problem.id, at=found + dt.timedelta(minutes=10))
        return lifecycle.problem_dispatch(actor=dispatcher, problem_id=problem.id, unit=unit, reason="按职责派遣",
                                          at=found + dt.timedelta(minutes=30))

    def fixed(self, problem, *, hours: int = 2):
        self.seed += 1
        at = problem.dispatched_at + dt.timedelta(hours=hours)
        lifecycle.problem_rectify(actor=self.users[problem.unit.code], problem_id=problem.id, note="已清理",
                                  photos=[prepared_photo(self.seed)], at=at)
        return lifecycle.problem_verify(actor=self.users["inspector"], problem_id=problem.id, result="pass",
                                        at=at + dt.timedelta(hours=1))

    def month(self, year: int, month: int) -> dict[str, object]:
        """The five overdue and three closed problems of a month (found on the 11th to the 19th)."""
        problems = {}
        for day, unit in enumerate(OVERDUE_UNITS, start=11):
            problems[unit] = self.filed(unit, beijing(year, month, day, 9, 0))
        for day, unit in enumerate(CLOSED_UNITS, start=17):
            problems[unit] = self.fixed(self.filed(unit, beijing(year, month, day, 9, 0)))
        return problems

    def draft(self, period: str, *, reason: str = "") -> AssessmentRun:
        return assessment_draft(actor=self.users["scorer"], plan=active_plan().plan, period=period, reason=reason)

    def publish(self, period: str, *, reason: str = "") -> AssessmentRun:
        run = self.draft(period, reason=reason)
        return assessment_publish(actor=self.users["scorer"], run_id=run.id, now=run.cutoff + dt.timedelta(days=1))


def build_two_months(h: History) -> dict[str, object]:
    """September published; October's problems filed and scored as a draft (not published)."""
    september = h.month(2023, 9)
    yinzi = h.fixed(h.filed("yinzi", beijing(2023, 9, 20, 9, 0), region=YINZI))
    h.publish("2023-09")
    october = h.month(2023, 10)
    key = h.fixed(h.filed("ningjin", beijing(2023, 10, 9, 9, 0), region=NINGJIN, key=True,
                          description="宁津街道海滨路沿线大面积暴露垃圾"))
    relapse = lifecycle.problem_recheck(actor=h.users["inspector"], problem_id=yinzi.id, result="relapse",
                                        note="垃圾又堆起来了", photos=[prepared_photo(90)],
                                        at=beijing(2023, 10, 16, 9, 0))
    lifecycle.problem_accept(actor=h.users["dispatcher"], problem_id=relapse.id, at=beijing(2023, 10, 16, 9, 10))
    relapse = h.fixed(lifecycle.problem_dispatch(actor=h.users["dispatcher"], problem_id=relapse.id,
                                                 at=beijing(2023, 10, 16, 9, 30)))
    adjustment_add(actor=h.users["scorer"], plan=active_plan().plan, period=OCTOBER, unit="shidao", kind="praise",
                   points=2, reason="主动开展海滨路沿线集中整治")
    h.draft(OCTOBER)
    return {"september": september, "october": october, "key": key, "relapse": relapse, "yinzi": yinzi}


@contextlib.contextmanager
def scratch_database(django_db_blocker, media: Path) -> Iterator[None]:
    """Database access for a module-scoped fixture, everything written rolled back at the end, photos in `media`."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        forget_active_plan()
        forget_region_index()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            forget_active_plan()
            forget_region_index()


# ---------------------------------------------------------------- the month, once


@dataclass
class October:
    draft: bytes  # the bulletin before publication
    published: bytes  # after publication (version 1)
    corrected: bytes  # after a correction (version 2)
    v1: MonthResult
    v2: MonthResult
    problems: dict[str, object]
    waived: str  # the problem number whose overdue deduction the correction waived
    escalation_action: str
    published_on: dt.date


@pytest.fixture(scope="module")
def october(django_db_setup, django_db_blocker, tmp_path_factory) -> October:
    with scratch_database(django_db_blocker, tmp_path_factory.mktemp("media")):
        h = History()
        problems = build_two_months(h)
        period = parse_period(OCTOBER)
        draft = monthly_bulletin(period)
        run = h.publish(OCTOBER)
        published = monthly_bulletin(period)
        v1 = run_result(run)
        waived = problems["october"]["yatou"].number
        adjustment_add(actor=h.users["scorer"], plan=active_plan().plan, period=OCTOBER, unit="yatou", kind="waive",
                       rule="overdue", problem=waived, reason="停电影响清运，经核实予以核减")
        h.publish(OCTOBER, reason="崖头街道申诉核减一处逾期扣分")
        return October(
            draft=draft, published=published, corrected=monthly_bulletin(period), v1=v1,
            v2=run_result(published_run(active_plan().plan, OCTOBER)), problems=problems, waived=waived,
            escalation_action=active_plan().plan.assessment["ranking"]["escalation_action"],
            published_on=run.published_at.astimezone(active_plan().calendar.tz).date(),
        )


# ---------------------------------------------------------------- reading the document back


def read(data: bytes):
    return Document(io.BytesIO(data))


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def section(doc, heading: str) -> str:
    """The body text under a 一级标题 such as 四、表扬, up to the next one."""
    out, inside = [], False
    for p in doc.paragraphs:
        if p.style.name == "GB Heading 1":
            inside = p.text.split("、", 1)[-1] == heading
            continue
        if inside:
            out.append(p.text)
    return "\n".join(out)


def ranking_tables(doc) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables if t.rows[0].cells[0].text == "名次"]


def unit(result: MonthResult, code: str):
    return next(u for u in result.units if u.code == code)


# ---------------------------------------------------------------- tests


def test_each_groups_ranking_table_shows_the_runs_names_scores_and_ranks(october):
    tables = ranking_tables(read(october.published))
    groups = october.v1.by_group()
    assert len(tables) == len(groups) == 4
    for table, (_code, _name, units) in zip(tables, groups, strict=True):
        assert table[0] == ["名次", "单位", "得分", "扣分", "结案率", "按期结案率", "备注"]
        assert [(r[0], r[1], r[2]) for r in table[1:]] == [(str(u.rank), u.name, f"{u.score:.2f}") for u in units]
    towns = {r[1]: r for r in tables[0][1:]}
    assert towns["石岛管理区"][:3] == ["1", "石岛管理区", "101.40"] and towns["石岛管理区"][6] == "表扬"
    # Equal scores, rates and overdue counts: the two overdue towns share the last place, both for the interview.
    assert towns["崖头街道"][0] == towns["城西街道"][0] == "24"
    assert towns["崖头街道"][6] == towns["城西街道"][6] == "并列、约谈"
    assert towns["崖头街道"][3:6] == ["1.3", "0.0%", "0.0%"] and towns["宁津街道"][4] == "100.0%"


def test_the_header_gives_the_issue_number_office_and_publication_date(october):
    lines = texts(read(october.published))
    assert lines[0] == "全域人居环境综合整治工作简报"
    assert lines[1] == "2023年第10期"
    day = october.published_on
    assert lines[2] == f"荣成市全域人居环境综合整治工作专班办公室\t{day.year}年{day.month}月{day.day}日"
    assert lines[3] == "2023年10月全域人居环境综合整治\n考核情况通报"
    assert not any(DRAFT_MARK in t for t in lines)


def test_the_overall_figures_count_the_months_problems(october):
    text = section(read(october.published), "总体情况")
    # Found in October: 5 overdue + 3 closed + the key problem + the relapse; rectified and closed: 3 + 1 + 1.
    assert "共发现人居环境问题10个（其中重点问题1个），派遣10个，整改反馈5个，核查销号5个" in text
    # All ten fell due in October and five were closed, all on time.
    assert "应结案问题10个，已结案5个，结案率50.0%；按期结案5个，按期结案率50.0%" in text
    assert "逾期未整改5个次" in text and "回头看发现反弹1个" in text


def test_praised_criticised_and_escalated_units_are_named(october):
    doc = read(october.published)
    praise, criticism, escalation = section(doc, "表扬"), section(doc, "通报批评"), section(doc, "约谈")
    assert "镇街：石岛管理区（101.40分）" in praise
    assert "石岛管理区，主动开展海滨路沿线集中整治，加2分" in praise
    assert "市综合执法局" not in praise  # 市直部门's first place is shared by thirteen: nobody is praised there
    for name in ("崖头街道", "城西街道", "市住建局", "市综合执法局", "供电公司", "园林集团"):
        assert name in criticism and name in escalation, name
    assert "宁津街道" not in criticism and "荫子镇" not in criticism
    assert "连续两个月排名后两位" in escalation and october.escalation_action in escalation


def test_typical_problems_have_their_before_and_after_photos_side_by_side(october):
    doc = read(october.published)
    text = section(doc, "典型问题")
    relapse, key = october.problems["relapse"], october.problems["key"]
    assert text.index(relapse.number) < text.index(key.number)  # a fix that did not hold comes first
    assert f"原问题{october.problems['yinzi'].number}" in text and "宁津街道海滨路沿线大面积暴露垃圾" in text
    assert text.count("核查销号") == 2
    photo_tables = [t for t in doc.tables if t.rows[-1].cells[0].text.startswith("整改前")]
    assert len(photo_tables) == 2
    for table in photo_tables:
        assert table.rows[-1].cells[1].text.startswith("整改后")
        for cell in table.rows[0].cells:
            assert cell._tc.xpath(".//pic:pic"), "a photo in each cell"


def test_each_ranking_group_has_a_chart(october):
    doc = read(october.published)
    captions = [t for t in texts(doc) if t.startswith("图")]
    assert captions == ["图1\u3000镇街考核得分", "图2\u3000市直部门考核得分", "图3\u3000上级驻荣单位考核得分",
                        "图4\u3000国有企业考核得分"]
    assert len(doc.inline_shapes) == 4 + 2 * 2  # four charts, two typical problems × before and after


def test_service_companies_payment_share_is_listed(october):
    paid = {u.name: u.payment_percent for u in october.v1.units if u.payment_percent is not None}
    assert paid == {"环卫集团": 100, "园林集团": 90, "城投公司": 100, "公交集团": 100}
    table = next(t for t in read(october.published).tables if t.rows[0].cells[-1].text == "付款比例")
    assert {r.cells[0].text: r.cells[2].text for r in table.rows[1:]} == {
        "环卫集团": "100%", "园林集团": "90%", "城投公司": "100%", "公交集团": "100%"}


def test_a_correction_gives_its_reason_and_lists_the_changed_unit(october):
    doc = read(october.corrected)
    text = section(doc, "更正说明")
    assert "本期为2023年10月考核结果第2版，更正第1版" in text
    assert "更正原因：崖头街道申诉核减一处逾期扣分" in text
    table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:3] == ["单位", "原得分", "现得分"])
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    old, new = unit(october.v1, "yatou"), unit(october.v2, "yatou")
    assert new.score > old.score  # one overdue point less: 0.7 × 99.7 + 9 = 78.79
    assert rows["崖头街道"][1:5] == [f"{old.score:.2f}", f"{new.score:.2f}", str(old.rank), str(new.rank)]
    assert rows["崖头街道"][5] == f"改为：逾期未整改 {october.waived} −1分→0分"
    assert rows["城西街道"][3:6] == ["24", "25", "名次变动"]  # was tied with 崖头街道, now last alone
    assert "更正说明" not in texts(read(october.published))


def test_before_publication_the_bulletin_is_the_draft_and_says_so(october):
    doc = read(october.draft)
    assert texts(doc)[2] == DRAFT_MARK
    assert doc.sections[0].header.paragraphs[0].text == f"2023年10月考核{DRAFT_MARK}"
    assert doc.sections[0].even_page_header.paragraphs[0].text == f"2023年10月考核{DRAFT_MARK}"
    assert [r[1] for r in ranking_tables(doc)[0][1:3]] == ["石岛管理区", "经济开发区"]


def test_a_month_never_scored_is_refused_with_the_reason():
    with pytest.raises(ReportError, match="2023年8月尚未进行考核测算"):
        monthly_bulletin(parse_period("2023-08"))
    with pytest.raises(ReportError, match="需要月份"):
        monthly_bulletin(parse_period("2023-W41"))


def test_without_a_cjk_font_the_chart_is_drawn_with_unit_codes_and_a_warning(monkeypatch, caplog):
    monkeypatch.setattr(charts, "PREFERRED_FONTS", ())
    monkeypatch.setattr(charts, "_fontconfig_cjk_file", lambda: None)
    charts.cjk_font.cache_clear()
    try:
        assert charts.cjk_font() is None
        png = charts.score_chart("镇街考核得分", [charts.Bar("崖头街道", "yatou", 78.1, bottom=True),
                                             charts.Bar("宁津街道", "ningjin", 99.2, praised=True)])
    finally:
        charts.cjk_font.cache_clear()
    assert png.startswith(b"\x89PNG") and "no CJK font" in caplog.text


def test_the_bulletin_renders_to_pdf_and_png_for_a_person_to_look_at(october):
    from renju.reports.office import pdf_to_png, to_pdf
    from tests.reports.conftest import require_office

    require_office()
    PREVIEWS.mkdir(parents=True, exist_ok=True)
    for old in PREVIEWS.glob("monthly-2023-10*"):
        old.unlink()
    source = PREVIEWS / "monthly-2023-10.docx"
    source.write_bytes(october.corrected)
    pdf = to_pdf(source)
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = pdf_to_png(pdf, dpi=70)
    assert len(pages) >= 4 and all(p.stat().st_size > 5000 for p in pages)


def test_the_bulletin_downloads_for_the_work_team_and_as_pdf_where_libreoffice_is(users):
    from django.test import Client

    from renju.reports.office import libreoffice_available

    h = History()
    h.publish("2023-08")
    client = Client()
    client.force_login(users["leader"])
    response = client.get("/reports/monthly/", {"period": "2023-08"})
    assert response.status_code == 200
    assert texts(read(response.content))[1] == "2023年第8期"
    assert client.get("/reports/monthly/", {"period": "2023-09"}).status_code == 400  # not scored: says why
    assert client.get("/reports/monthly/", {"period": "2023-08", "unit": "yatou"}).status_code == 400
    if libreoffice_available():
        pdf = client.get("/reports/monthly/", {"period": "2023-08", "format": "pdf"})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.force_login(users["yatou"])
    assert client.get("/reports/monthly/", {"period": "2023-08"}).status_code == 403
