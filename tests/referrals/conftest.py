"""Referral sheets for the tests: built in memory as an office would send them."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from tests.conftest import point_in

HEADERS = ["交办编号", "交办单位", "交办日期", "问题类型", "问题描述", "地址", "经度", "纬度", "责任单位", "整改时限",
           "照片", "是否重点"]
YATOU = "371082001"  # 崖头街道: 暴露垃圾 there goes to the street office (handler `yatou`)
CHENGXI = "371082002"  # 城西街道


def xlsx(rows: list[list], headers: list[str] = HEADERS, *, title_rows: list[list] = ()) -> bytes:
    book = Workbook()
    sheet = book.active
    for line in title_rows:
        sheet.append(line)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], headers: list[str] = HEADERS, encoding: str = "utf-8-sig") -> bytes:
    lines = [",".join(str(c) for c in headers)] + [",".join("" if c is None else str(c) for c in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def row(reference: str, **fields) -> list:
    """One row in HEADERS order: a 暴露垃圾 in 崖头街道 by coordinates unless told otherwise."""
    lat, lng = point_in(fields.pop("region", YATOU))
    values = {"交办编号": reference, "交办单位": "市精致办", "交办日期": "2023-06-05", "问题类型": "暴露垃圾",
              "问题描述": "路口东侧绿化带内有暴露垃圾", "地址": "", "经度": lng, "纬度": lat, "责任单位": "",
              "整改时限": "", "照片": "", "是否重点": ""}
    values.update(fields)
    return [values[h] for h in HEADERS]


@pytest.fixture
def importing(users):
    """Import a sheet as the dispatcher (or `as_user`)."""
    from renju.referrals.importer import referral_import

    def _import(data: bytes, *, as_user: str = "dispatcher", filename: str = "交办清单.xlsx", **kwargs):
        return referral_import(actor=users[as_user], filename=filename, data=data, **kwargs)

    return _import


@pytest.fixture
def client_for(users):
    """A test client that authenticates as `username` with a bearer token."""
    from django.test import Client

    from renju.accounts.models import api_token_create

    def _client(username: str) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=users[username])}")

    return _client
