"""Deadlines in working time, on the Chinese working calendar (statutory holidays and make-up workdays).

The calendar data comes from the `chinese-calendar` package, which follows the State Council's yearly
notice. For a year it does not know yet, we fall back to Monday–Friday and log it once, because refusing to
compute any deadline in January would be worse than a deadline a day off around a holiday nobody has announced.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TimeLimit:
    amount: int
    unit: str  # working_hours | working_days | calendar_hours | calendar_days

    @classmethod
    def from_json(cls, data: dict) -> TimeLimit:
        return cls(int(data["amount"]), str(data["unit"]))

    def label(self) -> str:
        names = {
            "working_hours": "个工作时", "working_days": "个工作日", "calendar_hours": "小时", "calendar_days": "天",
        }
        return f"{self.amount}{names.get(self.unit, self.unit)}"


@functools.lru_cache(maxsize=8192)
def is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_unknown_year(day.year)
        return day.weekday() < 5


@functools.lru_cache(maxsize=64)
def _warn_unknown_year(year: int) -> None:
    log.warning("no official working calendar for %s yet; counting Monday-Friday as working days", year)


class WorkingCalendar:
    def __init__(self, periods: list[tuple[dt.time, dt.time]], timezone: str = "Asia/Shanghai") -> None:
        if not periods:
            raise ValueError("a working calendar needs at least one working period")
        self.periods = periods
        self.tz = ZoneInfo(timezone)

    @classmethod
    def from_plan_json(cls, data: dict) -> WorkingCalendar:
        periods = [(dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in data["working_hours"]]
        return cls(periods, data.get("timezone", "Asia/Shanghai"))

    def deadline(self, start: dt.datetime, limit: TimeLimit) -> dt.datetime:
        """When a limit set at `start` runs out (aware datetime, in the calendar's time zone)."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        local = start.astimezone(self.tz)
        if limit.unit == "calendar_hours":
            return local + dt.timedelta(hours=limit.amount)
        if limit.unit == "calendar_days":
            return local + dt.timedelta(days=limit.amount)
        if limit.unit == "working_days":
            return self._add_working_days(local, limit.amount)
        if limit.unit == "working_hours":
            return self._add_working_minutes(local, limit.amount * 60)
        raise ValueError(f"unknown time unit {limit.unit!r}")

    def add_working_minutes(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """`start` moved on by this many minutes of working time (a suspended clock's time given back)."""
        if minutes <= 0:
            return start
        return self._add_working_minutes(start.astimezone(self.tz), minutes)

    def _at(self, day: dt.date, t: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, t, tzinfo=self.tz)

    def _add_working_days(self, local: dt.datetime, days: int) -> dt.datetime:
        # N working days = to the close of the N-th working day after the day the limit was set, so a problem
        # dispatched at 17:00 does not lose a day to the half hour left of it.
        day = local.date()
        remaining = days
        while remaining > 0:
            day += dt.timedelta(days=1)
            if is_workday(day):
                remaining -= 1
        return self._at(day, self.periods[-1][1])

    def _add_working_minutes(self, local: dt.datetime, minutes: int) -> dt.datetime:
        remaining = dt.timedelta(minutes=minutes)
        day = local.date()
        cursor = local
        for _ in range(3660):  # ten years of days: a limit that long is a data error, not a loop to hang on
            if is_workday(day):
                for start_t, end_t in self.periods:
                    start, end = self._at(day, start_t), self._at(day, end_t)
                    begin = max(start, cursor)
                    if begin >= end:
                        continue
                    available = end - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += dt.timedelta(days=1)
            cursor = self._at(day, dt.time(0, 0))
        raise ValueError("working-hour limit too long to compute")

    def working_minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working minutes from start to end (0 if end is not after start); used to report how late something was."""
        if end <= start:
            return 0
        total = dt.timedelta()
        day, last = start.astimezone(self.tz).date(), end.astimezone(self.tz).date()
        while day <= last:
            if is_workday(day):
                for a, b in self.periods:
                    lo, hi = max(self._at(day, a), start), min(self._at(day, b), end)
                    if hi > lo:
                        total += hi - lo
            day += dt.timedelta(days=1)
        return int(total.total_seconds() // 60)
