"""Importing a 12345 spreadsheet export: lenient headers, a row-by-row report, safe to import again, and the files
that are refused whole (corrupt, too big, old .xls, no order number column)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from renju.hotline.models import HotlineOrder
from renju.hotline.spreadsheet import SpreadsheetError, hotline_import
from renju.problems.models import Problem

YESTERDAY = timezone.localtime() - dt.timedelta(days=1)
HEADER = ["序号", "工单编号", "受理时间", "来电人", "来电号码", "诉求内容", "事发地址", "工单类型", "承办单位"]


def rows() -> list[list]:
    when = YESTERDAY.strftime("%Y-%m-%d %H:%M:%S")
    return [
        [1, "GD-001", when, "王五", "13900001111", "工地晚上十二点还在施工，噪音太大睡不着", "崂山街道泰华社区", "噪声",
         "x"],
        [2, "GD-002", YESTERDAY.strftime("%Y/%m/%d %H:%M"), "赵六", "13900002222", "路灯不亮", "府新路", "", "x"],
        [3, "GD-003", "上个月", "钱七", "13900003333", "垃圾没人收", "崖头街道", "", "x"],
        [4, "", when, "孙八", "13900004444", "没有编号的一行", "崖头街道", "", "x"],
        [5, "GD-005", when, "周九", "1390000", "", "崖头街道", "", "x"],
    ]


def xlsx(table: list[list], title: str | None = "荣成市12345热线工单导出") -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(table: list[list], encoding: str = "utf-8-sig") -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue().encode(encoding)


@pytest.mark.django_db
def test_an_export_with_a_title_row_is_imported_row_by_row_with_reasons(users):
    report = hotline_import(actor=users["dispatcher"], data=xlsx([HEADER, *rows()]), filename="工单.xlsx")
    outcomes = {r.line: (r.order_no, r.outcome) for r in report.rows}
    assert outcomes == {3: ("GD-001", "created"), 4: ("GD-002", "created"), 5: ("GD-003", "refused"),
                        6: ("", "refused"), 7: ("GD-005", "refused")}
    reasons = {r.line: r.reason for r in report.rows}
    assert reasons[5].startswith("受理时间") and "工单编号" in reasons[6] and "诉求内容" in reasons[7]
    assert report.ignored_columns == ["序号", "承办单位"]
    assert report.columns["order_no"] == "工单编号"
    first = HotlineOrder.objects.get(order_no="GD-001")
    assert first.channel == "import" and first.problem.category.code == "08001"
    assert first.caller_phone == "13900001111"
    assert HotlineOrder.objects.get(order_no="GD-002").problem is None  # 府新路 names no region: to be placed
    assert HotlineOrder.objects.count() == 2


@pytest.mark.django_db
def test_importing_the_same_file_again_files_nothing_twice(users):
    data = xlsx([HEADER, *rows()])
    hotline_import(actor=users["dispatcher"], data=data, filename="a.xlsx")
    again = hotline_import(actor=users["dispatcher"], data=data, filename="a.xlsx")
    assert [r.outcome for r in again.rows] == ["existing", "existing", "refused", "refused", "refused"]
    assert HotlineOrder.objects.count() == 2 and Problem.objects.count() == 1


@pytest.mark.django_db
def test_headers_are_matched_leniently_and_csv_may_be_gbk(users):
    header = [" 工单号 ", "来电时间(必填)", "诉求人", "联系电话", "工单标题", "反映内容", "事发地点"]
    when = YESTERDAY.strftime("%Y年%m月%d日 %H:%M")
    table = [header, ["C-1", when, "吴一", "13700000000", "夜间施工", "工地吵得不行", "寻山街道"]]
    report = hotline_import(actor=users["dispatcher"], data=csv_bytes(table, "gb18030"), filename="export.csv")
    assert [r.outcome for r in report.rows] == ["created"], report.rows
    order = HotlineOrder.objects.get(order_no="C-1")
    assert order.content == "夜间施工：工地吵得不行" and order.caller_name == "吴一"


@pytest.mark.django_db
def test_excel_dates_and_numbers_in_number_cells_are_read(users):
    serial = (YESTERDAY.replace(tzinfo=None) - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    table = [HEADER[1:6], [20231012001.0, serial, "郑二", 13800000000.0, "崖头街道路灯不亮"]]
    report = hotline_import(actor=users["dispatcher"], data=xlsx(table, title=None), filename="n.xlsx")
    assert report.rows[0].outcome == "created", report.rows
    order = HotlineOrder.objects.get(order_no="20231012001")
    assert order.caller_phone == "13800000000"
    assert abs((timezone.localtime(order.received_at) - YESTERDAY).total_seconds()) < 2


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"PK\x03\x04 this is no workbook", "broken.xlsx", "不是有效的 xlsx 文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", "旧版 .xls"),
    (b"", "empty.csv", "文件是空的"),
    (b"%PDF-1.4", "scan.pdf", "只能导入"),
    ("编号说明,其他\n1,2\n".encode(), "nohead.csv", "找不到必需的列"),
])
def test_files_that_cannot_be_read_are_refused_whole(users, data, filename, message):
    with pytest.raises(SpreadsheetError, match=message):
        hotline_import(actor=users["dispatcher"], data=data, filename=filename)
    assert not HotlineOrder.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_limit_is_refused_before_it_is_read(users, monkeypatch):
    monkeypatch.setattr("renju.hotline.spreadsheet.MAX_IMPORT_BYTES", 100)
    with pytest.raises(SpreadsheetError, match="文件过大"):
        hotline_import(actor=users["dispatcher"], data=csv_bytes([HEADER, *rows()]), filename="big.csv")


@pytest.mark.django_db
def test_the_import_page_is_for_dispatchers_and_shows_the_report(users):
    client = Client()
    client.force_login(users["yatou"])
    assert client.get("/hotline/import/").status_code == 403
    client.force_login(users["dispatcher"])
    upload = SimpleUploadedFile("工单.xlsx", xlsx([HEADER, *rows()]))
    page = client.post("/hotline/import/", {"file": upload}).content.decode()
    assert 'id="count-created">2<' in page and 'id="count-refused">3<' in page and "受理时间" in page
    bad = client.post("/hotline/import/", {"file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04 junk")})
    assert bad.status_code == 422 and "不是有效的 xlsx 文件" in bad.content.decode()
    assert client.post("/hotline/import/", {}).status_code == 422


@pytest.mark.django_db
def test_the_command_imports_a_file_and_reports_each_row(users, tmp_path, capsys):
    path = tmp_path / "工单.csv"
    path.write_bytes(csv_bytes([HEADER, *rows()]))
    call_command("hotline-import", str(path), "--as", "dispatcher")
    out = capsys.readouterr().out
    assert "新建 2，已存在 0，未导入 3" in out and "GD-003 未导入 受理时间" in out
    with pytest.raises(CommandError, match="no such file"):
        call_command("hotline-import", str(tmp_path / "none.csv"))
    with pytest.raises(CommandError, match="只有接口账号和派遣员"):
        call_command("hotline-import", str(path), "--as", "leader")
