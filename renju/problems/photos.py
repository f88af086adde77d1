"""Photo uploads: checked (type, size, really an image), EXIF read for place and time, thumbnail and perceptual hash
derived.

The original bytes are stored as uploaded, EXIF included: they are the evidence.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import ExifTags, Image, UnidentifiedImageError

from renju.problems.phash_index import phash_of_image

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
THUMBNAIL_SIZE = (480, 480)
Image.MAX_IMAGE_PIXELS = 80_000_000  # refuse decompression bombs well before they hurt


@dataclass
class PreparedPhoto:
    filename: str
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str
    exif: dict = field(default_factory=dict)
    taken_at: dt.datetime | None = None
    lat: float | None = None
    lng: float | None = None
    thumbnail: bytes = b""
    phash: int | None = None  # 64-bit perceptual hash, unsigned (see renju.problems.phash_index)


def photo_prepare(data: bytes, filename: str, *, field_name: str = "photos") -> PreparedPhoto:
    """Check one upload and read what we need from it. Raises InvalidInput naming the field and the file."""
    from renju.problems.errors import InvalidInput

    label = filename or "upload"
    limit = settings.RENJU_MAX_PHOTO_BYTES
    if len(data) > limit:
        raise InvalidInput.one(field_name, f"{label}: {len(data)} bytes, larger than the {limit} allowed")
    if not data:
        raise InvalidInput.one(field_name, f"{label}: empty file")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError) as exc:
        raise InvalidInput.one(field_name, f"{label}: not a readable image ({exc.__class__.__name__})") from exc
    if fmt not in ALLOWED_FORMATS:
        raise InvalidInput.one(field_name, f"{label}: {fmt} images are not accepted (JPEG, PNG or WebP)")
    exif, taken_at, lat, lng = _read_exif(image)
    small = upright_small(image)
    return PreparedPhoto(
        filename=label[:255],
        data=data,
        content_type=ALLOWED_FORMATS[fmt],
        extension={"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[fmt],
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(data).hexdigest(),
        exif=exif,
        taken_at=taken_at,
        lat=lat,
        lng=lng,
        thumbnail=_thumbnail(small),
        phash=phash_of_image(small),
    )


def photo_from_upload(upload, *, field_name: str = "photos") -> PreparedPhoto:
    """An uploaded file (Django's UploadedFile): refused by its size before it is read into memory."""
    from renju.problems.errors import InvalidInput

    limit = settings.RENJU_MAX_PHOTO_BYTES
    if upload.size > limit:
        raise InvalidInput.one(field_name, f"{upload.name}: {upload.size} bytes, larger than the {limit} allowed")
    return photo_prepare(upload.read(), upload.name or "", field_name=field_name)


def upright_small(image: Image.Image) -> Image.Image:
    """The picture turned upright by its EXIF orientation and shrunk to thumbnail size: what the thumbnail shows and
    what the perceptual hash is computed on (hashing 480 px instead of the full photo gives the same 32x32 input to
    pHash at a fraction of the cost)."""
    from PIL import ImageOps

    small = ImageOps.exif_transpose(image.copy())
    small.thumbnail(THUMBNAIL_SIZE)
    return small


def _thumbnail(small: Image.Image) -> bytes:
    out = io.BytesIO()
    small.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def _read_exif(image: Image.Image) -> tuple[dict, dt.datetime | None, float | None, float | None]:
    raw = image.getexif()
    if not raw:
        return {}, None, None, None
    exif: dict[str, str] = {}
    for tag, value in raw.items():
        name = ExifTags.TAGS.get(tag, str(tag))
        if isinstance(value, str | int | float):
            exif[name] = str(value)[:200]
    sub = raw.get_ifd(ExifTags.IFD.Exif)
    for tag in (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal):
        if tag in sub:
            exif[ExifTags.TAGS[tag]] = str(sub[tag])[:200]
    taken_at = _exif_time(exif.get("DateTimeOriginal") or exif.get("DateTime"), exif.get("OffsetTimeOriginal"))
    lat = lng = None
    gps = raw.get_ifd(ExifTags.IFD.GPSInfo)
    if gps:
        lat = _dms(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
        lng = _dms(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
        if lat is not None and lng is not None:
            exif["GPSLatitude"], exif["GPSLongitude"] = f"{lat:.6f}", f"{lng:.6f}"
        else:
            lat = lng = None
    return exif, taken_at, lat, lng


def _exif_time(value: str | None, offset: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        naive = dt.datetime.strptime(value.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    # Cameras here keep Beijing time; an explicit offset in the EXIF wins.
    tz = dt.timezone(dt.timedelta(hours=8))
    if offset:
        with contextlib.suppress(ValueError):
            tz = dt.datetime.strptime(offset.strip("\x00 "), "%z").tzinfo or tz
    return naive.replace(tzinfo=tz)


def _dms(value, ref, negative: str) -> float | None:
    try:
        d, m, s = (float(x) for x in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    decimal = d + m / 60 + s / 3600
    return -decimal if ref == negative else decimal


def photo_files(photo: PreparedPhoto) -> tuple[ContentFile, ContentFile]:
    stem = uuid.uuid4().hex
    return (
        ContentFile(photo.data, name=f"{stem}.{photo.extension}"),
        ContentFile(photo.thumbnail, name=f"{stem}.jpg"),
    )
