"""One shape for a work order, whether it is pushed as JSON or read from a row of a spreadsheet export, and the
checks both get: which field is wrong and why, before anything is written."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re

from django.conf import settings
from django.utils import timezone
from ninja import Schema
from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from renju.plans.active import active_plan
from renju.problems.errors import InvalidInput
from renju.problems.photos import PreparedPhoto, photo_prepare

CLOCK_SKEW = dt.timedelta(minutes=10)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
MAX_CONTENT = 5000
# 12345 platforms write urgency in words; these are the common ones (a plan severity's own code or name also works).
URGENCY_WORDS = {"特急": "urgent", "紧急": "urgent", "加急": "urgent", "急": "urgent", "较急": "major",
                 "较重": "major", "重要": "major", "一般": "", "普通": "", "正常": "", "": ""}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d",
                "%Y/%m/%d", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y年%m月%d日",
                "%Y%m%d%H%M%S", "%Y.%m.%d %H:%M")
EXCEL_SERIALS = (36526, 73051)  # 2000-01-01 … 2100-01-01
ORDER_NO = re.compile(r"^[\w\-./:#]{1,64}$")
PHONE = re.compile(r"^[\d+\-()\s转,;/]{0,32}$")


def parse_time(value: object) -> dt.datetime:
    """A time as 12345 systems write it. Without an offset it is the plan's local time (Beijing)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    elif isinstance(value, int | float) and not isinstance(value, bool) and EXCEL_SERIALS[0] < value < EXCEL_SERIALS[1]:
        # A date cell the export left unformatted: Excel's day count (1900 system; its epoch is 1899-12-30).
        moment = dt.datetime(1899, 12, 30) + dt.timedelta(days=float(value))
        moment = moment.replace(microsecond=0)
    elif isinstance(value, str) and value.strip():
        text = value.strip().replace("T", " ", 1) if re.match(r"^\d{4}-\d\d-\d\dT", value.strip()) else value.strip()
        moment = _parse_text(text)
    else:
        raise ValueError("required")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=active_plan().calendar.tz)
    return moment


def _parse_text(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"not a date and time: {text!r} (use e.g. 2023-10-12 09:30:00)")


class Attachment(Schema):
    model_config = ConfigDict(extra="forbid")
    filename: str = Field("photo.jpg", max_length=200)
    content: str = Field(description="the file, base64")


class OrderIn(Schema):
    """A 12345 work order as the hotline platform sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    order_no: str = Field(min_length=1, max_length=64, description="the platform's 工单编号; sending it again "
                                                                     "returns the order filed the first time")
    received_at: dt.datetime = Field(description="受理时间; without an offset it is Beijing time")
    caller_name: str = Field("", max_length=100)
    caller_phone: str = Field("", max_length=32)
    content: str = Field(min_length=1, max_length=MAX_CONTENT, description="诉求内容")
    address: str = Field("", max_length=300, description="事发地址")
    lat: float | None = Field(None, ge=-90, le=90, description="WGS-84, when the platform has it")
    lng: float | None = Field(None, ge=-180, le=180)
    category: str = Field("", max_length=100, description="工单类型: a category code or name of the plan, or the "
                                                           "platform's own type text (read as words)")
    urgency: str = Field("", max_length=16, description="a severity code or name of the plan, or 紧急/一般…")
    attachments: list[Attachment] = Field([], description="photos as base64: objects {filename, content} or plain "
                                                           "base64 strings (or send multipart `photos`)")

    @field_validator("attachments", mode="before")
    @classmethod
    def _plain_strings(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"filename": f"photo{n + 1}.jpg", "content": v} if isinstance(v, str) else v
                    for n, v in enumerate(value)]
        return value

    @field_validator("received_at", mode="before")
    @classmethod
    def _time(cls, value: object) -> dt.datetime:
        return parse_time(value)

    @field_validator("received_at")
    @classmethod
    def _not_future(cls, value: dt.datetime) -> dt.datetime:
        if value > timezone.now() + CLOCK_SKEW:
            raise ValueError("is in the future")
        if value < EARLIEST:
            raise ValueError("is before 2000")
        return value

    @field_validator("order_no")
    @classmethod
    def _order_no(cls, value: str) -> str:
        if not ORDER_NO.match(value):
            raise ValueError("letters, digits and - _ . / : # only")
        return value

    @field_validator("caller_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not PHONE.match(value):
            raise ValueError("not a telephone number")
        return value

    @field_validator("urgency")
    @classmethod
    def _urgency(cls, value: str) -> str:
        return severity_for(value)

    @model_validator(mode="after")
    def _both_or_neither(self) -> OrderIn:
        if (self.lat is None) != (self.lng is None):
            raise ValueError("give both lat and lng, or neither")
        if len(self.attachments) > settings.RENJU_MAX_PHOTOS:
            raise ValueError(f"at most {settings.RENJU_MAX_PHOTOS} attachments")
        return self


def severity_for(urgency: str) -> str:
    """The plan severity code for a 12345 urgency word ("" = the plan's default)."""
    ctx = active_plan()
    word = (urgency or "").strip()
    if word in ctx.severity_codes:
        return word
    names = {s["name"]: s["code"] for s in ctx.plan.severities}
    if word in names:
        return names[word]
    code = URGENCY_WORDS.get(re.sub(r"(件|程度)$", "", word))
    if code is None:
        known = "、".join([*ctx.severity_codes, *names, *(w for w in URGENCY_WORDS if w)])
        raise ValueError(f"unknown urgency {word!r}; use one of {known}")
    return code if not code or code in ctx.severity_codes else ""


def order_validate(data: dict) -> OrderIn:
    """Validate a dict into an order, or raise InvalidInput naming each bad field."""
    try:
        return OrderIn.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from exc


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in exc.errors():
        field = ".".join(str(p) for p in e.get("loc", ())) or "body"
        message = e.get("msg", "invalid").removeprefix("Value error, ")
        if e.get("type") == "missing":
            message = "required"
        elif e.get("type") == "extra_forbidden":
            message = "unknown field"
        out.setdefault(field, []).append(message)
    return out


def attachments_decode(items: list[Attachment]) -> list[PreparedPhoto]:
    """Base64 attachments into checked photos (type, size, EXIF); errors name `attachments.N`."""
    limit = settings.RENJU_MAX_PHOTO_BYTES
    photos, errors = [], {}
    for n, item in enumerate(items):
        filename, encoded = item.filename, re.sub(r"^data:[\w/+.-]+;base64,", "", item.content.strip())
        if len(encoded) * 3 // 4 > limit + 3:
            errors[f"attachments.{n}"] = [f"larger than {limit // (1024 * 1024)} MB"]
            continue
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            errors[f"attachments.{n}"] = ["not valid base64"]
            continue
        try:
            photos.append(photo_prepare(data, filename, field_name=f"attachments.{n}"))
        except InvalidInput as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    return photos
