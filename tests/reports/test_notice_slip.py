"""问题提示单: one problem on one page with its standard, place, deadline, photo and a QR code to its page."""

from __future__ import annotations

import io

import pytest
from docx import Document

from renju.problems.models import Problem
from renju.reports.common import ReportNotFound
from renju.reports.notice_slip import notice_slip, notice_slips, qr_png, unit_problems
from renju.reports.periods import parse_period
from tests.conftest import prepared_photo
from tests.reports.ooxml import misordered

pytestmark = pytest.mark.django_db


def slip_table(doc) -> dict[str, str]:
    return {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}


def images(doc) -> list[bytes]:
    return [rel.target_part.blob for rel in doc.part.rels.values() if rel.reltype.endswith("/image")]


def test_a_notice_slip_names_the_problem_its_standard_place_unit_and_deadline(week41):
    a = week41["A"]
    doc = Document(io.BytesIO(notice_slip(a, base="https://renju.example.cn")))
    fields = slip_table(doc)
    assert fields["问题编号"] == a.number
    assert fields["问题类型"] == "暴露垃圾（国标编码 06010）"
    # No check item cited: the standards of the category's check items (LWLJ 六无六净, QSBJ 四净三无两通一明).
    assert "“六无六净”" in fields["违反标准"]
    assert fields["问题描述"] == "成山大道路边绿化带内暴露垃圾，面积约2平方米"
    assert fields["问题地点"].startswith("成山大道88号（崖头街道/")
    assert f"{a.lat:.6f}, {a.lng:.6f}" in fields["问题地点"]
    assert fields["发现时间"] == "2023年10月9日 09:00"
    assert fields["问题来源"] == "现场检查（明查）"
    assert fields["责任单位"] == "荣成市崖头街道办事处"
    assert fields["整改时限"] == "2023年10月9日 15:30前"
    assert fields["重点问题"] == "否"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "荣成市全域人居环境综合整治工作专班办公室　　2023年10月9日" in text  # dated the day it was sent
    assert "请于2023年10月9日 15:30前整改到位，通过系统反馈并上传整改后照片" in text


def test_a_notice_slip_carries_the_before_photo_and_a_qr_code_to_the_problem_page(week41):
    a = week41["A"]
    doc = Document(io.BytesIO(notice_slip(a, base="https://renju.example.cn/")))
    pictures = images(doc)
    assert len(pictures) == 2  # the before-photo and the QR code
    assert qr_png(f"https://renju.example.cn/problems/{a.id}/") in pictures
    assert any(p[:3] == b"\xff\xd8\xff" for p in pictures)  # the photo, as JPEG
    captions = [p.text for t in doc.tables[1:] for c in t.rows[0].cells for p in c.paragraphs]
    assert "整改前照片" in captions and "扫码查看与反馈" in captions


def test_the_qr_code_points_at_the_configured_base_url_when_none_is_given(week41, settings):
    settings.RENJU_BASE_URL = "http://intranet.renju:8000"
    a = week41["A"]
    doc = Document(io.BytesIO(notice_slip(a)))
    assert qr_png(f"http://intranet.renju:8000/problems/{a.id}/") in images(doc)


def test_a_check_item_cited_by_the_inspector_is_the_standard_broken(report):
    problem = report(check_item="LWLJ-01")
    doc = Document(io.BytesIO(notice_slip(problem)))
    item = problem.check_item
    assert slip_table(doc)["违反标准"] == f"“{item.standard.name}”：{item.text}"
    assert slip_table(doc)["整改时限"] == "待派遣"


def test_a_long_description_is_shortened_on_the_slip_and_the_extra_photos_counted(report):
    problem = report(description="垃圾" * 500, photos=[prepared_photo(s) for s in (21, 22, 23)])
    doc = Document(io.BytesIO(notice_slip(problem)))
    assert slip_table(doc)["问题描述"] == "垃圾" * 60 + "……（全文见扫码页面）"
    assert len(images(doc)) == 3  # two of the three photos, and the QR code
    captions = [p.text for c in doc.tables[1].rows[0].cells for p in c.paragraphs]
    assert "整改前照片（共3张）" in captions


def test_a_key_problem_is_marked_on_its_slip(week41):
    doc = Document(io.BytesIO(notice_slip(week41["C"])))
    assert slip_table(doc)["重点问题"].startswith("是")


def test_slips_are_well_formed_for_word(week41, users):
    assert misordered(notice_slips(users["yatou"].unit, parse_period("2023-W41"))) == []


def test_a_units_batch_lists_the_problems_found_in_the_period_then_one_page_each(week41, users):
    yatou = users["yatou"].unit
    period = parse_period("2023-W41")
    expected = [week41[k].number for k in "ABC"]  # D was found in week 40, G in week 42
    assert [p.number for p in unit_problems(yatou, period)] == expected
    doc = Document(io.BytesIO(notice_slips(yatou, period)))
    cover = doc.tables[0]
    assert [c.text for c in cover.rows[0].cells] == ["序号", "问题编号", "问题类型", "区域", "整改时限", "重点"]
    assert [r.cells[1].text for r in cover.rows[1:]] == expected
    assert [r.cells[5].text for r in cover.rows[1:]] == ["", "", "是"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2023年10月9日至10月15日，工作专班检查发现并派发你单位问题3个，其中重点问题1个" in text
    slips = [p for p in doc.paragraphs if p.text == "问题提示单" and p.paragraph_format.page_break_before]
    assert len(slips) == 3  # each problem starts a new page
    numbers = [t.rows[0].cells[1].text for t in doc.tables if t.rows[0].cells[0].text == "问题编号"]
    assert numbers == expected
    assert len(images(doc)) == 6  # a photo and a QR code per problem


def test_a_batch_only_shows_what_the_asker_may_see(week41, users):
    chengxi = users["chengxi"]
    with pytest.raises(ReportNotFound):
        notice_slips(users["yatou"].unit, parse_period("2023-W41"), queryset=Problem.objects.visible_to(chengxi))


def test_a_unit_with_nothing_sent_in_the_period_gets_no_batch(week41, users):
    with pytest.raises(ReportNotFound, match="没有派发的问题"):
        notice_slips(users["yatou"].unit, parse_period("2023-W39"))
