"""The referral pages, API and command: dispatchers import and read the report; leaders and scorers read it;
inspectors and unit handlers have no business there."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import load_workbook

from renju.problems.errors import InvalidInput
from renju.problems.models import Problem
from renju.referrals.models import Referral, ReferralBatch
from renju.referrals.sheet import map_headers, read_sheet
from tests.conftest import jpeg
from tests.referrals.conftest import row, xlsx

pytestmark = pytest.mark.django_db


def client_as(users, username: str) -> Client:
    client = Client()
    client.force_login(users[username])
    return client


def upload(data: bytes, name: str = "交办清单.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


# ---------------------------------------------------------------- pages


def test_a_dispatcher_uploads_a_sheet_and_lands_on_its_report(users):
    client = client_as(users, "dispatcher")
    page = client.get("/referrals/")
    assert page.status_code == 200 and 'name="file"' in page.content.decode()

    response = client.post("/referrals/", {"file": upload(xlsx([row("W1"), row("W2", 问题描述="")])),
                                           "office": ""}, follow=True)

    batch = ReferralBatch.objects.get()
    assert response.redirect_chain[-1][0] == f"/referrals/{batch.id}/"
    html = response.content.decode()
    assert "新登记 1 件" in html and "未导入 1 件" in html
    assert Problem.objects.get().number in html
    assert "问题描述</strong>：必填" in html
    refused_only = client.get(f"/referrals/{batch.id}/", {"outcome": "refused"}).content.decode()
    assert 'data-row="3"' in refused_only and 'data-row="2"' not in refused_only


def test_photos_sent_as_a_zip_beside_the_sheet_are_attached(users):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("照片/w1.jpg", jpeg(7))
    client_as(users, "dispatcher").post("/referrals/", {
        "file": upload(xlsx([row("W1", 照片="w1.jpg")])), "photos": [upload(archive.getvalue(), "photos.zip")]})
    assert list(Problem.objects.get().photos.values_list("filename", flat=True)) == ["w1.jpg"]


def test_a_file_refused_whole_is_shown_on_the_form_and_nothing_is_written(users):
    response = client_as(users, "dispatcher").post("/referrals/", {"file": upload(b"\x00\x01 not a sheet", "a.csv")})
    assert response.status_code == 422
    assert "文件未导入" in response.content.decode()
    assert not ReferralBatch.objects.exists() and not Problem.objects.exists()


def test_a_photo_upload_that_is_not_a_photo_refuses_the_import(users):
    response = client_as(users, "dispatcher").post("/referrals/", {
        "file": upload(xlsx([row("W1")])), "photos": [upload(b"MZ...", "tool.exe")]})
    assert response.status_code == 422 and "不是照片" in response.content.decode()
    assert not Problem.objects.exists()


def test_leaders_and_scorers_read_the_reports_but_may_not_import(users, importing):
    batch = importing(xlsx([row("W1")]))
    for username in ("leader", "scorer"):
        client = client_as(users, username)
        page = client.get("/referrals/").content.decode()
        assert 'name="file"' not in page and batch.filename in page
        assert client.get(f"/referrals/{batch.id}/").status_code == 200
        assert client.post("/referrals/", {"file": upload(xlsx([row("W9")]))}).status_code == 403
    assert Problem.objects.count() == 1


@pytest.mark.parametrize("username", ["inspector", "yatou"])
def test_inspectors_and_handlers_are_kept_out_of_the_referral_pages(users, importing, username):
    batch = importing(xlsx([row("W1")]))
    client = client_as(users, username)
    assert client.get("/referrals/").status_code == 403
    assert client.get(f"/referrals/{batch.id}/").status_code == 403
    assert client.post("/referrals/", {"file": upload(xlsx([row("W9")]))}).status_code == 403
    assert client.get("/referrals/template/").status_code == 403
    assert Problem.objects.count() == 1


def test_an_unknown_batch_is_not_found(users):
    assert client_as(users, "dispatcher").get("/referrals/999999/").status_code == 404


def test_the_template_has_every_expected_header_and_importing_it_untouched_files_nothing(users):
    response = client_as(users, "dispatcher").get("/referrals/template/")
    assert response.status_code == 200
    data = response.content
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["上级交办问题", "填写说明", "问题类型", "责任单位"]
    with pytest.raises(InvalidInput, match="没有数据行"):
        read_sheet(data, "t.xlsx")
    fields = {c.field for c in map_headers(
        [c.value for c in book["上级交办问题"][1]])[0].values()}
    assert fields == {"reference", "office", "referred_on", "category", "description", "address", "lng", "lat",
                      "unit", "due_on", "photos", "is_key"}
    csv = client_as(users, "dispatcher").get("/referrals/template/", {"format": "csv"})
    assert csv.content.startswith("\ufeff交办编号,交办单位".encode())


# ---------------------------------------------------------------- API


def test_the_api_imports_a_sheet_and_answers_with_the_report(client_for):
    response = client_for("dispatcher").post("/api/v1/referrals/imports", {
        "file": upload(xlsx([row("A1"), row("A2", 责任单位="火星办")])), "office": "市精致办"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["refused"]) == (1, 1)
    assert [line["outcome"] for line in body["report"]] == ["created", "refused"]
    assert body["report"][1]["errors"] == {"unit": ["「火星办」不是本方案的责任单位"]}
    assert body["report"][0]["problem"]["number"] == Problem.objects.get().number

    again = client_for("dispatcher").post("/api/v1/referrals/imports", {"file": upload(xlsx([row("A1")]))})
    assert again.json()["report"][0]["outcome"] == "existing"
    assert Problem.objects.count() == 1


def test_the_api_refuses_a_broken_file_with_422_naming_the_file(client_for):
    response = client_for("dispatcher").post("/api/v1/referrals/imports", {"file": upload(b"PK\x03\x04broken")})
    assert response.status_code == 422
    assert "file" in response.json()["errors"]
    missing = client_for("dispatcher").post("/api/v1/referrals/imports", {"office": "x"})
    assert missing.status_code == 422 and "file" in missing.json()["errors"]
    assert not ReferralBatch.objects.exists()


@pytest.mark.parametrize("username", ["inspector", "yatou", "leader"])
def test_the_api_lets_only_dispatchers_import(client_for, username):
    response = client_for(username).post("/api/v1/referrals/imports", {"file": upload(xlsx([row("A1")]))})
    assert response.status_code == 403
    assert not Problem.objects.exists()


def test_the_api_lists_batches_and_shows_one_to_those_who_may_read_them(client_for, importing):
    batch = importing(xlsx([row("A1")]))
    listed = client_for("leader").get("/api/v1/referrals/imports")
    assert listed.status_code == 200 and [b["id"] for b in listed.json()] == [batch.id]
    one = client_for("scorer").get(f"/api/v1/referrals/imports/{batch.id}")
    assert one.status_code == 200 and one.json()["report"][0]["reference"] == "A1"
    assert client_for("yatou").get("/api/v1/referrals/imports").status_code == 403
    assert client_for("yatou").get(f"/api/v1/referrals/imports/{batch.id}").status_code == 404


# ---------------------------------------------------------------- command


def test_the_command_imports_a_file_and_prints_each_rows_outcome(tmp_path, users):
    path = tmp_path / "交办.xlsx"
    path.write_bytes(xlsx([row("M1"), row("M2", 是否重点="也许")]))
    out = io.StringIO()
    call_command("import-referrals", str(path), office="市精致办", username="dispatcher", stdout=out)
    text = out.getvalue()
    assert "第 2 行 M1：新登记" in text and "→ 崖头街道" in text
    assert "第 3 行 M2：未导入" in text and "重点：「也许」：请填写 是 或 否" in text
    assert "新登记 1，已登记过 0，未导入 1" in text

    out = io.StringIO()
    call_command("import-referrals", str(path), username="dispatcher", stdout=out)
    assert "已登记过 1" in out.getvalue()
    assert Referral.objects.count() == 1


def test_the_command_refuses_a_bad_file_an_unknown_user_and_a_handler(tmp_path, users):
    good = tmp_path / "ok.xlsx"
    good.write_bytes(xlsx([row("M1")]))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="不是 Excel 工作簿"):
        call_command("import-referrals", str(bad), username="dispatcher")
    with pytest.raises(CommandError, match="no user"):
        call_command("import-referrals", str(good), username="nobody")
    with pytest.raises(CommandError, match="只有派遣员"):
        call_command("import-referrals", str(good), username="yatou")
    assert not Problem.objects.exists()


def test_the_command_takes_photos_from_a_folder(tmp_path, users):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "m1.jpg").write_bytes(jpeg(4))
    path = tmp_path / "交办.xlsx"
    path.write_bytes(xlsx([row("M1", 照片="m1.jpg")]))
    call_command("import-referrals", str(path), username="dispatcher", photos=str(folder), stdout=io.StringIO())
    assert Problem.objects.get().photos.count() == 1


def test_the_import_endpoint_is_documented_with_its_multipart_body(client_for):
    schema = client_for("dispatcher").get("/api/v1/openapi.json").json()
    post = schema["paths"]["/api/v1/referrals/imports"]["post"]
    assert "file" in post["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert "/api/v1/referrals/imports/{batch_id}" in schema["paths"]
