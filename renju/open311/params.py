"""Reading Open311 arguments: W3C datetimes, the 90-day window, comma lists, paging, jurisdiction_id.

Every refusal is an Open311Error(400) naming the argument, so garbage in a query string is a 400, never a 500.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from renju.open311.errors import Open311Error

MAX_SPAN = dt.timedelta(days=90)  # the spec: a date range "may not span more than 90 days"; also the default window
MAX_LIST = 1000  # at most this many service_request_id or service_code values in one query
MAX_ARGUMENT = 4000  # the spec's own limit for free text; any longer argument is not one we could use

# W3C datetime (the spec's "w3 format"): a day, or a day and a time with seconds optional, fraction optional, and
# the offset (Z or ±hh:mm) required.
_W3C = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(?P<tz>Z|[+-]\d{2}:\d{2}))?$"
)


def clean_argument(name: str, value: str) -> str:
    """An argument's text, refused if it could not be honest input: NUL and other control characters (PostgreSQL
    cannot even store NUL), or longer than any field we have."""
    if len(value) > MAX_ARGUMENT:
        raise Open311Error.bad(name, f"at most {MAX_ARGUMENT} characters")
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in value):
        raise Open311Error.bad(name, "contains control characters")
    return value


def optional(query, name: str) -> str:
    """An optional argument: the spec says empty and absent mean the same."""
    return clean_argument(name, query.get(name, "")).strip()


def parse_w3c(name: str, value: str, *, end_of_day: bool = False) -> dt.datetime:
    """A W3C datetime with an offset. A bare day (2023-10-12) is taken in the city's time: its first instant, or
    with `end_of_day` its last, so that `end_date=2023-10-12` includes that day."""
    match = _W3C.match(value)
    if match is None:
        raise Open311Error.bad(name, f"{value!r} is not a W3C datetime such as 2010-01-01T00:00:00Z "
                                     "(a time zone offset is required)")
    try:
        if match["time"] is None:
            day = dt.date.fromisoformat(match["date"])
            start = dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())
            return start + dt.timedelta(days=1, microseconds=-1) if end_of_day else start
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Open311Error.bad(name, f"{value!r} is not a real date and time") from exc
    return moment


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime


def window(query, *, now: dt.datetime, default_span: dt.timedelta = MAX_SPAN) -> Window:
    """start_date/end_date as the spec has them: both given = that range (at most 90 days); one given = the span
    from it; none = the most recent `default_span` up to now."""
    raw_start, raw_end = optional(query, "start_date"), optional(query, "end_date")
    try:
        return _window(raw_start, raw_end, now, default_span)
    except OverflowError as exc:  # year 1 or 9999 and a span beyond it
        raise Open311Error.bad("start_date" if raw_start else "end_date", "is out of range") from exc


def _window(raw_start: str, raw_end: str, now: dt.datetime, default_span: dt.timedelta) -> Window:
    start = parse_w3c("start_date", raw_start) if raw_start else None
    end = parse_w3c("end_date", raw_end, end_of_day=True) if raw_end else None
    if start and end:
        if end < start:
            raise Open311Error.bad("end_date", "is before start_date")
        if end - start > MAX_SPAN:
            raise Open311Error.bad("end_date", "the range from start_date may not span more than 90 days")
        return Window(start, end)
    if start:
        return Window(start, start + MAX_SPAN)
    if end:
        return Window(end - default_span, end)
    return Window(now - default_span, now)


def comma_list(query, name: str) -> list[str]:
    """A comma-separated argument (also given several times: ?status=open&status=closed)."""
    values: list[str] = []
    for raw in query.getlist(name):
        values += [v.strip() for v in clean_argument(name, raw).split(",") if v.strip()]
    if len(values) > MAX_LIST:
        raise Open311Error.bad(name, f"at most {MAX_LIST} values")
    return list(dict.fromkeys(values))  # in the order given, each once


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


MAX_PAGE = 100_000


def page(query, *, default_size: int, max_size: int) -> Page:
    """The `page` / `page_size` extension (Chicago, Boston, Toronto, Bloomington, San Francisco implement it)."""
    return Page(_positive(query, "page", 1, MAX_PAGE), _positive(query, "page_size", default_size, max_size))


def _positive(query, name: str, default: int, most: int) -> int:
    raw = optional(query, name)
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= most:
        raise Open311Error.bad(name, f"must be a whole number from 1 to {most}")
    return int(raw)


def check_jurisdiction(query) -> None:
    """One jurisdiction is served, so jurisdiction_id is optional; when RENJU_OPEN311_JURISDICTION is set, any other
    value is refused (404, as the spec says) so that a client configured for another city does not file here."""
    expected = getattr(settings, "RENJU_OPEN311_JURISDICTION", "")
    given = optional(query, "jurisdiction_id")
    if expected and given and given != expected:
        raise Open311Error(404, f"jurisdiction_id {given!r} not found; this endpoint serves {expected!r}")
