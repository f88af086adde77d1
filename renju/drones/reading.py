"""Open one drone photo from disk: is it really a JPEG, what does its metadata say, and its thumbnail.

Decoding uses JPEG's reduced-size mode (`draft`): a 20-megapixel aerial photo is decoded at 1/4 or 1/8 scale for the
thumbnail, which is several times faster than a full decode and needs a fraction of the memory, while a truncated
or corrupt file still fails to decode and is caught here.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from dataclasses import dataclass, field
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from renju.drones.metadata import EXIF_DAMAGED, PhotoMeta, photo_meta_read
from renju.problems.photos import THUMBNAIL_SIZE, upright_small

JPEG_MAGIC = b"\xff\xd8\xff"
JPEG_EXTENSIONS = (".jpg", ".jpeg")
DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
                 EOFError, IndexError, KeyError, TypeError)


@dataclass
class ReadPhoto:
    width: int | None = None
    height: int | None = None
    meta: PhotoMeta = field(default_factory=PhotoMeta)
    thumbnail: bytes = b""
    error: str = ""  # set when the picture itself cannot be decoded


def is_jpeg_name(name: str) -> bool:
    return name.lower().endswith(JPEG_EXTENSIONS)


def has_jpeg_magic(stream: BinaryIO) -> bool:
    stream.seek(0)
    head = stream.read(3)
    stream.seek(0)
    return head == JPEG_MAGIC


def photo_read(stream: BinaryIO, tz: dt.tzinfo) -> ReadPhoto:
    """Never raises for a bad picture: the result says what was wrong, so the photo can be listed, not dropped."""
    out = ReadPhoto()
    stream.seek(0)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with Image.open(stream) as image:
                if image.format != "JPEG":
                    out.error = f"不是 JPEG 图像（{image.format}）"
                    return out
                out.width, out.height = image.size
                out.meta = photo_meta_read(image, tz)
                # Pillow warns about damaged EXIF while opening the file, before photo_meta_read looks at it.
                if any("exif" in str(w.message).lower() for w in caught) and EXIF_DAMAGED not in out.meta.warnings:
                    out.meta.warnings.append(EXIF_DAMAGED)
                image.draft("RGB", THUMBNAIL_SIZE)  # the smallest scale still at least thumbnail-sized
                image.load()
                small = upright_small(image)
    except DECODE_ERRORS as exc:
        out.error = f"图像无法解码（{exc.__class__.__name__}: {str(exc)[:80]}）"
        return out
    buffer = io.BytesIO()
    small.convert("RGB").save(buffer, "JPEG", quality=80)
    out.thumbnail = buffer.getvalue()
    return out
