"""A list of problems as a spreadsheet (XLSX) or CSV, one row per problem, headers in Chinese.

Built for tens of thousands of rows: the problems are read as plain tuples in chunks (values_list + iterator), names
come from the in-memory plan and region index, and the workbook is written in openpyxl's write-only mode, which
streams rows to the file instead of holding a sheet of cell objects.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList

from renju.plans.active import active_plan
from renju.plans.geo import region_index
from renju.plans.models import Category, Unit
from renju.problems.models import ON_THE_CLOCK, Source, Status

# (header, column width in characters)
COLUMNS: list[tuple[str, int]] = [
    ("编号", 20), ("状态", 9), ("问题类型", 18), ("国标编码", 9), ("描述", 40), ("地址", 28), ("区域", 30),
    ("来源", 10), ("责任单位", 16), ("上报时间", 17), ("派遣时间", 17), ("整改期限", 17), ("整改时间", 17),
    ("销号时间", 17), ("是否超期", 10), ("是否重点", 9),
]
HEADERS = [name for name, _ in COLUMNS]
TIME_COLUMNS = {"上报时间", "派遣时间", "整改期限", "整改时间", "销号时间"}
FIELDS = (
    "number", "status", "category_id", "description", "address", "region_id", "source", "unit_id", "reported_at",
    "dispatched_at", "due_at", "rectified_at", "closed_at", "is_key",
)
CHUNK = 2000
# 宋体 is what Chinese government offices' spreadsheets use and what every Chinese Office install has.
FONT_NAME = "宋体"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
GB2312 = 134  # the font charset Excel records for Chinese fonts
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

STATUS_NAMES = dict(Status.choices)
SOURCE_NAMES = dict(Source.choices)


def overdue_label(status: str, due_at: dt.datetime | None, rectified_at: dt.datetime | None,
                  now: dt.datetime) -> str:
    """是 while on the clock past the deadline; 逾期整改 when it was fixed, but after the deadline; else 否."""
    if due_at is None:
        return "否"
    if status in ON_THE_CLOCK and due_at < now:
        return "是"
    if rectified_at is not None and rectified_at > due_at:
        return "逾期整改"
    return "否"


def export_rows(queryset: QuerySet, now: dt.datetime | None = None) -> Iterator[list]:
    """One list of cell values per problem, in HEADERS order; times as naive Beijing time (what a sheet shows)."""
    now = now or timezone.now()
    ctx, index = active_plan(), region_index()
    # Every category and unit, retired ones and older plans' included (filed problems keep pointing at them): two
    # small queries, so every row's names are dictionary lookups.
    categories = {cid: (name, national) for cid, name, national in
                  Category.objects.values_list("id", "name", "national_code")}
    units = dict(Unit.objects.values_list("id", "name"))
    tz = ctx.calendar.tz
    regions: dict[int, str] = {}

    def local(value: dt.datetime | None) -> dt.datetime | None:
        return value.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0) if value else None

    def region(region_id: int) -> str:
        if region_id not in regions:
            chain = [n.name for n in reversed(index.ancestors(region_id)) if n.kind != "city"]
            regions[region_id] = "/".join(chain)
        return regions[region_id]

    rows = queryset.order_by("-reported_at", "-id").values_list(*FIELDS)
    for (number, status, category_id, description, address, region_id, source, unit_id, reported_at, dispatched_at,
         due_at, rectified_at, closed_at, is_key) in rows.iterator(chunk_size=CHUNK):
        category_name, national_code = categories.get(category_id, ("", ""))
        yield [
            number, STATUS_NAMES.get(status, status), category_name, national_code or "", description, address,
            region(region_id), SOURCE_NAMES.get(source, source), units.get(unit_id, "") if unit_id else "",
            local(reported_at), local(dispatched_at), local(due_at), local(rectified_at), local(closed_at),
            overdue_label(status, due_at, rectified_at, now), "是" if is_key else "否",
        ]


def problems_csv(queryset: QuerySet, now: dt.datetime | None = None) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in export_rows(queryset, now):
        writer.writerow([_csv_value(v) for v in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def _csv_value(value) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if value is None:
        return ""
    text = str(value)
    # Descriptions come from the public (hotline) and the field: a cell Excel would read as a formula is quoted.
    return f"'{text}" if text[:1] in FORMULA_STARTS else text


def problems_xlsx(queryset: QuerySet, now: dt.datetime | None = None, title: str = "问题清单") -> bytes:
    """An XLSX workbook: a bold header row frozen at the top, column widths set, 宋体 throughout."""
    workbook = Workbook(write_only=True)
    # 宋体 as the workbook's own default font (the "Normal" style every cell starts from), so plain body cells need
    # no style of their own: styling each of hundreds of thousands of cells would make a large export half as fast.
    workbook._fonts = IndexedList([Font(name=FONT_NAME, size=11, charset=GB2312)])
    sheet = workbook.create_sheet(title=title[:31])
    for i, (_name, width) in enumerate(COLUMNS):
        sheet.column_dimensions[get_column_letter(i + 1)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for name in HEADERS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(name=FONT_NAME, size=11, bold=True, charset=GB2312)
        cell.fill = PatternFill("solid", fgColor="DDE4EC")
        cell.border = Border(bottom=Side(style="thin", color="B0B7BF"))
        cell.alignment = Alignment(horizontal="center", vertical="center")
        header.append(cell)
    sheet.append(header)
    for values in export_rows(queryset, now):
        sheet.append([_xlsx_value(sheet, v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(sheet, value):
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = TIME_FORMAT
        return cell
    if isinstance(value, str) and value.startswith("="):
        # openpyxl would write it as a formula; user text stays text.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value
