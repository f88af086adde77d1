"""Synthetic drone photos: real JPEGs with EXIF GPS, a DJI XMP packet (the APP1 segment DJI writes), both, neither,
or damaged metadata."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile

from PIL import Image

from renju.problems.demo_photos import synthetic_jpeg

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"


def dji_packet(lat: float, lng: float, *, altitude: float = 52.3, relative: float = 60.1, yaw: float = -12.5,
               pitch: float = -90.0, typo: bool = True, as_elements: bool = False) -> bytes:
    """The packet a DJI drone writes; `typo` spells longitude as DJI's firmware does (GpsLongtitude)."""
    lng_name = "GpsLongtitude" if typo else "GpsLongitude"
    fields = {"GpsLatitude": f"{lat:+.7f}", lng_name: f"{lng:+.7f}", "AbsoluteAltitude": f"{altitude:+.2f}",
              "RelativeAltitude": f"{relative:+.2f}", "GimbalYawDegree": f"{yaw:+.2f}",
              "GimbalPitchDegree": f"{pitch:+.2f}", "FlightYawDegree": "+88.40"}
    if as_elements:
        body = "".join(f"<drone-dji:{k}>{v}</drone-dji:{k}>" for k, v in fields.items())
        description = f'<rdf:Description rdf:about="DJI Meta Data" {NS}>{body}</rdf:Description>'
    else:
        attrs = " ".join(f'drone-dji:{k}="{v}"' for k, v in fields.items())
        description = f'<rdf:Description rdf:about="DJI Meta Data" {NS} {attrs}/>'
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"{description}</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


NS = ('xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
      'xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" tiff:Make="DJI" tiff:Model="M3E"')


def with_app1(jpeg: bytes, payload: bytes) -> bytes:
    """Insert an APP1 segment right after SOI, as cameras do."""
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def drone_jpeg(seed: int = 1, *, lat: float | None = None, lng: float | None = None,
               taken_at: dt.datetime | None = None, exif_gps: bool = True, xmp: bytes | None = None,
               size: tuple[int, int] = (320, 240)) -> bytes:
    """A photo with EXIF time (and GPS when `exif_gps` and a position are given) and, optionally, an XMP packet."""
    data = synthetic_jpeg(seed=seed, lat=lat if exif_gps else None, lng=lng if exif_gps else None,
                          taken_at=taken_at, size=size)
    return with_app1(data, XMP_HEADER + xmp) if xmp is not None else data


def bare_jpeg(seed: int = 1) -> bytes:
    """No EXIF at all."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (seed * 30 % 255, 120, 90)).save(out, "JPEG")
    return out.getvalue()


def corrupt_exif(data: bytes) -> bytes:
    """The EXIF segment's first IFD offset pointing far past its end: Pillow can read nothing from it."""
    at = data.index(b"Exif\x00\x00") + 6
    byte_order = data[at:at + 2]
    offset = struct.pack(">I" if byte_order == b"MM" else "<I", 0x00FFFFF0)
    return data[:at + 4] + offset + data[at + 8:]


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 3]


def zip_of(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()
