"""Uploads for the drone tests: a flight's worth of photos along a route, as the browser or a client sends them."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import BEIJING, point_in
from tests.drones.images import dji_packet, drone_jpeg

START = dt.datetime(2024, 6, 1, 10, 0, 0, tzinfo=BEIJING)


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type)


def flight_photos(count: int, *, region: str = "371082001", seed: int = 1, xmp_only: bool = False) -> list:
    """`count` photos two seconds apart along a short line inside `region` (as a drone flies a route)."""
    lat, lng = point_in(region)
    out = []
    for i in range(count):
        p_lat, p_lng = lat + i * 0.0002, lng + i * 0.0001
        taken = START + dt.timedelta(seconds=2 * i)
        data = (drone_jpeg(seed + i, lat=p_lat, lng=p_lng, taken_at=taken, exif_gps=False,
                           xmp=dji_packet(p_lat, p_lng))
                if xmp_only else drone_jpeg(seed + i, lat=p_lat, lng=p_lng, taken_at=taken))
        out.append(upload(f"DJI_{seed + i:04d}.JPG", data))
    return out
