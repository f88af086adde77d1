"""The documents rendered by LibreOffice to PDF and PNG, as a person will see them.

The PNGs are kept in var/report-previews/ (under RENJU_VAR_DIR) for a person to look at. Skipped only where
LibreOffice or poppler is missing (`make test` installs them).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.conf import settings
from PIL import Image

from renju.reports.notice_slip import notice_slip, notice_slips
from renju.reports.office import pdf_to_png, to_pdf
from renju.reports.periods import parse_period
from renju.reports.registry import produce
from renju.reports.supervision import supervision_notice
from renju.reports.weekly import weekly_docx
from tests.conftest import prepared_photo
from tests.reports.conftest import require_office

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def office():
    require_office()

WEEK = parse_period("2023-W41")


def ink(png) -> float:
    """Share of the page that is not white: a blank or nearly blank render is a failure."""
    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
    return 1 - sum(histogram[245:]) / sum(histogram)


def pdf_fonts(pdf) -> str:
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout


def render(name: str, data: bytes, tmp_path) -> list:
    source = tmp_path / f"{name}.docx"
    source.write_bytes(data)
    pdf = to_pdf(source)
    assert pdf.read_bytes().startswith(b"%PDF")
    previews = settings.VAR_DIR / "report-previews"
    for old in previews.glob(f"{name}-*.png"):
        old.unlink()
    pages = pdf_to_png(pdf, dpi=60, outdir=previews)
    if shutil.which("pdffonts"):
        # Chinese text came out in a CJK font (the preview maps 仿宋_GB2312 and friends to Noto CJK), not as boxes.
        assert "CJK" in pdf_fonts(pdf)
    return pages


def test_a_notice_slip_renders_on_exactly_one_page(week41, tmp_path):
    pages = render("notice-slip", notice_slip(week41["A"], base="https://renju.example.cn"), tmp_path)
    assert len(pages) == 1
    assert ink(pages[0]) > 0.03  # text, a table, a photo and a QR code


def test_a_slip_with_portrait_photos_a_long_description_and_a_long_address_still_fits_one_page(report, tmp_path):
    problem = report(description="沿街商铺门前堆放大量建筑垃圾和生活垃圾，" * 60,
                     address="崖头街道成山大道与青山路交叉口" * 5, is_key=True,
                     photos=[prepared_photo(s, size=(480, 640)) for s in (11, 12, 13)])
    pages = render("notice-slip-crowded", notice_slip(problem), tmp_path)
    assert len(pages) == 1


def test_a_batch_of_notice_slips_renders_a_cover_and_one_page_per_problem(week41, users, tmp_path):
    pages = render("notice-slips", notice_slips(users["yatou"].unit, WEEK), tmp_path)
    assert len(pages) == 4
    assert all(ink(p) > 0.005 for p in pages)


def test_the_weekly_report_and_a_supervision_notice_render_with_ink_on_every_page(week41, users, tmp_path):
    weekly = render("weekly", weekly_docx(WEEK), tmp_path)
    assert len(weekly) >= 2
    assert all(ink(p) > 0.005 for p in weekly)
    notice = render("supervision", supervision_notice(users["yatou"].unit, WEEK), tmp_path)
    assert len(notice) >= 1
    assert all(ink(p) > 0.005 for p in notice)


def test_pdf_is_a_format_of_the_registry(week41):
    output = produce("supervision", WEEK, unit=week41["A"].unit, fmt="pdf")
    assert output.data.startswith(b"%PDF")
    assert output.filename == "督办通知-崖头街道-2023年第41周.pdf"
    assert output.content_type == "application/pdf"
