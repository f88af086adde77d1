"""Open311 documents in XML and JSON from one description of each answer.

An answer is a root element name, the name of each item under it, and the items as ordered dicts. XML is written
as the spec shows it (declaration with UTF-8, no namespace, elements in the spec's order); JSON follows the spec's
"Spark convention": the root element disappears, a list of items becomes an array, a nested list (an endpoint's
formats, an attribute's values) becomes an array of its children.

XML is written by hand rather than through ElementTree: a page of requests is a thousand small elements and the
direct writer is several times faster; escaping and the characters XML 1.0 cannot carry are handled here, once.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpResponse

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# Characters XML 1.0 cannot contain at all (C0 controls other than tab, LF, CR; lone surrogates; U+FFFE/FFFF):
# dropped on output, so one stray byte in a description cannot make the whole page unparseable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


class Many:
    """A nested list in a document: XML `<name><child>…</child>…</name>`, JSON an array of the children."""

    __slots__ = ("child", "items")

    def __init__(self, child: str, items: Iterable) -> None:
        self.child = child
        self.items = list(items)


def w3c(moment: dt.datetime | None) -> str | None:
    """W3C datetime with the offset (the spec requires it), in the city's time: 2023-10-12T09:30:00+08:00."""
    if moment is None:
        return None
    # The zone itself rather than timezone.localtime(): a page has thousands of these, and the per-call lookup of
    # the active time zone was the largest single cost of a 1,000-row page.
    return moment.astimezone(_city_zone()).replace(microsecond=0).isoformat()


@functools.cache
def _city_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _text(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _NOT_XML.sub("", str(value)).translate(_ESCAPES)


def _xml_value(out: list[str], name: str, value) -> None:
    if isinstance(value, Many):
        out.append(f"<{name}>")
        for item in value.items:
            _xml_value(out, value.child, item)
        out.append(f"</{name}>")
    elif isinstance(value, dict):
        out.append(f"<{name}>")
        for key, inner in value.items():
            _xml_value(out, key, inner)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{_text(value)}</{name}>")


def to_xml(root: str, child: str | None, body) -> str:
    """`body` is a list of items (each under `child`) or, with child None, one dict of the root's elements."""
    out = [XML_DECLARATION]
    _xml_value(out, root, Many(child, body) if child else body)
    return "".join(out)


def _jsonable(value):
    if isinstance(value, Many):
        return [_jsonable(v) for v in value.items]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def to_json(body) -> str:
    return json.dumps(_jsonable(body), ensure_ascii=False, separators=(",", ":"))


def document(fmt: str, root: str, child: str | None, body, *, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return HttpResponse(to_json(body), status=status, content_type=JSON_TYPE)
    return HttpResponse(to_xml(root, child, body), status=status, content_type=XML_TYPE)


def errors_document(fmt: str, status: int, errors: list[tuple[int, str]]) -> HttpResponse:
    body = [{"code": code, "description": description} for code, description in errors]
    return document(fmt, "errors", "error", body, status=status)
