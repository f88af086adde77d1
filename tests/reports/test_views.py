"""/reports/<kind>/: downloads with a Chinese file name, and who may have what (another unit's is a 404)."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.test import Client
from docx import Document
from openpyxl import load_workbook

from renju.reports.notice_slip import qr_png
from renju.reports.registry import CONTENT_TYPES, REPORTS, ReportKind

pytestmark = pytest.mark.django_db


def client_as(users, username: str) -> Client:
    client = Client()
    client.force_login(users[username])
    return client


def test_the_weekly_report_downloads_as_docx_with_its_chinese_name(week41, users):
    response = client_as(users, "dispatcher").get("/reports/weekly/", {"period": "2023-W41"})
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES["docx"]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="weekly.docx"; ')
    assert f"filename*=UTF-8''{quote('周调度-2023年第41周.docx')}" in disposition
    assert Document(io.BytesIO(response.content)).tables


def test_the_weekly_spreadsheet_downloads_for_scorers_and_leaders(week41, users):
    for username in ("scorer", "leader", "admin"):
        response = client_as(users, username).get("/reports/weekly/", {"period": "2023-W41", "format": "xlsx"})
        assert response.status_code == 200, username
        assert response["Content-Type"] == CONTENT_TYPES["xlsx"]
        assert load_workbook(io.BytesIO(response.content)).sheetnames[0] == "汇总"


@pytest.mark.parametrize("username", ["yatou", "inspector"])
def test_city_wide_reports_are_refused_to_handlers_and_inspectors(week41, users, username):
    response = client_as(users, username).get("/reports/weekly/", {"period": "2023-W41"})
    assert response.status_code == 403


def test_a_handler_gets_the_notice_slip_of_their_own_units_problem_with_a_qr_to_this_server(week41, users):
    a = week41["A"]
    response = client_as(users, "yatou").get("/reports/notice-slip/", {"problem": a.number})
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    assert doc.tables[0].rows[0].cells[1].text == a.number
    blobs = [rel.target_part.blob for rel in doc.part.rels.values() if rel.reltype.endswith("/image")]
    assert qr_png(f"http://testserver/problems/{a.id}/") in blobs


def test_another_units_problem_or_unit_does_not_exist_for_a_handler(week41, users):
    chengxi = client_as(users, "chengxi")
    assert chengxi.get("/reports/notice-slip/", {"problem": week41["A"].number}).status_code == 404
    assert chengxi.get("/reports/notice-slip/", {"problem": str(week41["A"].id)}).status_code == 404
    assert chengxi.get("/reports/supervision/", {"period": "2023-W41", "unit": "yatou"}).status_code == 404
    assert chengxi.get("/reports/notice-slip/", {"period": "2023-W41", "unit": "yatou"}).status_code == 404


def test_a_handler_gets_their_own_units_supervision_notice_and_batch_without_naming_the_unit(week41, users):
    yatou = client_as(users, "yatou")
    response = yatou.get("/reports/supervision/", {"period": "2023-W41"})
    assert response.status_code == 200
    assert quote("督办通知-崖头街道-2023年第41周.docx") in response["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "关于督促崖头街道整改超期及重点问题的通知" in text
    batch = yatou.get("/reports/notice-slip/", {"period": "2023-W41"})
    assert batch.status_code == 200
    cover = Document(io.BytesIO(batch.content)).tables[0]
    assert [r.cells[1].text for r in cover.rows[1:]] == [week41[k].number for k in "ABC"]


def test_every_units_supervision_notices_come_as_a_zip_for_the_work_team(week41, users):
    response = client_as(users, "scorer").get("/reports/supervision/", {"period": "2023-W41"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert quote("督办通知-2023年第41周.zip") in response["Content-Disposition"]


@pytest.mark.parametrize(("params", "status", "message"), [
    ({"period": "2023-W60"}, 400, "2023 has ISO weeks 1 to 52"),
    ({"period": "2023-10"}, 400, "weekly takes a week period"),
    ({}, 400, "weekly needs a period"),
    ({"period": "2023-W41", "format": "pptx"}, 400, "weekly comes as docx, xlsx, pdf"),
])
def test_bad_requests_get_400_with_the_reason(week41, users, params, status, message):
    response = client_as(users, "dispatcher").get("/reports/weekly/", params)
    assert response.status_code == status
    assert message in response.content.decode()


def test_unknown_reports_units_and_problems_are_404(week41, users):
    dispatcher = client_as(users, "dispatcher")
    assert dispatcher.get("/reports/quarterly/", {"period": "2023"}).status_code == 404
    assert dispatcher.get("/reports/supervision/", {"period": "2023-W41", "unit": "nobody"}).status_code == 404
    assert dispatcher.get("/reports/notice-slip/", {"problem": "RC-19990101-0001"}).status_code == 404


def test_a_report_not_written_yet_answers_501_with_a_plain_message(users, monkeypatch):
    later = ReportKind("monthly", "月通报", "renju.reports.not_written_yet:generate", ("docx",), ("month",),
                       ("scorer",))
    monkeypatch.setitem(REPORTS, "monthly", later)
    response = client_as(users, "scorer").get("/reports/monthly/", {"period": "2023-10"})
    assert response.status_code == 501
    assert response.content.decode() == "monthly report not available yet"


def test_reports_need_a_login(week41):
    response = Client().get("/reports/weekly/", {"period": "2023-W41"})
    assert response.status_code == 302 and "/login/" in response["Location"]
