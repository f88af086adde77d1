"""督办通知: a numbered notice per unit with its overdue and open key problems at the week's end, and a reply date."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document

from renju.reports.common import ReportNotFound
from renju.reports.periods import parse_period
from renju.reports.supervision import supervision_notice, supervision_notices, supervision_zip

pytestmark = pytest.mark.django_db

WEEK = parse_period("2023-W41")


def test_a_units_notice_lists_its_overdue_and_key_problems_with_days_overdue_and_a_reply_date(week41, users):
    yatou = users["yatou"].unit
    doc = Document(io.BytesIO(supervision_notice(yatou, WEEK)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"荣人居办督〔2023〕41-{yatou.position + 1}号" in text
    assert "关于督促崖头街道整改超期及重点问题的通知" in text
    assert "荣成市崖头街道办事处：" in text
    assert "截至2023年10月15日，你单位尚有超期未整改问题1个、重点问题未销号1个" in text
    # Issued Monday 16 October; three working days to reply: Thursday 19 October at the close of work.
    assert "于2023年10月19日 17:30前将整改情况" in text
    assert "一、超期未整改问题" in text and "二、重点问题（未销号）" in text
    overdue, key = doc.tables
    assert [c.text for c in overdue.rows[1].cells] == [
        "1", week41["A"].number, "暴露垃圾", overdue.rows[1].cells[3].text, "10-09 15:30", "4个工作日"]
    assert overdue.rows[1].cells[3].text.startswith("成山大道88号（崖头街道/")
    assert [r.cells[1].text for r in key.rows[1:]] == [week41["C"].number]
    assert key.rows[1].cells[4].text == "已整改"  # its state when the week ended
    assert text.rstrip().endswith("2023年10月16日")


def test_a_unit_with_nothing_overdue_or_key_gets_no_notice(week41, users):
    with pytest.raises(ReportNotFound, match="无需督办"):
        supervision_notice(users["chengxi"].unit, WEEK)


def test_every_unit_with_something_to_chase_gets_its_own_notice_in_one_zip(week41):
    assert list(supervision_notices(WEEK)) == ["督办通知-崖头街道-2023年第41周.docx"]
    with zipfile.ZipFile(io.BytesIO(supervision_zip(WEEK))) as archive:
        assert archive.namelist() == ["督办通知-崖头街道-2023年第41周.docx"]
        doc = Document(io.BytesIO(archive.read(archive.namelist()[0])))
    assert "关于督促崖头街道整改超期及重点问题的通知" in "\n".join(p.text for p in doc.paragraphs)


def test_a_week_with_nothing_to_chase_has_no_zip(week41):
    with pytest.raises(ReportNotFound):
        supervision_zip(parse_period("2023-W39"))
