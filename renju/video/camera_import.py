"""Bulk import of the camera registry from the platform's device list (CSV or XLSX), with a row-by-row report.

All or nothing: when any row is refused nothing is written, and the report says which rows and why, so the file
can be fixed and imported again. Importing the same file twice changes nothing (rows are matched by code).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from renju.accounts.models import User
from renju.intake.text import decode_csv_bytes
from renju.problems.errors import InvalidInput
from renju.video.cameras import camera_check_editor, camera_clean, camera_locate, camera_upsert_many
from renju.video.models import Camera

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# Column headers as the platforms and offices write them → field names.
HEADERS = {
    "code": "code", "设备编号": "code", "编号": "code", "设备编码": "code", "device_id": "code",
    "name": "name", "名称": "name", "设备名称": "name",
    "channel": "channel", "通道号": "channel", "通道": "channel",
    "lat": "lat", "纬度": "lat", "latitude": "lat",
    "lng": "lng", "经度": "lng", "longitude": "lng", "lon": "lng",
    "address": "address", "位置": "address", "地址": "address", "安装位置": "address",
    "road_class": "road_class", "道路等级": "road_class",
    "status": "status", "状态": "status",
}
STATUS_WORDS = {label: value for value, label in Camera.Status.choices}


@dataclass
class RowResult:
    row: int  # as a spreadsheet numbers it: the header is row 1
    code: str
    action: str = ""  # created | updated | unchanged | refused
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ImportReport:
    rows: list[RowResult]
    written: bool

    @property
    def counts(self) -> dict[str, int]:
        out = {"created": 0, "updated": 0, "unchanged": 0, "refused": 0}
        for r in self.rows:
            out[r.action] = out.get(r.action, 0) + 1
        return out


def camera_import(*, actor: User, data: bytes, filename: str) -> ImportReport:
    """Read, check every row, and write them all only when every row is good."""
    camera_check_editor(actor)
    records = read_table(data, filename)
    results: list[RowResult] = []
    clean_rows: list[dict] = []
    seen: dict[str, int] = {}
    for number, record in records:
        values = {k: _text_of(k, v) for k, v in record.items() if v not in (None, "")}
        if "status" in values:
            values["status"] = STATUS_WORDS.get(str(values["status"]).strip(), str(values["status"]).strip())
        clean, errors = camera_clean(values)
        result = RowResult(row=number, code=str(clean.get("code") or values.get("code") or ""))
        if not errors:
            try:
                clean["region_id"] = camera_locate(clean["lat"], clean["lng"])
            except InvalidInput as exc:
                errors = exc.errors
        if not errors and clean["code"] in seen:
            errors = {"code": [f"already on row {seen[clean['code']]} of this file"]}
        if errors:
            result.action, result.errors = "refused", errors
        else:
            seen[clean["code"]] = number
            clean_rows.append(clean)
        results.append(result)
    if any(r.action == "refused" for r in results):
        return ImportReport(results, written=False)
    changes = iter(camera_upsert_many(actor=actor, rows=clean_rows))
    for result in results:
        result.action = next(changes).action
    return ImportReport(results, written=True)


def _text_of(name: str, value):
    # A spreadsheet keeps a numeric device id or channel as a number: 12.0 must read back as "12".
    if name in ("code", "channel", "name") and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def read_table(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """(row number, {field: value}) for each non-empty row of a CSV or XLSX file; InvalidInput names `file`."""
    if not data:
        raise InvalidInput.one("file", "empty file")
    if len(data) > MAX_BYTES:
        raise InvalidInput.one("file", f"{len(data)} bytes, larger than the {MAX_BYTES} allowed")
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        table = _xlsx_rows(data)
    elif name.endswith(".csv"):
        table = _csv_rows(data)
    else:
        raise InvalidInput.one("file", "send a .csv or .xlsx file")
    if not table:
        raise InvalidInput.one("file", "no header row")
    header = [HEADERS.get(str(h or "").strip().lower(), HEADERS.get(str(h or "").strip())) for h in table[0]]
    missing = [f for f in ("code", "name", "lat", "lng") if f not in header]
    if missing:
        raise InvalidInput.one("file", f"missing column(s): {', '.join(missing)} (e.g. 设备编号, 名称, 纬度, 经度)")
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if all(c in (None, "") or str(c).strip() == "" for c in cells):
            continue
        rows.append((number, {f: c for f, c in zip(header, cells, strict=False) if f is not None}))
    if len(rows) > MAX_ROWS:
        raise InvalidInput.one("file", f"{len(rows)} rows; at most {MAX_ROWS} at once")
    return rows


def _csv_rows(data: bytes) -> list[list]:
    # Excel in China saves CSV as GBK unless told otherwise; try UTF-8 (with or without BOM) first.
    try:
        text = decode_csv_bytes(data)
    except ValueError:
        raise InvalidInput.one("file", "not a text file") from None
    if "\x00" in text:
        raise InvalidInput.one("file", "not a CSV file (binary content)")
    try:
        return [row for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise InvalidInput.one("file", f"not a readable CSV file: {exc}") from exc


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidInput.one("file", f"not a readable XLSX file ({exc.__class__.__name__})") from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
