"""`renju report KIND --period PERIOD --out FILE`: files written, formats from the extension, clear refusals."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from openpyxl import load_workbook

from renju.reports import registry
from renju.reports.registry import REPORTS, ReportKind

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_the_weekly_report_is_written_into_a_folder_under_its_chinese_name(week41, tmp_path):
    said = run("weekly", "--period", "2023-W41", "--out", str(tmp_path))
    path = tmp_path / "周调度-2023年第41周.docx"
    assert f"wrote {path}" in said
    doc = Document(path)
    assert any("本周共发现问题5个" in p.text for p in doc.paragraphs)


def test_the_format_follows_the_out_files_extension(week41, tmp_path):
    run("weekly", "--period", "2023-W41", "--out", str(tmp_path / "w41.xlsx"))
    book = load_workbook(tmp_path / "w41.xlsx")
    assert book.sheetnames[0] == "汇总"


def test_a_notice_slip_for_one_problem_by_its_number(week41, tmp_path):
    a = week41["A"]
    run("notice-slip", "--problem", a.number, "--out", str(tmp_path / "slip.docx"), "--base-url", "https://x.cn")
    doc = Document(tmp_path / "slip.docx")
    assert doc.tables[0].rows[0].cells[1].text == a.number


def test_a_units_batch_of_notice_slips_for_the_days_problems_were_found(week41, tmp_path):
    run("notice-slip", "--period", "2023-10-10", "--unit", "yatou", "--out", str(tmp_path / "slips.docx"))
    doc = Document(tmp_path / "slips.docx")
    assert [r.cells[1].text for r in doc.tables[0].rows[1:]] == [week41["B"].number]


def test_supervision_without_a_unit_writes_every_units_notice_in_a_zip(week41, tmp_path):
    said = run("supervision", "--period", "2023-W41", "--out", str(tmp_path / "notices.docx"))
    assert "notices.zip" in said  # several documents: the name says so
    with zipfile.ZipFile(tmp_path / "notices.zip") as archive:
        assert archive.namelist() == ["督办通知-崖头街道-2023年第41周.docx"]
    run("supervision", "--period", "2023-W41", "--unit", "yatou", "--out", str(tmp_path / "yatou.docx"))
    assert Document(tmp_path / "yatou.docx").tables


@pytest.mark.parametrize(("args", "message"), [
    (["weekly", "--period", "2023-W99"], "2023 has ISO weeks 1 to 52"),
    (["weekly", "--period", "2023-10"], "weekly takes a week period such as 2023-W41, not 2023-10"),
    (["weekly"], "weekly needs a period, e.g. 2023-W41"),
    (["weekly", "--period", "2023-W41", "--unit", "yatou"], "weekly covers every unit; leave the unit out"),
    (["weekly", "--period", "2023-W41", "--format", "pdf", "--unit", "nobody"], "no unit with code 'nobody'"),
    (["notice-slip", "--problem", "RC-19990101-0001"], "no problem 'RC-19990101-0001'"),
    (["notice-slip", "--period", "2023-W41"], "notice-slip needs a problem (one slip) or a unit"),
    (["supervision", "--period", "2023-W41", "--unit", "chengxi"], "无需督办"),
    (["supervision", "--period", "2023-W41", "--format", "xlsx"], "supervision comes as docx, pdf, not 'xlsx'"),
])
def test_requests_that_cannot_be_met_say_why_and_write_nothing(week41, tmp_path, args, message):
    out = tmp_path / "reports"
    with pytest.raises(CommandError, match=re.escape(message)):
        run(*args, "--out", str(out / "out.docx"))
    assert not out.exists()


def test_a_registered_report_whose_module_is_not_written_yet_says_so(monkeypatch, tmp_path):
    later = ReportKind("monthly", "月通报", "renju.reports.not_written_yet:generate", ("docx",), ("month",), ())
    monkeypatch.setitem(REPORTS, "monthly", later)
    with pytest.raises(CommandError, match="monthly report not available yet"):
        run("monthly", "--period", "2023-10", "--out", str(tmp_path / "m.docx"))


def test_monthly_and_annual_are_registered_and_load_lazily_from_their_own_modules():
    assert REPORTS["monthly"].generator == "renju.reports.monthly:generate"
    assert REPORTS["annual"].generator == "renju.reports.annual:generate"
    assert registry.report_kind("annual").period_kinds == ("year",)
