"""Deadlines in working time on the Chinese working calendar."""

import datetime as dt

import pytest

from renju.plans.worktime import TimeLimit, WorkingCalendar, is_workday
from tests.conftest import beijing

CAL = WorkingCalendar([(dt.time(8, 30), dt.time(12, 0)), (dt.time(13, 30), dt.time(17, 30))])


def test_three_working_days_from_before_national_day_2023_end_after_the_break():
    # 2023-09-29 … 10-06 is the Mid-Autumn/National Day break; Sat 10-07 and Sun 10-08 are make-up workdays.
    due = CAL.deadline(beijing(2023, 9, 28, 10, 0), TimeLimit(3, "working_days"))
    assert due == beijing(2023, 10, 9, 17, 30)


def test_make_up_saturday_counts_as_a_working_day():
    assert is_workday(dt.date(2023, 10, 7)) is True
    assert is_workday(dt.date(2023, 10, 2)) is False


def test_working_days_skip_an_ordinary_weekend():
    due = CAL.deadline(beijing(2023, 10, 13, 16, 0), TimeLimit(1, "working_days"))  # Friday
    assert due == beijing(2023, 10, 16, 17, 30)


def test_working_hours_continue_after_lunch():
    due = CAL.deadline(beijing(2023, 10, 10, 11, 0), TimeLimit(2, "working_hours"))
    assert due == beijing(2023, 10, 10, 14, 30)


def test_working_hours_set_in_the_evening_start_next_morning():
    due = CAL.deadline(beijing(2023, 10, 10, 20, 0), TimeLimit(4, "working_hours"))
    assert due == beijing(2023, 10, 11, 14, 0)


def test_working_hours_set_just_before_the_holiday_resume_on_the_make_up_day():
    # 16:30 on Thu 2023-09-28 leaves one working hour that day; the other three fall on Sat 10-07.
    due = CAL.deadline(beijing(2023, 9, 28, 16, 30), TimeLimit(4, "working_hours"))
    assert due == beijing(2023, 10, 7, 11, 30)


def test_calendar_hours_ignore_the_holiday():
    due = CAL.deadline(beijing(2023, 10, 1, 9, 0), TimeLimit(24, "calendar_hours"))
    assert due == beijing(2023, 10, 2, 9, 0)


def test_deadline_is_the_same_instant_whatever_time_zone_the_start_is_given_in():
    start_utc = beijing(2023, 10, 10, 11, 0).astimezone(dt.UTC)
    assert CAL.deadline(start_utc, TimeLimit(2, "working_hours")) == beijing(2023, 10, 10, 14, 30)


def test_naive_start_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.deadline(dt.datetime(2023, 10, 10, 11, 0), TimeLimit(1, "working_hours"))


def test_working_minutes_between_skips_lunch_and_nights():
    minutes = CAL.working_minutes_between(beijing(2023, 10, 10, 11, 0), beijing(2023, 10, 11, 9, 0))
    assert minutes == 60 + 240 + 30


def test_years_without_an_official_calendar_fall_back_to_monday_to_friday():
    assert is_workday(dt.date(2031, 1, 6)) is True  # a Monday
    assert is_workday(dt.date(2031, 1, 4)) is False  # a Saturday
