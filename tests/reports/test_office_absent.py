"""Without LibreOffice, PDF is refused with what to install, and the other formats still work."""

from __future__ import annotations

import pytest
from django.test import Client

from renju.reports import office
from renju.reports.periods import parse_period
from renju.reports.registry import ReportNotAvailable, produce


@pytest.fixture
def no_libreoffice(monkeypatch):
    monkeypatch.setattr(office, "soffice_path", lambda: None)


def test_to_pdf_says_what_to_install_when_libreoffice_is_missing(no_libreoffice, tmp_path):
    source = tmp_path / "a.docx"
    source.write_bytes(b"PK")
    assert not office.libreoffice_available()
    with pytest.raises(office.OfficeUnavailable, match="PDF needs LibreOffice: install it"):
        office.to_pdf(source)


@pytest.mark.django_db
def test_a_pdf_report_is_not_available_but_the_docx_is(no_libreoffice, week41, users):
    week = parse_period("2023-W41")
    with pytest.raises(ReportNotAvailable, match="PDF needs LibreOffice"):
        produce("weekly", week, fmt="pdf")
    assert produce("weekly", week, fmt="docx").filename == "周调度-2023年第41周.docx"
    client = Client()
    client.force_login(users["dispatcher"])
    response = client.get("/reports/weekly/", {"period": "2023-W41", "format": "pdf"})
    assert response.status_code == 501
    assert "PDF needs LibreOffice" in response.content.decode()
