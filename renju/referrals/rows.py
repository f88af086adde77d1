"""One referral row checked field by field: every reason it cannot go in, or what it becomes.

Nothing here writes; the importer (importer.py) files what this accepts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from renju.plans.active import PlanContext
from renju.plans.geo import RegionIndex
from renju.plans.models import Category, Unit
from renju.problems.lifecycle.rules import MAX_DESCRIPTION
from renju.referrals.matching import NoMatch, PlaceFinder, match_category, match_severity, match_unit, squeeze
from renju.referrals.sheet import SheetRow, cell_text

MAX_REFERENCE = 100
MAX_OFFICE = 100
MAX_ADDRESS = 300
TRUE_WORDS = {"是", "√", "✓", "✔", "y", "yes", "true", "1", "重点", "重点问题", "是重点"}
FALSE_WORDS = {"否", "×", "x", "n", "no", "false", "0", "非重点", "一般", "不是"}


@dataclass
class ParsedRow:
    reference: str
    office: str
    description: str
    category: Category
    category_how: str
    lat: float
    lng: float
    region_id: int
    place_how: str
    address: str = ""
    referred_on: dt.date | None = None
    due_on: dt.date | None = None
    unit: Unit | None = None
    severity: str | None = None
    is_key: bool = False
    photo_names: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def client_key(self) -> str:
        """The sender's own id for this row: the office and its number, hashed to the lifecycle's 64 characters."""
        digest = hashlib.sha256(f"{self.office}\x1f{self.reference}".encode()).hexdigest()
        return f"referral:{digest[:40]}"

    @property
    def found_at(self) -> dt.datetime | None:
        if self.referred_on is None:
            return None
        return dt.datetime.combine(self.referred_on, dt.time(0), tzinfo=timezone.get_current_timezone())


class RowParser:
    """Checks rows against the active plan and the regions; built once per import."""

    def __init__(self, ctx: PlanContext, index: RegionIndex, *, default_office: str, photo_names: set[str]) -> None:
        self.ctx, self.index = ctx, index
        self.places = PlaceFinder(index)
        self.default_office = default_office
        self.photo_names = photo_names  # lower-cased file names uploaded with the sheet

    def parse(self, row: SheetRow) -> tuple[ParsedRow | None, dict[str, list[str]], list[str]]:
        """(the row as we file it, or None; errors by field; notes for the report)."""
        v = row.values
        errors: dict[str, list[str]] = {}
        notes: list[str] = []

        def bad(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        reference = cell_text(v.get("reference", ""))
        if not reference:
            bad("reference", "必填：交办编号用于识别重复导入")
        elif len(reference) > MAX_REFERENCE:
            bad("reference", f"最多 {MAX_REFERENCE} 个字符")
        office = cell_text(v.get("office", "")) or self.default_office
        if not office:
            bad("office", "必填：表中未写交办单位，导入时也未指定")
        elif len(office) > MAX_OFFICE:
            bad("office", f"最多 {MAX_OFFICE} 个字符")
        description = cell_text(v.get("description", ""))
        if not description:
            bad("description", "必填")
        referred_on = self._date(v, "referred_on", bad)
        if referred_on is not None and referred_on > timezone.localdate():
            bad("referred_on", f"{referred_on:%Y-%m-%d} 晚于今天")
        due_on = self._date(v, "due_on", bad, notes=notes)
        address = cell_text(v.get("address", ""))
        if len(address) > MAX_ADDRESS:
            bad("address", f"最多 {MAX_ADDRESS} 个字符")

        category = None
        try:
            category = match_category(self.ctx, cell_text(v.get("category", "")), description)
        except NoMatch as exc:
            bad("category", str(exc))
        unit = None
        if v.get("unit"):
            try:
                unit = match_unit(self.ctx, cell_text(v["unit"]))
            except NoMatch as exc:
                bad("unit", str(exc))
        severity = None
        if v.get("severity"):
            try:
                severity = match_severity(self.ctx, cell_text(v["severity"]))
            except NoMatch as exc:
                bad("severity", str(exc))
        is_key = self._flag(v, bad)
        photos = self._photos(v, bad)
        place = self._place(v, address, bad, notes)

        if errors:
            return None, errors, notes
        prefix = f"【{office}交办 {reference}】"
        text = prefix + description
        if len(text) > MAX_DESCRIPTION:
            return None, {"description": [f"最多 {MAX_DESCRIPTION - len(prefix)} 个字"]}, notes
        lat, lng, region_id, place_how = place
        return ParsedRow(
            reference=reference, office=office, description=text, category=category.category,
            category_how=category.label(), lat=lat, lng=lng, region_id=region_id, place_how=place_how,
            address=address, referred_on=referred_on, due_on=due_on, unit=unit, severity=severity, is_key=is_key,
            photo_names=photos, notes=notes,
        ), {}, notes

    # ------------------------------------------------------------ fields

    def _date(self, v: dict, name: str, bad, notes: list[str] | None = None) -> dt.date | None:
        value = v.get(name)
        if value in (None, ""):
            return None
        parsed = parse_date(value)
        if parsed is None:
            if notes is not None:  # 整改时限 is often words ("立即整改", "3日内"): kept, not refused
                notes.append(f"整改时限「{cell_text(value)}」不是日期，已原样保留")
                return None
            bad(name, f"无法识别的日期「{cell_text(value)}」（如 2023-05-06）")
        return parsed

    def _flag(self, v: dict, bad) -> bool:
        text = squeeze(cell_text(v.get("is_key", "")))
        if not text or text in FALSE_WORDS:
            return False
        if text in TRUE_WORDS:
            return True
        bad("is_key", f"「{cell_text(v['is_key'])}」：请填写 是 或 否")
        return False

    def _photos(self, v: dict, bad) -> list[str]:
        # Names may hold spaces ("IMG 0451.jpg"): only commas, semicolons, 、 and line breaks separate them.
        names = [n.strip() for n in re.split(r"[,，;；、\r\n]+", cell_text(v.get("photos", ""))) if n.strip()]
        missing = [n for n in names if n.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower() not in self.photo_names]
        if missing:
            bad("photos", f"未找到照片文件 {'、'.join(missing)}（请与表格一同上传照片或照片压缩包）")
        if len(names) > settings.RENJU_MAX_PHOTOS:
            bad("photos", f"每个问题最多 {settings.RENJU_MAX_PHOTOS} 张照片")
        return names

    def _place(self, v: dict, address: str, bad, notes: list[str]) -> tuple[float, float, int, str] | None:
        lat_text, lng_text = cell_text(v.get("lat", "")), cell_text(v.get("lng", ""))
        coordinate_trouble = ""
        if lat_text or lng_text:
            lat, lng = parse_coordinate(lat_text), parse_coordinate(lng_text)
            if lat is None or lng is None:
                coordinate_trouble = "经纬度须同时填写，且为数字（度）"
            else:
                located = self._locate(lat, lng)
                if located is not None:
                    return located
                located = self._locate(lng, lat)
                if located is not None:
                    notes.append("经纬度填反了，已交换后定位")
                    return located
                coordinate_trouble = f"经纬度（{lng_text}, {lat_text}）不在本市任何区域内"
        if address:
            try:
                place = self.places.locate(address)
            except NoMatch as exc:
                if coordinate_trouble:
                    bad("lat", coordinate_trouble)
                bad("address", str(exc))
                return None
            if coordinate_trouble:
                notes.append(coordinate_trouble + "，已按地址定位")
            return place.lat, place.lng, self.index.locate(place.lng, place.lat), f"按地址定位到{place.name}"
        bad("lat" if coordinate_trouble else "address", coordinate_trouble or "无法定位：没有地址，也没有经纬度")
        return None

    def _locate(self, lat: float, lng: float) -> tuple[float, float, int, str] | None:
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            return None
        region_id = self.index.locate(lng, lat)
        if region_id is None:
            return None
        return lat, lng, region_id, "按经纬度定位"


def parse_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and 20000 < value < 80000:  # an Excel serial day written as a number
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    text = cell_text(value)
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text)
    if m is None:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_coordinate(text: str) -> float | None:
    cleaned = re.sub(r"[°度\sEeNn东北]", "", text)
    try:
        return float(cleaned)
    except ValueError:
        return None
