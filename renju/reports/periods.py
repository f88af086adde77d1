"""Report periods: the PERIOD strings of `renju report` and the report URLs, as time ranges in the plan's zone.

    parse_period("2023")        → Period(kind="year",  label="2023年度")
    parse_period("2023-10")     → Period(kind="month", label="2023年10月")
    parse_period("2023-W41")    → Period(kind="week",  label="2023年第41周")   ISO week, Monday–Sunday
    parse_period("2023-10-12")  → Period(kind="day",   label="2023年10月12日")  (daily notice slips)

`start` is inclusive and `end` exclusive, both aware datetimes at midnight in Asia/Shanghai (the plan's time zone:
a week ends at Sunday 24:00 Beijing time wherever the server runs). Bad input raises ValueError with a message fit to
show the person who typed it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

PLAN_TZ = ZoneInfo("Asia/Shanghai")
KINDS = ("day", "week", "month", "year")

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
FORMS = "2023 (year), 2023-10 (month), 2023-W41 (ISO week) or 2023-10-12 (day)"


@dataclass(frozen=True)
class Period:
    kind: str  # "day" | "week" | "month" | "year"
    start: dt.datetime  # inclusive, aware, midnight in PLAN_TZ
    end: dt.datetime  # exclusive
    label: str  # Chinese, as documents print it: 2023年10月, 2023年第41周, 2023年度
    code: str  # the canonical PERIOD string (2023-10, 2023-W41, 2023): file names, URLs

    @property
    def first_day(self) -> dt.date:
        return self.start.date()

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(days=1)).date()

    @property
    def span_label(self) -> str:
        """The dates it covers, as a document says them: 10月9日至10月15日 (years named only when they differ)."""
        first, last = self.first_day, self.last_day
        if first == last:
            return f"{first.year}年{first.month}月{first.day}日"
        tail = f"{last.year}年{last.month}月{last.day}日" if last.year != first.year else f"{last.month}月{last.day}日"
        return f"{first.year}年{first.month}月{first.day}日至{tail}"

    def __contains__(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


def parse_period(text: str, tz: ZoneInfo = PLAN_TZ) -> Period:
    """Parse a PERIOD string (see the module docstring); ValueError names the accepted forms when it is not one."""
    value = (text or "").strip()
    if m := _YEAR.match(value):
        year = _year(m.group(1))
        return _period("year", dt.date(year, 1, 1), dt.date(year + 1, 1, 1), f"{year}年度", f"{year}", tz)
    if m := _MONTH.match(value):
        year, month = _year(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"period {value!r}: month must be 01 to 12")
        following = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
        return _period("month", dt.date(year, month, 1), following, f"{year}年{month}月", f"{year}-{month:02d}", tz)
    if m := _WEEK.match(value):
        year, week = _year(m.group(1)), int(m.group(2))
        weeks = dt.date(year, 12, 28).isocalendar().week  # 28 December is always in the year's last ISO week
        if not 1 <= week <= weeks:
            raise ValueError(f"period {value!r}: {year} has ISO weeks 1 to {weeks}")
        monday = dt.date.fromisocalendar(year, week, 1)
        return _period("week", monday, monday + dt.timedelta(days=7), f"{year}年第{week}周", f"{year}-W{week:02d}", tz)
    if m := _DAY.match(value):
        year, month, day = _year(m.group(1)), int(m.group(2)), int(m.group(3))
        try:
            date = dt.date(year, month, day)
        except ValueError as exc:
            raise ValueError(f"period {value!r}: {exc}") from None
        return _period("day", date, date + dt.timedelta(days=1), f"{year}年{month}月{day}日", date.isoformat(), tz)
    raise ValueError(f"period {value!r} is not understood; use {FORMS}")


def week_of(date: dt.date, tz: ZoneInfo = PLAN_TZ) -> Period:
    """The ISO week containing `date` (what a weekly job runs for: the week that just ended)."""
    year, week, _ = date.isocalendar()
    return parse_period(f"{year}-W{week:02d}", tz)


def _year(text: str) -> int:
    year = int(text)
    # Outside this range a year is a typo, and dt.date would fail later with a less helpful message.
    if not 2000 <= year <= 2099:
        raise ValueError(f"period year {year} is out of range (2000 to 2099)")
    return year


def _period(kind: str, first: dt.date, following: dt.date, label: str, code: str, tz: ZoneInfo) -> Period:
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(following, dt.time.min, tzinfo=tz)
    return Period(kind=kind, start=start, end=end, label=label, code=code)
