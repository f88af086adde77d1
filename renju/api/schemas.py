"""Request and response shapes of the JSON API. Output is built by the functions in `renju.api.present`."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class ProblemIn(In):
    category: str = Field(min_length=1, description="category code from GET /categories")
    lat: float = Field(ge=-90, le=90, description="WGS-84 latitude")
    lng: float = Field(ge=-180, le=180, description="WGS-84 longitude")
    description: str = Field(min_length=1, max_length=2000)
    source: Literal["inspection", "drone", "video", "hotline", "referral", "self_check"]
    address: str = Field("", max_length=300)
    found_at: dt.datetime | None = Field(None, description="when it was found, with a time zone offset")
    severity: str | None = Field(None, description="a severity code of the plan; default the first")
    visit: Literal["open", "covert"] = "open"
    is_key: bool = False
    road_class: str = ""
    check_item: str | None = None
    client_key: str | None = Field(
        None, min_length=8, max_length=64,
        description="the sender's own id for this report; sending it again returns the same problem (HTTP 200)",
    )


class AcceptIn(In):
    category: str | None = None
    severity: str | None = None
    is_key: bool | None = None
    note: str = ""


class ReasonIn(In):
    reason: str = Field(min_length=1, max_length=1000)


class MergeIn(In):
    into: int = Field(description="id of the problem this one duplicates")
    note: str = ""


class DispatchIn(In):
    unit: str | None = Field(None, description="unit code; omit to take the suggested unit")
    reason: str = Field("", description="required when overriding the suggestion")


class RectifyIn(In):
    note: str = Field(min_length=1, max_length=1000)


class VerifyIn(In):
    result: Literal["pass", "fail"]
    reason: str = ""


class FlagKeyIn(In):
    is_key: bool
    reason: str = ""


class ExtensionRequestIn(In):
    until: dt.datetime = Field(description="the deadline the unit proposes, with a time zone offset")
    reason: str = Field(min_length=1, max_length=1000)


class ExtensionDecideIn(In):
    approve: bool
    note: str = Field("", description="required when refusing")


class NoteIn(In):
    note: str = ""


class ArriveIn(In):
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    note: str = ""


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class CategoryOut(Schema):
    code: str
    name: str
    initials: str
    national_code: str | None
    task: int
    task_title: str
    domain: str
    check_items: list[dict]
    keywords: list[str]
    time_limit: dict
    time_limits: dict
    default_unit: str | None


class UnitOut(Schema):
    code: str
    name: str
    full_name: str
    kind: str
    group: str | None
    group_name: str | None
    region: str | None


class RegionOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None
    bbox: list[float]
    demo: bool
    geometry: dict | None = None


class UnitRef(Schema):
    code: str
    name: str


class PhotoOut(Schema):
    id: int
    kind: str
    url: str
    thumbnail_url: str
    width: int
    height: int
    taken_at: dt.datetime | None
    lat: float | None
    lng: float | None
    uploaded_at: dt.datetime


class EventOut(Schema):
    seq: int
    action: str
    actor: str
    at: dt.datetime
    from_status: str
    to_status: str
    details: dict


class ProblemOut(Schema):
    id: int
    number: str
    status: str
    status_name: str
    category: str
    category_name: str
    national_code: str | None
    description: str
    lat: float
    lng: float
    address: str
    region: str
    region_name: str
    source: str
    visit: str
    severity: str
    is_key: bool
    unit: UnitRef | None
    suggested_unit: UnitRef | None
    found_at: dt.datetime
    reported_at: dt.datetime
    dispatched_at: dt.datetime | None
    due_at: dt.datetime | None
    rectified_at: dt.datetime | None
    closed_at: dt.datetime | None
    overdue: bool
    url: str


class ProblemDetailOut(ProblemOut):
    check_item: str | None
    road_class: str
    reporter: str
    merged_into: str | None
    events: list[EventOut]
    photos: list[PhotoOut]


class ProblemPage(Schema):
    items: list[ProblemOut]
    next_cursor: str | None
    limit: int
