"""PERIOD strings: years, months, ISO weeks and days as [start, end) in Beijing time, and clear refusals."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from renju.reports.periods import PLAN_TZ, parse_period, week_of


def midnight(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PLAN_TZ)


@pytest.mark.parametrize(("text", "kind", "start", "end", "label", "code"), [
    ("2023", "year", midnight(2023, 1, 1), midnight(2024, 1, 1), "2023年度", "2023"),
    ("2023-10", "month", midnight(2023, 10, 1), midnight(2023, 11, 1), "2023年10月", "2023-10"),
    ("2023-12", "month", midnight(2023, 12, 1), midnight(2024, 1, 1), "2023年12月", "2023-12"),
    ("2023-2", "month", midnight(2023, 2, 1), midnight(2023, 3, 1), "2023年2月", "2023-02"),
    ("2023-W41", "week", midnight(2023, 10, 9), midnight(2023, 10, 16), "2023年第41周", "2023-W41"),
    ("2023w1", "week", midnight(2023, 1, 2), midnight(2023, 1, 9), "2023年第1周", "2023-W01"),
    # ISO week 1 of 2025 starts on Monday 30 December 2024; 2020 has a 53rd week.
    ("2025-W01", "week", midnight(2024, 12, 30), midnight(2025, 1, 6), "2025年第1周", "2025-W01"),
    ("2020-W53", "week", midnight(2020, 12, 28), midnight(2021, 1, 4), "2020年第53周", "2020-W53"),
    ("2023-10-12", "day", midnight(2023, 10, 12), midnight(2023, 10, 13), "2023年10月12日", "2023-10-12"),
])
def test_periods_parse_to_beijing_midnights_with_chinese_labels(text, kind, start, end, label, code):
    period = parse_period(text)
    assert (period.kind, period.start, period.end, period.label, period.code) == (kind, start, end, label, code)
    assert period.start.utcoffset() == dt.timedelta(hours=8)


def test_a_period_knows_its_days_and_what_it_contains():
    week = parse_period(" 2023-W41 ")
    assert (week.first_day, week.last_day) == (dt.date(2023, 10, 9), dt.date(2023, 10, 15))
    assert week.span_label == "2023年10月9日至10月15日"
    assert parse_period("2020-W53").span_label == "2020年12月28日至2021年1月3日"
    assert midnight(2023, 10, 15, 23, 59) in week
    assert midnight(2023, 10, 16) not in week
    # Sunday 23:30 in Beijing is still Sunday there, though it is Sunday 15:30 UTC.
    assert dt.datetime(2023, 10, 15, 15, 30, tzinfo=dt.UTC) in week


def test_week_of_a_date_is_its_iso_week():
    assert week_of(dt.date(2023, 10, 15)).code == "2023-W41"
    assert week_of(dt.date(2024, 12, 31)).code == "2025-W01"


@pytest.mark.parametrize(("text", "message"), [
    ("", "is not understood; use 2023 (year), 2023-10 (month), 2023-W41 (ISO week) or 2023-10-12 (day)"),
    ("October", "is not understood"),
    ("2023-13", "month must be 01 to 12"),
    ("2023-00", "month must be 01 to 12"),
    ("2023-W53", "2023 has ISO weeks 1 to 52"),
    ("2023-W00", "2023 has ISO weeks 1 to 52"),
    ("2023-02-30", "day is out of range for month"),
    ("1999", "year 1999 is out of range"),
    ("2023-10-12T00:00", "is not understood"),
])
def test_bad_periods_are_refused_with_the_reason(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_period(text)
