"""Uploading a flight: every file is added, skipped or refused with a reason; nothing twice; zips checked first."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.storage import default_storage

from renju.drones.ingest import FlightFields, flight_upload
from renju.drones.models import DroneFlight, DronePhoto, DroneUpload
from renju.problems.errors import ActionForbidden, InvalidInput
from tests.drones.factories import flight_photos, upload
from tests.drones.images import bare_jpeg, drone_jpeg, truncated, zip_of

pytestmark = pytest.mark.django_db


def photo_bytes(*files) -> dict[str, bytes]:
    return {f.name: f.read() for f in files}


def test_a_flight_of_photos_is_created_with_positions_times_and_thumbnails(users):
    report = flight_upload(actor=users["inspector"], files=flight_photos(3),
                           fields=FlightFields(pilot="张飞", drone="DJI Mavic 3E", notes="崖头街道航线"))
    flight = report.flight
    assert report.created and len(report.added) == 3 and report.refused == [] and report.skipped == []
    assert flight.code.startswith("UAV-") and flight.pilot == "张飞" and flight.drone == "DJI Mavic 3E"
    photos = list(flight.photos.order_by("taken_at"))
    assert [p.filename for p in photos] == ["DJI_0001.JPG", "DJI_0002.JPG", "DJI_0003.JPG"]
    assert all(p.lat and p.lng and p.thumbnail and p.error == "" for p in photos)
    assert flight.started_at == photos[0].taken_at and flight.ended_at == photos[-1].taken_at
    assert default_storage.exists(photos[0].original.name)
    upload_row = DroneUpload.objects.get(flight=flight)
    assert (upload_row.received, upload_row.added) == (3, 3)


def test_dji_photos_with_xmp_only_are_placed_from_the_xmp(users):
    report = flight_upload(actor=users["dispatcher"], files=flight_photos(2, xmp_only=True))
    photo = report.added[0]
    assert photo.metadata["position_source"] == "xmp"
    assert photo.relative_altitude == pytest.approx(60.1) and photo.gimbal_pitch == pytest.approx(-90)


def test_sending_the_same_files_again_adds_nothing_and_makes_no_new_flight(users):
    first = flight_upload(actor=users["inspector"], files=flight_photos(3))
    again = flight_upload(actor=users["inspector"], files=flight_photos(3))
    assert again.replay and not again.created and again.flight.pk == first.flight.pk
    assert [s["file"] for s in again.skipped] == ["DJI_0001.JPG", "DJI_0002.JPG", "DJI_0003.JPG"]
    assert DroneFlight.objects.count() == 1 and DronePhoto.objects.count() == 3
    assert DroneUpload.objects.count() == 1


def test_an_upload_resumed_after_a_break_continues_the_flight_its_photos_are_in(users):
    first = flight_upload(actor=users["inspector"], files=flight_photos(2))
    resumed = flight_upload(actor=users["inspector"], files=flight_photos(4))  # the whole card, sent again
    assert resumed.flight.pk == first.flight.pk and not resumed.created
    assert [p.filename for p in resumed.added] == ["DJI_0003.JPG", "DJI_0004.JPG"]
    assert DroneFlight.objects.count() == 1 and first.flight.photos.count() == 4


def test_adding_to_a_flight_takes_only_the_new_photos(users):
    first = flight_upload(actor=users["inspector"], files=flight_photos(2))
    more = flight_upload(actor=users["inspector"], files=flight_photos(4), flight=first.flight)
    assert [p.filename for p in more.added] == ["DJI_0003.JPG", "DJI_0004.JPG"]
    assert {s["reason"] for s in more.skipped} == {"此架次已有（DJI_0001.JPG）", "此架次已有（DJI_0002.JPG）"}
    assert first.flight.photos.count() == 4


def test_a_flight_code_that_exists_names_that_flight(users):
    first = flight_upload(actor=users["inspector"], files=flight_photos(1), fields=FlightFields(code="F-1"))
    second = flight_upload(actor=users["dispatcher"], files=flight_photos(1, seed=7), fields=FlightFields(code="F-1"))
    assert second.flight.pk == first.flight.pk and not second.created
    assert DroneFlight.objects.get(code="F-1").photos.count() == 2


def test_duplicates_within_one_upload_are_skipped_with_a_note(users):
    data = drone_jpeg(1)
    report = flight_upload(actor=users["inspector"], files=[upload("a.jpg", data), upload("b.JPG", data)])
    assert [p.filename for p in report.added] == ["a.jpg"]
    assert report.skipped == [{"file": "b.JPG", "reason": "与本次上传的 a.jpg 内容相同"}]


def test_a_photo_already_in_another_flight_is_skipped_and_named(users):
    flight_upload(actor=users["inspector"], files=flight_photos(1), fields=FlightFields(code="A"))
    report = flight_upload(actor=users["inspector"], files=[*flight_photos(1), *flight_photos(1, seed=5)],
                           fields=FlightFields(code="B"))
    assert report.flight.code == "B" and len(report.added) == 1
    assert report.skipped == [{"file": "DJI_0001.JPG", "reason": "已在架次 A 中（DJI_0001.JPG）"}]


def test_photos_without_position_and_unreadable_photos_are_kept_and_listed_not_dropped(users):
    files = [upload("noexif.jpg", bare_jpeg(3)), upload("broken.jpg", truncated(drone_jpeg(4, size=(1200, 900)))),
             *flight_photos(1)]
    report = flight_upload(actor=users["inspector"], files=files)
    by_name = {p.filename: p for p in report.added}
    assert set(by_name) == {"noexif.jpg", "broken.jpg", "DJI_0001.JPG"}
    assert by_name["noexif.jpg"].lat is None and by_name["noexif.jpg"].error == ""
    assert by_name["broken.jpg"].error.startswith("图像无法解码") and not by_name["broken.jpg"].thumbnail
    assert default_storage.exists(by_name["broken.jpg"].original.name)  # the evidence is kept as sent


def test_camera_strings_with_nul_bytes_are_stored_cleaned(users):
    from PIL import Image

    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0110] = "FC\x003582\x01"  # Model, as a damaged or hostile camera might write it
    Image.new("RGB", (32, 24)).save(out, "JPEG", exif=exif)
    report = flight_upload(actor=users["inspector"], files=[upload("nul.jpg", out.getvalue())])
    assert DronePhoto.objects.get(pk=report.added[0].pk).metadata["exif"]["Model"] == "FC3582"


def test_files_that_are_not_jpeg_are_refused_one_by_one_with_a_reason(users):
    import io as _io

    from PIL import Image

    png = _io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    files = [upload("notes.txt", b"hello", "text/plain"), upload("fake.jpg", png.getvalue()),
             upload("clip.MP4", b"\x00\x00\x00\x18ftypmp42"), *flight_photos(1)]
    report = flight_upload(actor=users["inspector"], files=files)
    reasons = {r["file"]: r["reason"] for r in report.refused}
    assert set(reasons) == {"notes.txt", "fake.jpg", "clip.MP4"}
    assert "JPEG" in reasons["notes.txt"] and reasons["fake.jpg"] == "文件内容不是 JPEG 图像"
    assert len(report.added) == 1
    assert DroneUpload.objects.get().refused == report.refused  # kept with the upload, shown on the flight page


def test_an_upload_with_nothing_usable_is_refused_whole_and_writes_nothing(users):
    with pytest.raises(InvalidInput) as caught:
        flight_upload(actor=users["inspector"], files=[upload("a.txt", b"x", "text/plain")],
                      fields=FlightFields(code="EMPTY"))
    assert "files" in caught.value.errors and "a.txt" in caught.value.errors["files"][0]
    assert not DroneFlight.objects.exists() and not DroneUpload.objects.exists()


def test_no_files_at_all_is_an_error_naming_the_field(users):
    with pytest.raises(InvalidInput) as caught:
        flight_upload(actor=users["inspector"], files=[])
    assert list(caught.value.errors) == ["files"]


def test_fields_longer_than_allowed_are_refused_before_anything_is_read(users):
    with pytest.raises(InvalidInput) as caught:
        flight_upload(actor=users["inspector"], files=flight_photos(1), fields=FlightFields(code="x" * 65))
    assert list(caught.value.errors) == ["code"] and not DronePhoto.objects.exists()


def test_an_oversized_photo_is_refused_and_the_rest_are_taken(users, settings):
    settings.RENJU_MAX_PHOTO_BYTES = 60_000
    big = upload("big.jpg", drone_jpeg(9, size=(2400, 1800)))
    assert big.size > 60_000
    report = flight_upload(actor=users["inspector"], files=[big, upload("small.jpg", bare_jpeg())])
    assert [r["file"] for r in report.refused] == ["big.jpg"] and "超过单张上限" in report.refused[0]["reason"]
    assert [p.filename for p in report.added] == ["small.jpg"]


def test_the_plans_photo_limit_per_flight_is_kept_across_uploads(users, drone_limits):
    drone_limits(max_photos_per_flight=3)
    first = flight_upload(actor=users["inspector"], files=flight_photos(2))
    second = flight_upload(actor=users["inspector"], files=flight_photos(3, seed=10), flight=first.flight)
    assert len(second.added) == 1
    assert [r["reason"] for r in second.refused] == ["超过每架次最多 3 张的上限"] * 2
    assert first.flight.photos.count() == 3


def test_only_the_drone_team_uploads(users):
    for name in ("leader", "scorer", "yatou"):
        with pytest.raises(ActionForbidden):
            flight_upload(actor=users[name], files=flight_photos(1))
    assert not DronePhoto.objects.exists()


# ---------------------------------------------------------------- zips


def test_a_zip_of_a_flight_is_unpacked_photo_by_photo(users):
    archive = zip_of({f"100MEDIA/{name}": data for name, data in photo_bytes(*flight_photos(3)).items()}
                     | {"100MEDIA/": b"", "100MEDIA/DJI_0001.MRK": b"track", "__MACOSX/._DJI_0001.JPG": b"x"})
    report = flight_upload(actor=users["inspector"], files=[upload("flight.zip", archive, "application/zip")])
    assert sorted(p.filename for p in report.added) == [f"flight.zip/100MEDIA/DJI_000{i}.JPG" for i in (1, 2, 3)]
    reasons = {r["file"]: r["reason"] for r in report.refused}
    assert "JPEG" in reasons["flight.zip/100MEDIA/DJI_0001.MRK"]
    assert reasons["flight.zip/__MACOSX/._DJI_0001.JPG"] == "系统附属文件，已忽略"


def test_the_same_zip_uploaded_twice_adds_nothing(users):
    archive = zip_of(photo_bytes(*flight_photos(2)))
    first = flight_upload(actor=users["inspector"], files=[upload("f.zip", archive, "application/zip")])
    again = flight_upload(actor=users["inspector"], files=[upload("f.zip", archive, "application/zip")])
    assert again.replay and again.flight.pk == first.flight.pk and DronePhoto.objects.count() == 2


def test_zip_entries_with_unsafe_paths_links_nested_zips_or_bad_data_are_refused_each_with_its_reason(users):
    good = photo_bytes(*flight_photos(1))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in good.items():
            archive.writestr(name, data)
        archive.writestr("../escape.jpg", drone_jpeg(20))
        archive.writestr("/abs/root.jpg", drone_jpeg(21))
        link = zipfile.ZipInfo("link.jpg")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc/passwd")
        archive.writestr("inner.zip", zip_of({"x.jpg": drone_jpeg(22)}))
    report = flight_upload(actor=users["inspector"], files=[upload("mixed.zip", out.getvalue(), "application/zip")])
    reasons = {r["file"].removeprefix("mixed.zip/"): r["reason"] for r in report.refused}
    assert "路径越出压缩包" in reasons["../escape.jpg"] and "路径越出压缩包" in reasons["/abs/root.jpg"]
    assert reasons["link.jpg"] == "符号链接，未导入"
    assert "压缩包中的压缩包" in reasons["inner.zip"]
    assert [p.filename for p in report.added] == ["mixed.zip/DJI_0001.JPG"]


def test_a_zip_bomb_entry_is_refused_by_its_compression_ratio_without_being_unpacked(users):
    bomb = zip_of({"bomb.jpg": b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024), **photo_bytes(*flight_photos(1))})
    report = flight_upload(actor=users["inspector"], files=[upload("b.zip", bomb, "application/zip")])
    assert report.refused == [{"file": "b.zip/bomb.jpg", "reason": "压缩比异常（疑似压缩炸弹），未导入"}]
    assert len(report.added) == 1


def test_a_zip_whose_declared_total_is_too_large_is_refused_whole(users, drone_limits, settings):
    drone_limits(max_photos_per_flight=2)
    settings.RENJU_MAX_PHOTO_BYTES = 100_000
    archive = zip_of(photo_bytes(*flight_photos(3)), compression=zipfile.ZIP_STORED)  # ~3 x 40 kB
    archive_big = zip_of({f"{i}.jpg": drone_jpeg(i, size=(1200, 900)) for i in range(8)},
                         compression=zipfile.ZIP_STORED)
    assert len(archive_big) > 2 * 100_000
    report = flight_upload(actor=users["inspector"], files=[upload("ok.zip", archive, "application/zip")])
    assert len(report.added) == 2  # the third is over the flight's limit
    with pytest.raises(InvalidInput) as caught:
        flight_upload(actor=users["inspector"], files=[upload("big.zip", archive_big, "application/zip")])
    assert "整个压缩包未导入" in caught.value.errors["files"][0]


def test_a_zip_with_too_many_entries_is_refused_whole(users, drone_limits):
    drone_limits(max_photos_per_flight=1)  # room for 1 x 2 + 200 entries
    archive = zip_of({f"f{i}.txt": b"" for i in range(203)})
    with pytest.raises(InvalidInput) as caught:
        flight_upload(actor=users["inspector"], files=[upload("many.zip", archive, "application/zip")])
    assert "条目过多" in caught.value.errors["files"][0]


def test_a_file_named_zip_that_is_not_a_zip_and_an_entry_with_a_bad_crc_are_refused(users):
    good = photo_bytes(*flight_photos(1))
    archive = bytearray(zip_of({"damaged.jpg": drone_jpeg(30), **good}, compression=zipfile.ZIP_STORED))
    at = archive.index(b"\xff\xd8\xff") + 200
    archive[at] ^= 0xFF  # the stored bytes no longer match the CRC
    report = flight_upload(actor=users["inspector"], files=[upload("not.zip", b"PK\x03\x04garbage"),
                                                            upload("crc.zip", bytes(archive))])
    reasons = {r["file"]: r["reason"] for r in report.refused}
    assert "不是有效的 zip 压缩包" in reasons["not.zip"]
    assert "压缩包条目损坏" in reasons["crc.zip/damaged.jpg"]
    assert [p.filename for p in report.added] == ["crc.zip/DJI_0001.JPG"]


def test_chinese_names_written_by_windows_in_gbk_are_shown_right(users):
    gbk = "崖头航拍.jpg".encode("gbk")
    placeholder = b"X" * (len(gbk) - 4) + b".jpg"
    # Written with an ASCII name (no UTF-8 flag), then the name's bytes swapped for GBK, as Windows writes them.
    archive = zip_of({placeholder.decode(): drone_jpeg(40)}).replace(placeholder, gbk)
    report = flight_upload(actor=users["inspector"], files=[upload("gbk.zip", archive, "application/zip")])
    assert [p.filename for p in report.added] == ["gbk.zip/崖头航拍.jpg"]
