"""Where and when a drone photo was taken, from its EXIF (GPS IFD, DateTimeOriginal and its offset) and DJI's XMP.

Corrupt metadata never loses the photo: what can be read is kept and what could not is said in `warnings`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import warnings
from dataclasses import dataclass, field

from PIL import ExifTags, Image

from renju.drones.xmp import dji_xmp_parse
from renju.plans.geo import distance_m

EXIF_DAMAGED = "EXIF 数据损坏，只读取了可读部分"
DISAGREE_METRES = 50  # EXIF and XMP positions farther apart than this are worth a word on the photo
EXIF_TEXT_TAGS = ("Make", "Model", "Software", "DateTimeOriginal", "OffsetTimeOriginal", "OffsetTime",
                  "SubsecTimeOriginal", "DateTime")


@dataclass
class PhotoMeta:
    taken_at: dt.datetime | None = None
    lat: float | None = None
    lng: float | None = None
    altitude: float | None = None
    relative_altitude: float | None = None
    gimbal_yaw: float | None = None
    gimbal_pitch: float | None = None
    flight_yaw: float | None = None
    position_source: str = ""  # "xmp" or "exif"
    time_source: str = ""  # "exif" (with its offset), "exif_local" (the plan's time zone), "gps" (UTC)
    exif: dict[str, str] = field(default_factory=dict)
    xmp: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """What goes into DronePhoto.metadata."""
        return {
            "position_source": self.position_source, "time_source": self.time_source, "flight_yaw": self.flight_yaw,
            "warnings": self.warnings, "exif": self.exif, "xmp": self.xmp,
        }


def photo_meta_read(image: Image.Image, tz: dt.tzinfo) -> PhotoMeta:
    """Read an opened JPEG's metadata. `tz` is the plan's time zone, for cameras that write no UTC offset."""
    meta = PhotoMeta()
    exif_lat, exif_lng = _read_exif(image, tz, meta)
    xmp = dji_xmp_parse(image.info.get("xmp"))
    meta.xmp = xmp.raw
    meta.warnings.extend(xmp.warnings)
    v = xmp.values
    if "lat" in v:
        meta.lat, meta.lng, meta.position_source = v["lat"], v["lng"], "xmp"
        if exif_lat is not None:
            apart = distance_m(exif_lat, exif_lng, v["lat"], v["lng"])
            if apart > DISAGREE_METRES:
                meta.warnings.append(f"EXIF 与 XMP 位置相差 {apart:.0f} 米，采用 XMP")
    elif exif_lat is not None:
        meta.lat, meta.lng, meta.position_source = exif_lat, exif_lng, "exif"
    if "altitude" in v:
        meta.altitude = v["altitude"]
    meta.relative_altitude = v.get("relative_altitude")
    meta.gimbal_yaw = v.get("gimbal_yaw")
    meta.gimbal_pitch = v.get("gimbal_pitch")
    meta.flight_yaw = v.get("flight_yaw")
    return meta


def _read_exif(image: Image.Image, tz: dt.tzinfo, meta: PhotoMeta) -> tuple[float | None, float | None]:
    """Fills time, altitude and the EXIF text fields; returns the EXIF position (merged with XMP by the caller)."""
    # Pillow reads damaged EXIF as far as it can and warns about the rest; the warning is the photo's to carry.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            raw = image.getexif()
            base = {ExifTags.TAGS.get(k, str(k)): v for k, v in raw.items()}
            sub = {ExifTags.TAGS.get(k, str(k)): v for k, v in raw.get_ifd(ExifTags.IFD.Exif).items()}
            gps = dict(raw.get_ifd(ExifTags.IFD.GPSInfo))
        except Exception as exc:  # noqa: BLE001 — any parser failure on untrusted bytes means "no EXIF", said aloud
            meta.warnings.append(f"EXIF 无法读取（{exc.__class__.__name__}）")
            return None, None
    # Pillow parses EXIF when the file is opened, so its warning may have gone by already; an EXIF segment that
    # gives no tags at all is damaged too.
    damaged = any("exif" in str(w.message).lower() for w in caught)
    if damaged or (len(image.info.get("exif") or b"") > 14 and not base):
        meta.warnings.append(EXIF_DAMAGED)
    for name in EXIF_TEXT_TAGS:
        value = sub.get(name, base.get(name))
        if isinstance(value, str | int | float):
            meta.exif[name] = printable(str(value))[:100]
    meta.taken_at, meta.time_source = _exif_time(meta.exif, tz)
    lat = _dms(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
    lng = _dms(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    altitude = _number(gps.get(ExifTags.GPS.GPSAltitude))
    if altitude is not None:
        meta.altitude = -altitude if _ref(gps.get(ExifTags.GPS.GPSAltitudeRef)) in ("1", "\x01") else altitude
    if meta.taken_at is None:
        meta.taken_at = _gps_time(gps)
        meta.time_source = "gps" if meta.taken_at else ""
    if lat is None or lng is None:
        if (lat is None) != (lng is None):
            meta.warnings.append("EXIF GPS 只有纬度或经度之一，未采用")
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (lat == 0 and lng == 0):
        meta.warnings.append(f"EXIF GPS 位置无效（{lat:.6f}, {lng:.6f}），未采用")
        return None, None
    meta.exif["GPSLatitude"], meta.exif["GPSLongitude"] = f"{lat:.7f}", f"{lng:.7f}"
    return lat, lng


def printable(text: str) -> str:
    """Camera strings may carry NULs and control bytes, which PostgreSQL refuses in text and JSON."""
    return "".join(ch for ch in text if ch >= " " and ch != "\x7f").strip()


def _exif_time(exif: dict[str, str], tz: dt.tzinfo) -> tuple[dt.datetime | None, str]:
    value = exif.get("DateTimeOriginal") or exif.get("DateTime")
    if not value:
        return None, ""
    try:
        naive = dt.datetime.strptime(value[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None, ""
    subsec = exif.get("SubsecTimeOriginal", "")
    if subsec.isdigit():
        naive = naive.replace(microsecond=int(subsec[:6].ljust(6, "0")))
    offset = exif.get("OffsetTimeOriginal") or exif.get("OffsetTime")
    if offset:
        with contextlib.suppress(ValueError):
            zone = dt.datetime.strptime(offset.strip(), "%z").tzinfo
            if zone is not None:
                return naive.replace(tzinfo=zone), "exif"
    return naive.replace(tzinfo=tz), "exif_local"


def _gps_time(gps: dict) -> dt.datetime | None:
    """GPSDateStamp + GPSTimeStamp: UTC, from the satellites, when the camera wrote no local time."""
    stamp, clock = gps.get(ExifTags.GPS.GPSDateStamp), gps.get(ExifTags.GPS.GPSTimeStamp)
    try:
        day = dt.datetime.strptime(str(stamp).strip("\x00 "), "%Y:%m:%d")
        h, m, s = (float(x) for x in clock)
        return day.replace(tzinfo=dt.UTC) + dt.timedelta(hours=h, minutes=m, seconds=s)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None


def _ref(value) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value) if value is not None else ""


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def _dms(value, ref, negative: str) -> float | None:
    try:
        d, m, s = (float(x) for x in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    decimal = d + m / 60 + s / 3600
    if not math.isfinite(decimal):
        return None
    return -decimal if _ref(ref).strip("\x00 ").upper() == negative else decimal
