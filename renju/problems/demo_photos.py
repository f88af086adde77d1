"""Synthetic photos for demo data and tests: a JPEG with a street-like scene and real EXIF (time and GPS)."""

from __future__ import annotations

import datetime as dt
import io
import random

from PIL import Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

GPS_IFD = 0x8825
EXIF_IFD = 0x8769


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 1000)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 1000)


def synthetic_jpeg(
    *, seed: int, lat: float | None = None, lng: float | None = None, taken_at: dt.datetime | None = None,
    after: bool = False, size: tuple[int, int] = (640, 480),
) -> bytes:
    """A deterministic picture: `after` photos are tidier (fewer clutter shapes) than `before` ones."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randint(150, 200), rng.randint(170, 210), rng.randint(190, 230)))
    draw = ImageDraw.Draw(image)
    w, h = size
    horizon = int(h * rng.uniform(0.45, 0.6))
    draw.rectangle([0, horizon, w, h], fill=(110, 110, 105))  # road
    for x in range(0, w, 60):  # kerb
        draw.rectangle([x, horizon - 6, x + 40, horizon], fill=(200, 200, 190))
    for _ in range(rng.randint(2, 4)):  # buildings
        bx = rng.randint(0, w - 120)
        bh = rng.randint(80, horizon - 10)
        draw.rectangle([bx, horizon - bh, bx + rng.randint(80, 160), horizon],
                       fill=(rng.randint(160, 230), rng.randint(140, 210), rng.randint(120, 190)))
    # Large foreground shapes (trees, poles) differ from seed to seed, so two demo scenes do not look alike to the
    # perceptual hash the way near-empty street scenes would.
    for _ in range(rng.randint(2, 4)):
        tx = rng.randint(0, w - 40)
        top = rng.randint(int(h * 0.1), horizon)
        draw.rectangle([tx, top, tx + rng.randint(8, 20), h - rng.randint(0, 60)], fill=(rng.randint(40, 110),) * 3)
        draw.ellipse([tx - 40, top - 50, tx + 60, top + 30],
                     fill=(rng.randint(20, 80), rng.randint(90, 160), rng.randint(20, 80)))
    clutter = rng.randint(0, 1) if after else rng.randint(6, 14)
    for _ in range(clutter):  # litter and debris
        cx, cy = rng.randint(0, w), rng.randint(horizon, h - 10)
        r = rng.randint(6, 26)
        draw.ellipse([cx - r, cy - r // 2, cx + r, cy + r // 2],
                     fill=(rng.randint(20, 255), rng.randint(20, 255), rng.randint(20, 255)))
    exif = Image.Exif()
    exif[0x010F] = "Renju demo camera"
    if taken_at is not None:
        stamp = taken_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y:%m:%d %H:%M:%S")
        exif[0x0132] = stamp
        exif.get_ifd(EXIF_IFD)[0x9003] = stamp
        exif.get_ifd(EXIF_IFD)[0x9011] = "+08:00"
    if lat is not None and lng is not None:
        gps = exif.get_ifd(GPS_IFD)
        gps[1] = "N" if lat >= 0 else "S"
        gps[2] = _dms(lat)
        gps[3] = "E" if lng >= 0 else "W"
        gps[4] = _dms(lng)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=75, exif=exif)
    return out.getvalue()
