"""Read a request body that may be JSON or multipart (fields + `photos` files) into one validated schema."""

from __future__ import annotations

import json

from pydantic import BaseModel, ValidationError

from renju.problems.errors import InvalidInput
from renju.problems.photos import PreparedPhoto, photo_from_upload

BOOLEAN_WORDS = {"true": True, "1": True, "on": True, "false": False, "0": False, "off": False}


def read_body(request, schema: type[BaseModel]) -> tuple[BaseModel, list[PreparedPhoto]]:
    content_type = request.content_type or ""
    photos: list[PreparedPhoto] = []
    if content_type.startswith("multipart/form-data") or content_type == "application/x-www-form-urlencoded":
        data = _form_data(request, schema)
        photos = [photo_from_upload(f) for f in request.FILES.getlist("photos")]
        unexpected = set(request.FILES) - {"photos"}
        if unexpected:
            raise InvalidInput({name: ["unexpected file field; send photos as 'photos'"] for name in unexpected})
    elif content_type in ("application/json", "") or content_type.endswith("+json"):
        try:
            data = json.loads(request.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput.one("body", f"not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise InvalidInput.one("body", "expected a JSON object")
    else:
        raise InvalidInput.one("body", f"unsupported content type {content_type!r}; use JSON or multipart/form-data")
    try:
        return schema.model_validate(data), photos
    except ValidationError as exc:
        raise InvalidInput(errors_by_field(exc.errors())) from exc


def _form_data(request, schema: type[BaseModel]) -> dict:
    data: dict = {}
    for key in request.POST:
        value = request.POST.get(key)
        if value == "" and key not in ("description", "note", "reason", "address"):
            continue
        annotation = str(schema.model_fields[key].annotation) if key in schema.model_fields else ""
        if "bool" in annotation and value.lower() in BOOLEAN_WORDS:
            data[key] = BOOLEAN_WORDS[value.lower()]
        else:
            data[key] = value
    return data


def errors_by_field(errors: list[dict]) -> dict[str, list[str]]:
    """pydantic/ninja error list → {"field": ["message", …]}, with the request part ("body", "query") dropped."""
    out: dict[str, list[str]] = {}
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "form", "payload")]
        field = ".".join(loc) or "body"
        message = e.get("msg", "invalid").removeprefix("Value error, ")
        if e.get("type") == "extra_forbidden":
            message = "unknown field"
        elif e.get("type") == "missing":
            message = "required"
        out.setdefault(field, []).append(message)
    return out
