"""Reading a referral spreadsheet (xlsx or csv): find the header row, map its Chinese headers to our fields leniently,
and hand back the data rows with their spreadsheet row numbers.

A file that cannot be a referral sheet at all (not a spreadsheet, empty, too big, without the columns we need) is
refused here as a whole, before anything is written: InvalidInput({"file": [why]}).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.conf import settings

from renju.intake.text import decode_csv_bytes
from renju.problems.errors import InvalidInput

# Limits: the seed's busiest office referred 451 problems in a year; a sheet a hundred times that is a mistake.
MAX_BYTES = getattr(settings, "RENJU_REFERRAL_MAX_BYTES", 10 * 1024 * 1024)
MAX_ROWS = getattr(settings, "RENJU_REFERRAL_MAX_ROWS", 5000)
# An xlsx is a zip: its parts, unpacked, may not exceed this (a few MB of sheet never comes near; a zip bomb does).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
HEADER_SCAN_ROWS = 10  # offices put a title or a note above the header; look this far down for it

# Our fields, with the Chinese names offices give their columns, most specific first. Matching ignores spaces,
# full/half width, case, and anything in brackets ("经度(WGS84)", "问题描述（必填）").
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "reference": ("交办编号", ("交办编号", "交办号", "通报编号", "督办编号", "问题编号", "案件编号", "编号", "序号")),
    "office": ("交办单位", ("交办单位", "交办部门", "交办机关", "通报单位", "通报部门", "来源单位", "交办来源")),
    "referred_on": ("交办日期", ("交办日期", "交办时间", "通报日期", "通报时间", "发现日期", "发现时间", "日期")),
    "category": ("问题类型", ("问题类型", "问题类别", "问题分类", "类型", "类别")),
    "description": ("问题描述", ("问题描述", "问题内容", "问题详情", "具体问题", "存在问题", "描述", "问题")),
    "address": ("地址", ("问题地址", "问题位置", "详细地址", "具体位置", "具体地点", "地址", "位置", "地点", "点位")),
    "lng": ("经度", ("经度", "lng", "lon", "longitude", "x坐标")),
    "lat": ("纬度", ("纬度", "lat", "latitude", "y坐标")),
    "unit": ("责任单位", ("责任单位", "整改单位", "责任部门", "承办单位", "处置单位")),
    "due_on": ("整改时限", ("整改时限", "整改期限", "完成时限", "办结时限", "整改完成时限")),
    "photos": ("照片", ("照片", "照片文件", "照片文件名", "图片", "现场照片", "附件")),
    "is_key": ("重点", ("是否重点", "重点问题", "重点")),
    "severity": ("严重程度", ("严重程度", "问题等级", "等级")),
}
LABELS = {name: label for name, (label, _aliases) in FIELDS.items()}
LABELS.update({"file": "文件", "place": "位置", "row": "本行"})


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # as the sheet writes it
    index: int

    @property
    def letter(self) -> str:
        n, out = self.index + 1, ""
        while n:
            n, r = divmod(n - 1, 26)
            out = chr(65 + r) + out
        return out


@dataclass
class SheetRow:
    number: int  # the row number the spreadsheet program shows
    values: dict[str, object]  # field → cell value (str, int, float, date or datetime), blanks left out
    raw: dict[str, str]  # header → text, the row as the office wrote it (kept with the referral)


@dataclass
class Sheet:
    kind: str  # "xlsx" | "csv"
    title: str
    columns: dict[str, Column]
    unused: list[str]
    rows: list[SheetRow] = field(default_factory=list)

    def columns_json(self) -> dict:
        mapped = [{"field": c.field, "label": LABELS[c.field], "header": c.header, "column": c.letter}
                  for c in sorted(self.columns.values(), key=lambda c: c.index)]
        return {"kind": self.kind, "sheet": self.title, "mapped": mapped, "unused": self.unused}


def too_big(size: int) -> str:
    return f"文件大小 {size / 1024 / 1024:.1f} MB，超过 {MAX_BYTES / 1024 / 1024:g} MB 的上限；请分批导入"


def refuse(message: str) -> InvalidInput:
    return InvalidInput.one("file", message)


def read_sheet(data: bytes, filename: str) -> Sheet:
    """The referral rows of an uploaded file, or InvalidInput({"file": …}) saying why it cannot be read as one."""
    if not data:
        raise refuse("文件是空的")
    if len(data) > MAX_BYTES:
        raise refuse(too_big(len(data)))
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise refuse("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 .csv 后再导入")
    if data[:4] == b"PK\x03\x04":
        tables = _xlsx_tables(data)
        kind = "xlsx"
    else:
        if filename.lower().endswith((".xlsx", ".xlsm")):
            raise refuse("文件扩展名是 .xlsx，但内容不是 Excel 工作簿（文件可能已损坏）")
        tables = [("", _csv_rows(data))]
        kind = "csv"
    for title, rows in tables:
        sheet = _sheet_from_rows(kind, title, rows)
        if sheet is not None:
            return sheet
    raise refuse("没有找到表头：前 10 行中没有一行包含「交办编号」「问题描述」等列名。请使用导入模板的列名")


# ---------------------------------------------------------------- file formats


def _xlsx_tables(data: bytes) -> list[tuple[str, list[list[object]]]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise refuse("无法读取：文件已损坏，或不是 Excel 工作簿") from exc
    if "xl/workbook.xml" not in names:
        raise refuse("这是一个压缩包，不是 Excel 工作簿（.xlsx）")
    if unpacked > MAX_UNPACKED_BYTES:
        raise refuse("工作簿解压后过大，拒绝读取")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        tables = []
        for ws in book.worksheets:
            rows = []
            for row in ws.iter_rows(values_only=True):
                rows.append(list(row))
                if len(rows) > MAX_ROWS + HEADER_SCAN_ROWS + 1000:  # blank-trailing sheets: enough to judge
                    break
            tables.append((ws.title, rows))
        book.close()
    except Exception as exc:  # openpyxl raises many kinds (KeyError, XML errors…) for a damaged workbook
        raise refuse(f"无法读取：工作簿已损坏（{exc.__class__.__name__}）") from exc
    return tables


def _csv_rows(data: bytes) -> list[list[object]]:
    if b"\x00" in data[:4096]:
        raise refuse("不是表格文件：请上传 .xlsx 或 .csv（UTF-8 或 GBK 编码）")
    # Excel in China saves CSV as GBK (GB18030 is its superset); everything newer writes UTF-8.
    try:
        text = decode_csv_bytes(data)
    except ValueError:
        raise refuse("无法识别文件编码：请以 UTF-8 或 GBK 编码保存 CSV") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        return [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise refuse(f"CSV 格式有误：{exc}") from exc


# ---------------------------------------------------------------- headers


def normalise_header(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", text)
    return re.sub(r"[\s*:：#]", "", text).lower()


def _match_header(header: str) -> tuple[str, tuple] | None:
    """(field, rank) for one header, or None; higher rank wins: an exact name beats a name inside a longer header,
    then the earlier (more specific) alias."""
    best = None
    for name, (_label, aliases) in FIELDS.items():
        for position, alias in enumerate(aliases):
            if header == alias:
                rank = (2, len(alias), -position)
            elif len(alias) >= 2 and alias in header and len(header) <= len(alias) + 6:
                rank = (1, len(alias), -position)
            else:
                continue
            if best is None or rank > best[1]:
                best = (name, rank)
    return best


def map_headers(cells: list[object]) -> tuple[dict[str, Column], list[str]]:
    """Which column holds which field (each field once, each column once), and the headers left unused."""
    offers = []
    for index, cell in enumerate(cells):
        header = normalise_header(cell)
        if header and (m := _match_header(header)) is not None:
            offers.append((m[1], -index, m[0], index))
    columns: dict[str, Column] = {}
    taken: set[int] = set()
    for _rank, _neg, name, index in sorted(offers, reverse=True):
        if name not in columns and index not in taken:
            columns[name] = Column(name, str(cells[index]).strip(), index)
            taken.add(index)
    unused = [str(c).strip() for i, c in enumerate(cells) if i not in taken and str(c or "").strip()]
    return columns, unused


def _sheet_from_rows(kind: str, title: str, rows: list[list[object]]) -> Sheet | None:
    header_at = None
    for n, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns, unused = map_headers(cells)
        if len(columns) >= 2 and ("reference" in columns or "description" in columns):
            header_at = n
            break
    if header_at is None:
        return None
    _require_columns(columns)
    sheet = Sheet(kind=kind, title=title, columns=columns, unused=unused)
    headers = [str(c or "").strip() for c in rows[header_at]]
    for offset, cells in enumerate(rows[header_at + 1:], start=header_at + 2):
        values = {name: _clean(cells[c.index]) for name, c in columns.items() if c.index < len(cells)}
        values = {k: v for k, v in values.items() if v != ""}
        if not values:
            continue  # blank lines between blocks, or the sheet's formatted-but-empty tail
        raw = {headers[i] or f"列{i + 1}": _text(v)
               for i, v in enumerate(cells) if i < len(headers) and _clean(v) != ""}
        sheet.rows.append(SheetRow(offset, values, raw))
        if len(sheet.rows) > MAX_ROWS:
            raise refuse(f"数据超过 {MAX_ROWS} 行，请分批导入")
    if not sheet.rows:
        raise refuse("表头下面没有数据行")
    return sheet


def _require_columns(columns: dict[str, Column]) -> None:
    missing = []
    for name in ("reference", "description"):
        if name not in columns:
            missing.append(f"「{LABELS[name]}」（可写作：{'、'.join(FIELDS[name][1][:4])}）")
    if ("lat" in columns) != ("lng" in columns):
        missing.append("「经度」和「纬度」须同时提供")
    if "address" not in columns and "lat" not in columns:
        missing.append("「地址」或「经度」「纬度」（用于定位）")
    if missing:
        raise refuse("缺少必需的列：" + "；".join(missing))


def _clean(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return value


def _text(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour, value.minute) != (0, 0) else f"{value:%Y-%m-%d}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


cell_text = _text
