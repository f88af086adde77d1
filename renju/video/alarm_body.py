"""Reading an alarm push: JSON with the snapshot in base64, or multipart with the snapshot as a file.

Every refusal is an InvalidInput naming the field, so the platform's developers see what to fix; the snapshot's size
is checked before it is decoded or read into memory.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from pydantic import Field, ValidationError

from renju.api.body import errors_by_field
from renju.api.schemas import In
from renju.problems.errors import InvalidInput


class AlarmIn(In):
    camera: str = Field(min_length=1, max_length=64, description="the camera's code in the registry")
    alarm_id: str = Field(min_length=1, max_length=64, description="the platform's id of this alarm (idempotency)")
    alarm_type: str = Field(min_length=1, max_length=64, description="alarm code mapped by the plan to a category")
    occurred_at: dt.datetime = Field(description="when the camera saw it, with a time zone offset")
    confidence: float = Field(ge=0, le=1)
    snapshot: str | None = Field(None, description="base64 JPEG/PNG (a data: URL is fine); or a multipart file")
    box: list[int] | None = Field(None, min_length=4, max_length=4, description="x, y, width, height (pixels)")
    extra: dict = Field({}, description="anything else the platform wants kept with the alarm")


class FrameIn(In):
    camera: str = Field(min_length=1, max_length=64)
    frame_id: str = Field("", max_length=40, description="the frame's id; default: the image's hash")
    occurred_at: dt.datetime
    snapshot: str | None = Field(None, description="base64 image; or a multipart file")


def _doc(schema) -> dict:
    # Inline, not a $ref: the schema is read by hand (JSON or multipart), so ninja does not list it in components.
    ref = schema.model_json_schema()
    multipart = {"allOf": [ref, {"type": "object", "properties": {
        "snapshot": {"type": "string", "format": "binary"}}}]}
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": ref}, "multipart/form-data": {"schema": multipart}}}}


OPENAPI = _doc(AlarmIn)
DETECT_OPENAPI = _doc(FrameIn)


def read_alarm(request) -> tuple[AlarmIn, bytes | None, str]:
    return _read(request, AlarmIn)


def read_frame(request) -> tuple[FrameIn, bytes | None, str]:
    return _read(request, FrameIn)


def payload_of(data: AlarmIn) -> dict:
    """What is kept with the alarm besides its columns (never the picture itself)."""
    out: dict = {}
    if data.box:
        out["box"] = data.box
    if data.extra:
        out["extra"] = data.extra
    return out


def _read(request, schema):
    content_type = request.content_type or ""
    name = "snapshot.jpg"
    snapshot: bytes | None = None
    if content_type.startswith("multipart/form-data"):
        try:
            data = {key: request.POST.get(key) for key in request.POST}
            files = request.FILES
        except RequestDataTooBig as exc:
            raise InvalidInput.one("body", "the form fields are too large") from exc
        unexpected = set(files) - {"snapshot"}
        if unexpected:
            raise InvalidInput({n: ["unexpected file field; send the picture as 'snapshot'"] for n in unexpected})
        for key in ("box", "extra"):
            if isinstance(data.get(key), str):
                try:
                    data[key] = json.loads(data[key])
                except json.JSONDecodeError as exc:
                    raise InvalidInput.one(key, "not valid JSON") from exc
        upload = files.get("snapshot")
        if upload is not None:
            if data.get("snapshot"):
                raise InvalidInput.one("snapshot", "send the picture once: as a file or in base64, not both")
            limit = settings.RENJU_MAX_PHOTO_BYTES
            if upload.size > limit:
                raise InvalidInput.one("snapshot", f"{upload.size} bytes, larger than the {limit} allowed")
            snapshot, name = upload.read(), upload.name or name
    elif content_type in ("application/json", "") or content_type.endswith("+json"):
        try:
            raw = request.body
        except RequestDataTooBig as exc:
            raise InvalidInput.one("snapshot", f"the request is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} "
                                               "bytes; send a large picture as a multipart file") from exc
        try:
            data = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput.one("body", f"not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise InvalidInput.one("body", "expected a JSON object")
    else:
        raise InvalidInput.one("body", f"unsupported content type {content_type!r}; use JSON or multipart/form-data")
    try:
        parsed = schema.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(errors_by_field(exc.errors())) from exc
    if parsed.snapshot:
        snapshot = decode_base64(parsed.snapshot)
    return parsed, snapshot, name


def decode_base64(text: str) -> bytes:
    """The picture from base64 text (with or without a `data:image/…;base64,` prefix), size checked first."""
    text = text.strip()
    if text.startswith("data:"):
        head, _, text = text.partition(",")
        if ";base64" not in head:
            raise InvalidInput.one("snapshot", "a data: URL must be base64")
    text = "".join(text.split())
    limit = settings.RENJU_MAX_PHOTO_BYTES
    if len(text) * 3 // 4 > limit + 2:
        raise InvalidInput.one("snapshot", f"about {len(text) * 3 // 4} bytes, larger than the {limit} allowed")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput.one("snapshot", "not valid base64") from exc
