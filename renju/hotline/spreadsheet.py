"""Work orders from a 12345 spreadsheet export (xlsx or csv), row by row, with a report of what became of each.

Exports differ from platform to platform and from year to year, so headers are matched leniently: spaces, marks
and a trailing "(必填)" are ignored and each field has the names seen in the wild (工单编号 / 工单号 / 受理编号 …).
The header row need not be the first (exports often start with a title row). Columns we do not know are listed in
the report and otherwise ignored. Each row is filed in its own transaction: a refused row writes nothing and the
others go on. Rows already imported (same 工单编号) are reported as existing, so importing the same file again is
safe.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from renju.hotline.intake import hotline_order_receive
from renju.hotline.models import HotlineOrder
from renju.hotline.schemas import order_validate
from renju.intake.text import decode_csv_bytes
from renju.problems.errors import ActionForbidden, InvalidInput

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
HEADER_SCAN_ROWS = 10
# field → header names as 12345 exports write them (compared after `_normal`).
HEADERS = {
    "order_no": ["工单编号", "工单号", "工单编码", "受理编号", "受理单号", "单号", "编号", "orderno", "order_no"],
    "received_at": ["受理时间", "来电时间", "登记时间", "创建时间", "接收时间", "派单时间", "工单时间", "received_at"],
    "caller_name": ["来电人", "来电人姓名", "诉求人", "诉求人姓名", "反映人", "联系人", "姓名", "caller_name"],
    "caller_phone": ["来电号码", "来电电话", "联系电话", "联系方式", "诉求人电话", "手机号码", "手机号", "电话",
                     "caller_phone"],
    "content": ["诉求内容", "工单内容", "反映内容", "来电内容", "问题描述", "事项描述", "内容", "content"],
    "title": ["工单标题", "标题", "诉求标题", "title"],
    "address": ["事发地址", "事发地点", "发生地址", "发生地点", "问题地址", "地址", "address"],
    "category": ["工单类型", "诉求类型", "问题分类", "问题类型", "业务类型", "事项分类", "类别", "category"],
    "urgency": ["紧急程度", "缓急程度", "是否紧急", "urgency"],
    "lat": ["纬度", "lat", "latitude"],
    "lng": ["经度", "lng", "lon", "longitude"],
}
REQUIRED = ("order_no", "received_at", "content")
LABELS = {"order_no": "工单编号", "received_at": "受理时间", "content": "诉求内容"}


class SpreadsheetError(Exception):
    """The file as a whole cannot be read (not a spreadsheet, no header, a required column missing)."""


@dataclass
class RowResult:
    line: int  # the row number as the spreadsheet shows it
    order_no: str
    outcome: str  # created | existing | refused
    reason: str = ""
    order_id: int | None = None
    problem_number: str = ""


@dataclass
class ImportReport:
    filename: str
    rows: list[RowResult] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → the header it was read from

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.rows)


def _normal(header: object) -> str:
    text = str(header or "").strip().lower()
    text = re.sub(r"[（(][^)）]*[)）]", "", text)  # (必填), （yyyy-mm-dd）
    return re.sub(r"[\s*:：_\-]", "", text)


LOOKUP = {_normal(name): fieldname for fieldname, names in HEADERS.items() for name in names}


def read_table(data: bytes, filename: str) -> list[list[object]]:
    """Rows of the first sheet of an xlsx, or of a csv (UTF-8 or GB18030, as Chinese Excel saves it)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise SpreadsheetError(f"文件过大：{len(data) / 1024 / 1024:.1f} MB，"
                               f"最多 {MAX_IMPORT_BYTES // 1024 // 1024} MB")
    if not data:
        raise SpreadsheetError("文件是空的")
    name = filename.lower()
    if name.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SpreadsheetError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 .csv 后导入")
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _read_csv(data)
    raise SpreadsheetError("只能导入 .xlsx 或 .csv 文件")


