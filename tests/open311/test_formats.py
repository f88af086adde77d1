"""The pieces every answer is made of: W3C dates and the 90-day window, the XML writer, personal-data masking."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.http import QueryDict

from renju.open311.errors import Open311Error
from renju.open311.params import parse_w3c, window
from renju.open311.privacy import mask_personal
from renju.open311.render import Many, to_json, to_xml

NOW = dt.datetime(2023, 10, 12, 1, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("text, expected", [
    ("2010-01-01T00:00:00Z", dt.datetime(2010, 1, 1, tzinfo=dt.UTC)),
    ("1994-11-05T08:15:30-05:00", dt.datetime(1994, 11, 5, 13, 15, 30, tzinfo=dt.UTC)),  # the spec's examples
    ("1994-11-05T13:15:30Z", dt.datetime(1994, 11, 5, 13, 15, 30, tzinfo=dt.UTC)),
    ("2023-10-12T09:30+08:00", dt.datetime(2023, 10, 12, 1, 30, tzinfo=dt.UTC)),
    ("2023-10-12T09:30:00.25+08:00", dt.datetime(2023, 10, 12, 1, 30, 0, 250000, tzinfo=dt.UTC)),
    ("2023-10-12", dt.datetime(2023, 10, 11, 16, 0, tzinfo=dt.UTC)),  # a day starts at Beijing midnight
])
def test_w3c_datetimes_are_read_with_their_offset(text, expected):
    assert parse_w3c("start_date", text) == expected


@pytest.mark.parametrize("text", ["2023-10-12T09:30:00", "2023/10/12", "20231012T093000Z", "2023-10-12 09:30Z",
                                  "2023-W41-4", "2023-10-32", "2023-10-12T24:30:00Z", "", "now"])
def test_anything_else_is_refused_naming_the_argument(text):
    with pytest.raises(Open311Error) as caught:
        parse_w3c("start_date", text)
    assert caught.value.status == 400 and caught.value.errors[0][1].startswith("start_date:")


def test_the_window_defaults_to_the_last_90_days_and_one_date_spans_90_days_from_it():
    assert window(QueryDict(""), now=NOW).start == NOW - dt.timedelta(days=90)
    start_only = window(QueryDict("start_date=2023-01-01T00:00:00Z"), now=NOW)
    assert start_only.end - start_only.start == dt.timedelta(days=90)
    end_only = window(QueryDict("end_date=2023-06-01T00:00:00Z"), now=NOW)
    assert end_only.end - end_only.start == dt.timedelta(days=90)
    exactly_90 = window(QueryDict("start_date=2023-01-01T00:00:00Z&end_date=2023-04-01T00:00:00Z"), now=NOW)
    assert exactly_90.end - exactly_90.start == dt.timedelta(days=90)
    with pytest.raises(Open311Error):
        window(QueryDict("start_date=2023-01-01T00:00:00Z&end_date=2023-04-01T00:00:01Z"), now=NOW)


def test_xml_is_declared_utf8_escaped_and_stripped_of_what_xml_cannot_hold():
    text = to_xml("service_requests", "request", [{"description": "a<b>&c\x00\x1fd", "flag": True, "none": None}])
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<service_requests><request>')
    request = ET.fromstring(text.encode())[0]
    assert request.findtext("description") == "a<b>&cd"
    assert request.findtext("flag") == "true" and request.findtext("none") == ""


def test_nested_lists_follow_the_spark_convention_in_json():
    body = {"formats": Many("format", ["text/xml", "application/json"])}
    assert to_json(body) == '{"formats":["text/xml","application/json"]}'
    assert "<formats><format>text/xml</format><format>application/json</format></formats>" in to_xml(
        "endpoint", None, body)


@pytest.mark.parametrize("text, masked", [
    ("电话13812345678", "电话138****5678"),
    ("请回电 +86 138-1234-5678", "请回电 +86 138****5678"),
    ("座机0631-7561234", "座机0631-****1234"),
    ("身份证37108219900101123X", "身份证371082********123X"),
    ("邮箱zhang.san@example.com", "邮箱z***@example.com"),
    ("编号RC-20231012-0001，门牌88号，2023年10月12日", "编号RC-20231012-0001，门牌88号，2023年10月12日"),
])
def test_personal_identifiers_in_free_text_are_masked_and_nothing_else(text, masked):
    assert mask_personal(text) == masked
