"""Reading place, time and altitude from drone photos: EXIF GPS, DJI XMP, both, neither, and damaged metadata."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from renju.drones.metadata import photo_meta_read
from renju.drones.reading import photo_read
from renju.drones.xmp import dji_xmp_parse
from tests.drones.images import bare_jpeg, corrupt_exif, dji_packet, drone_jpeg, truncated, with_app1

BEIJING = ZoneInfo("Asia/Shanghai")
LAT, LNG = 37.1651234, 122.4867891
TAKEN = dt.datetime(2024, 6, 1, 10, 23, 5, tzinfo=BEIJING)


def meta_of(data: bytes, tz=BEIJING):
    with Image.open(io.BytesIO(data)) as image:
        return photo_meta_read(image, tz)


def test_exif_gps_gives_position_and_the_offset_in_the_exif_gives_the_time():
    meta = meta_of(drone_jpeg(1, lat=LAT, lng=LNG, taken_at=TAKEN))
    assert meta.position_source == "exif"
    assert meta.lat == pytest.approx(LAT, abs=1e-6) and meta.lng == pytest.approx(LNG, abs=1e-6)
    assert meta.taken_at == TAKEN and meta.time_source == "exif"
    assert meta.warnings == []


def test_dji_xmp_alone_gives_position_altitudes_and_gimbal_with_djis_longtitude_spelling():
    meta = meta_of(drone_jpeg(2, lat=LAT, lng=LNG, exif_gps=False, xmp=dji_packet(LAT, LNG, typo=True)))
    assert meta.position_source == "xmp"
    assert (meta.lat, meta.lng) == (pytest.approx(LAT, abs=1e-7), pytest.approx(LNG, abs=1e-7))
    assert meta.altitude == pytest.approx(52.3) and meta.relative_altitude == pytest.approx(60.1)
    assert meta.gimbal_yaw == pytest.approx(-12.5) and meta.gimbal_pitch == pytest.approx(-90)
    assert meta.flight_yaw == pytest.approx(88.4)
    assert meta.xmp["GpsLongtitude"].startswith("+122.48")


def test_dji_xmp_written_as_elements_and_with_the_correct_spelling_is_read_too():
    packet = dji_packet(LAT, LNG, typo=False, as_elements=True)
    result = dji_xmp_parse(packet)
    assert result.values["lat"] == pytest.approx(LAT) and result.values["lng"] == pytest.approx(LNG)
    assert result.warnings == []


def test_xmp_wins_over_exif_and_a_disagreement_is_noted():
    far = LAT + 0.01  # about 1.1 km north
    meta = meta_of(drone_jpeg(3, lat=far, lng=LNG, xmp=dji_packet(LAT, LNG)))
    assert meta.position_source == "xmp" and meta.lat == pytest.approx(LAT)
    assert any("相差" in w for w in meta.warnings)


def test_a_photo_with_neither_exif_nor_xmp_has_no_position_and_no_time_and_says_nothing_is_wrong():
    meta = meta_of(bare_jpeg())
    assert (meta.lat, meta.lng, meta.taken_at, meta.altitude) == (None, None, None, None)
    assert meta.position_source == "" and meta.warnings == []


def test_a_local_time_without_offset_is_read_in_the_plans_time_zone():
    data = drone_jpeg(4, taken_at=TAKEN)
    data = data.replace(b"+08:00", b"\x00\x00\x00\x00\x00\x00")  # DJI writes no OffsetTimeOriginal
    meta = meta_of(data, tz=ZoneInfo("Asia/Urumqi"))
    assert meta.time_source == "exif_local"
    assert meta.taken_at.replace(tzinfo=None) == TAKEN.replace(tzinfo=None)
    assert meta.taken_at.utcoffset() == dt.timedelta(hours=6)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_corrupt_exif_keeps_the_photo_and_its_xmp_position_and_says_the_exif_was_damaged():
    data = corrupt_exif(drone_jpeg(5, lat=LAT, lng=LNG, taken_at=TAKEN, xmp=dji_packet(LAT, LNG)))
    read = photo_read(io.BytesIO(data), BEIJING)
    assert read.error == "" and read.thumbnail.startswith(b"\xff\xd8")
    assert read.meta.lat == pytest.approx(LAT) and read.meta.position_source == "xmp"
    assert read.meta.taken_at is None
    assert any("EXIF" in w for w in read.meta.warnings)
    assert any("EXIF" in w for w in meta_of(data).warnings)  # also when Pillow's warning went by at open


@pytest.mark.parametrize("packet", [
    b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF",  # cut short
    b"<x:xmpmeta><drone-dji:GpsLatitude>1</x:xmpmeta>",  # unbound prefix, mismatched tags
    b"\xff\xfe not xml at all",
])
def test_a_malformed_xmp_packet_is_reported_and_the_exif_position_is_still_used(packet):
    meta = meta_of(drone_jpeg(6, lat=LAT, lng=LNG, taken_at=TAKEN, xmp=packet))
    assert meta.position_source == "exif" and meta.lat == pytest.approx(LAT, abs=1e-6)
    assert any("XMP 格式错误" in w for w in meta.warnings)


def test_an_xmp_packet_with_a_dtd_is_not_parsed_at_all():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&b;</x:xmpmeta>')
    result = dji_xmp_parse(bomb)
    assert result.values == {} and any("DTD" in w for w in result.warnings)


def test_xmp_values_that_are_not_numbers_or_out_of_range_are_dropped_with_a_note():
    packet = dji_packet(LAT, LNG).replace(b'GpsLatitude="+37.1651234"', b'GpsLatitude="north"')
    result = dji_xmp_parse(packet)
    assert "lat" not in result.values and "lng" not in result.values
    assert any("不是数字" in w for w in result.warnings)
    zero = dji_xmp_parse(dji_packet(0.0, 0.0))
    assert "lat" not in zero.values and any("(0, 0)" in w for w in zero.warnings)


def test_gps_altitude_below_sea_level_and_gps_time_are_read_from_the_exif_gps_ifd():
    image = Image.new("RGB", (32, 32))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (37.0, 10.0, 0.0), "E", (122.0, 30.0, 0.0)
    gps[5], gps[6] = b"\x01", 12.5
    gps[7], gps[29] = (2.0, 23.0, 5.0), "2024:06:01"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    meta = meta_of(out.getvalue())
    assert meta.lat == pytest.approx(37 + 10 / 60) and meta.lng == pytest.approx(122.5)
    assert meta.altitude == pytest.approx(-12.5)
    assert meta.taken_at == dt.datetime(2024, 6, 1, 2, 23, 5, tzinfo=dt.UTC) and meta.time_source == "gps"


def test_a_truncated_jpeg_is_read_as_an_error_not_an_exception():
    read = photo_read(io.BytesIO(truncated(drone_jpeg(7, lat=LAT, lng=LNG, size=(1200, 900)))), BEIJING)
    assert read.error.startswith("图像无法解码") and read.thumbnail == b""


def test_a_large_photo_gets_a_small_upright_thumbnail():
    read = photo_read(io.BytesIO(drone_jpeg(8, size=(4000, 3000))), BEIJING)
    assert (read.width, read.height) == (4000, 3000)
    with Image.open(io.BytesIO(read.thumbnail)) as thumb:
        assert max(thumb.size) <= 480


def test_with_app1_puts_the_packet_where_pillow_finds_it():
    data = with_app1(bare_jpeg(), b"http://ns.adobe.com/xap/1.0/\x00<x/>")
    with Image.open(io.BytesIO(data)) as image:
        assert image.info["xmp"] == b"<x/>"
