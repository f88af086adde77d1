"""Bulk import of cameras from the platform's device list: every row checked, all or nothing, safe to repeat."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from renju.problems.errors import InvalidInput
from renju.video.camera_import import camera_import
from renju.video.models import Camera
from tests.conftest import point_in

pytestmark = pytest.mark.django_db


def csv_bytes(rows: list[list], header=("设备编号", "名称", "通道号", "纬度", "经度", "位置", "道路等级", "状态"),
              encoding="utf-8-sig") -> bytes:
    lines = [",".join(header)] + [",".join(str(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def row(code, region="371082001", **kw):
    lat, lng = point_in(region)
    return [code, kw.get("name", f"路口{code}"), kw.get("channel", 1), kw.get("lat", lat), kw.get("lng", lng),
            kw.get("address", "成山大道"), kw.get("road_class", ""), kw.get("status", "在线")]


def test_a_device_list_creates_cameras_and_importing_it_again_changes_nothing(robot):
    data = csv_bytes([row("C1"), row("C2", "371082002", road_class="back_lane"), row("C3", status="停用")])
    first = camera_import(actor=robot, data=data, filename="设备.csv")
    assert first.written and first.counts == {"created": 3, "updated": 0, "unchanged": 0, "refused": 0}
    assert Camera.objects.get(code="C3").status == "retired"
    assert Camera.objects.get(code="C2").region.code.startswith("371082002")
    again = camera_import(actor=robot, data=data, filename="设备.csv")
    assert again.counts["unchanged"] == 3 and Camera.objects.count() == 3


def test_a_changed_row_updates_its_camera(robot):
    camera_import(actor=robot, data=csv_bytes([row("C1")]), filename="a.csv")
    report = camera_import(actor=robot, data=csv_bytes([row("C1", name="新名字")]), filename="a.csv")
    assert [r.action for r in report.rows] == ["updated"] and Camera.objects.get().name == "新名字"


def test_one_bad_row_refuses_the_whole_file_and_says_which_row_and_why(robot):
    data = csv_bytes([row("C1"), row("C2", lat=31.23, lng=121.47), row("C3", road_class="motorway"), row("C1")])
    report = camera_import(actor=robot, data=data, filename="a.csv")
    assert not report.written and Camera.objects.count() == 0
    refused = {r.row: r.errors for r in report.rows if r.action == "refused"}
    assert set(refused) == {3, 4, 5}
    assert "lat" in refused[3] and "road_class" in refused[4] and "row 2" in refused[5]["code"][0]


def test_a_gbk_csv_from_excel_and_an_xlsx_are_read(robot):
    gbk = camera_import(actor=robot, data=csv_bytes([row("G1")], encoding="gb18030"), filename="设备.CSV")
    assert gbk.written and Camera.objects.get(code="G1").name == "路口G1"
    book = Workbook()
    book.active.append(["code", "name", "channel", "lat", "lng"])
    lat, lng = point_in("371082001")
    book.active.append([371082001320, "数字编号", 3.0, lat, lng])  # numbers, as Excel keeps them
    out = io.BytesIO()
    book.save(out)
    report = camera_import(actor=robot, data=out.getvalue(), filename="devices.xlsx")
    assert report.written and Camera.objects.get(code="371082001320").channel == "3"


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "a.csv", "empty"),
    (b"code,name\nC1,x\n", "a.csv", "missing column"),
    (b"PK\x03\x04 broken zip", "a.xlsx", "XLSX"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "a.csv", "binary"),
    (b"code,name,lat,lng\n", "a.txt", ".csv or .xlsx"),
])
def test_a_file_that_is_not_a_device_list_is_refused_as_the_file(robot, data, name, message):
    with pytest.raises(InvalidInput) as refused:
        camera_import(actor=robot, data=data, filename=name)
    assert message in refused.value.errors["file"][0]


def test_the_import_endpoint_reports_every_row(api_as):
    platform = api_as("robot")
    good = platform.post("/api/v1/video/cameras/import",
                         {"file": SimpleUploadedFile("a.csv", csv_bytes([row("C1"), row("C2")]), "text/csv")})
    assert good.status_code == 200 and good.json()["counts"]["created"] == 2
    bad = platform.post("/api/v1/video/cameras/import",
                        {"file": SimpleUploadedFile("b.csv", csv_bytes([row("C3", lat="x")]), "text/csv")})
    assert bad.status_code == 422 and bad.json()["written"] is False and "row 2" in bad.json()["errors"]
    assert platform.post("/api/v1/video/cameras/import", {}).status_code == 422
    assert api_as("dispatcher").post("/api/v1/video/cameras/import", {}).status_code == 403