def _read_xlsx(data: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise SpreadsheetError(f"不是有效的 xlsx 文件（{exc.__class__.__name__}），请检查文件是否损坏") from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + HEADER_SCAN_ROWS:
                raise SpreadsheetError(f"行数过多：一次最多导入 {MAX_ROWS} 行，请分批导入")
        return rows
    finally:
        book.close()


def _read_csv(data: bytes) -> list[list[object]]:
    try:
        text = decode_csv_bytes(data)
    except ValueError:
        raise SpreadsheetError("无法识别文件编码（应为 UTF-8 或 GBK）") from None
    if "\x00" in text:
        raise SpreadsheetError("不是文本格式的 csv 文件")
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_ROWS + HEADER_SCAN_ROWS:
        raise SpreadsheetError(f"行数过多：一次最多导入 {MAX_ROWS} 行，请分批导入")
    return rows


def find_header(rows: list[list[object]]) -> tuple[int, dict[int, str], list[str]]:
    """(index of the header row, column → field, headers not understood)."""
    best = (-1, {}, [])
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping, unknown = {}, []
        for col, header in enumerate(row):
            fieldname = LOOKUP.get(_normal(header))
            if fieldname and fieldname not in mapping.values():
                mapping[col] = fieldname
            elif str(header or "").strip():
                unknown.append(str(header).strip())
        if len(mapping) > len(best[1]):
            best = (i, mapping, unknown)
    index, mapping, unknown = best
    missing = [LABELS[f] for f in REQUIRED if f not in mapping.values()]
    if index < 0 or missing:
        raise SpreadsheetError("找不到必需的列：" + "、".join(missing or [LABELS[f] for f in REQUIRED])
                               + "（表头应包含 工单编号、受理时间、诉求内容）")
    return index, mapping, unknown


def _cell(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # a phone or order number in a number column, read as 13800138000.0
    return value


def _row_data(row: list[object], mapping: dict[int, str]) -> dict:
    data: dict = {}
    for col, fieldname in mapping.items():
        raw = row[col] if col < len(row) else None
        value = raw.strip() if isinstance(raw, str) else raw
        if value in (None, ""):
            continue
        data[fieldname] = value if fieldname in ("received_at", "lat", "lng") else str(_cell(value))
    title = data.pop("title", "")
    if title and "content" in data and title not in data["content"]:
        data["content"] = f"{title}：{data['content']}"
    elif title and "content" not in data:
        data["content"] = title
    return data


def hotline_import(*, actor, data: bytes, filename: str) -> ImportReport:
    """Import every row; raise SpreadsheetError when the file as a whole cannot be read."""
    rows = read_table(data, filename)
    header, mapping, unknown = find_header(rows)
    report = ImportReport(filename, ignored_columns=unknown,
                          columns={f: str(rows[header][c]).strip() for c, f in mapping.items()})
    for i, row in enumerate(rows[header + 1:], start=header + 2):
        if not any(str(v or "").strip() for v in row):
            continue
        values = _row_data(row, mapping)
        order_no = str(values.get("order_no", ""))
        try:
            order = order_validate(values)
            received = hotline_order_receive(actor=actor, data=order, channel=HotlineOrder.Channel.IMPORT)
        except InvalidInput as exc:
            report.rows.append(RowResult(i, order_no, "refused", _reason(exc.errors)))
            continue
        except ActionForbidden as exc:
            raise SpreadsheetError(str(exc)) from exc
        o = received.order
        report.rows.append(RowResult(i, o.order_no, "existing" if received.replayed else "created", "",
                                     o.id, o.problem.number if o.problem_id else ""))
    return report


FIELD_LABELS = {**LABELS, "caller_name": "来电人", "caller_phone": "来电号码", "address": "事发地址",
                "category": "工单类型", "urgency": "紧急程度", "lat": "纬度", "lng": "经度", "body": "本行"}


def _reason(errors: dict[str, list[str]]) -> str:
    return "；".join(f"{FIELD_LABELS.get(k, k)}：{'，'.join(v)}" for k, v in errors.items())
