"""DJI's XMP packet: the drone's own record of where it was and where the camera pointed.

DJI writes an XMP packet (an XML document in a JPEG APP1 segment) with a `drone-dji:` namespace: GpsLatitude,
GpsLongitude (older firmware spells it GpsLongtitude), AbsoluteAltitude, RelativeAltitude and the gimbal and
airframe angles, as attributes of rdf:Description or, in some firmware, as child elements.

Parsed with the standard library. XMP never needs a DTD, and a DTD is the only way to declare the entities that
XML expansion attacks ("billion laughs") rely on, so a packet that carries one is refused before it is parsed.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

MAX_PACKET_BYTES = 256 * 1024  # a DJI packet is a few kilobytes; the standard's extended XMP we do not read
DJI_NAMESPACE_MARK = "drone-dji"
MAX_KEPT_FIELDS = 80
NUMERIC = {
    "GpsLatitude": "lat",
    "GpsLongitude": "lng",
    "GpsLongtitude": "lng",  # DJI's own spelling on many models
    "AbsoluteAltitude": "altitude",
    "RelativeAltitude": "relative_altitude",
    "GimbalYawDegree": "gimbal_yaw",
    "GimbalPitchDegree": "gimbal_pitch",
    "GimbalRollDegree": "gimbal_roll",
    "FlightYawDegree": "flight_yaw",
    "FlightPitchDegree": "flight_pitch",
    "FlightRollDegree": "flight_roll",
}


@dataclass
class DjiXmp:
    values: dict[str, float] = field(default_factory=dict)  # lat, lng, altitude, … (the names of NUMERIC)
    raw: dict[str, str] = field(default_factory=dict)  # every drone-dji field as written, for the record
    warnings: list[str] = field(default_factory=list)


def dji_xmp_parse(packet: bytes | str | None) -> DjiXmp:
    """The drone-dji fields of an XMP packet. Never raises: a packet that cannot be read gives a warning."""
    out = DjiXmp()
    if not packet:
        return out
    if isinstance(packet, str):
        packet = packet.encode("utf-8", "replace")
    if len(packet) > MAX_PACKET_BYTES:
        out.warnings.append(f"XMP 数据过大（{len(packet)} 字节），未读取")
        return out
    head = packet.upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        out.warnings.append("XMP 含文档类型声明（DTD），出于安全未读取")
        return out
    try:
        root = ET.fromstring(packet.rstrip(b"\x00 \r\n\t"))
    except ET.ParseError as exc:
        out.warnings.append(f"XMP 格式错误，未读取（{exc}）")
        return out
    for element in root.iter():
        for key, value in element.attrib.items():
            _keep(out, key, value)
        if element.text and element.text.strip() and not list(element):
            _keep(out, element.tag, element.text)
    _check_ranges(out)
    return out


def _keep(out: DjiXmp, qualified: str, value: str) -> None:
    if not qualified.startswith("{"):
        return
    namespace, _, name = qualified[1:].partition("}")
    if DJI_NAMESPACE_MARK not in namespace or len(out.raw) >= MAX_KEPT_FIELDS:
        return
    value = value.strip()
    out.raw[name] = value[:200]
    target = NUMERIC.get(name)
    if target is None or target in out.values:
        return
    try:
        number = float(value)
    except ValueError:
        out.warnings.append(f"XMP 字段 {name} 不是数字（{value[:40]!r}）")
        return
    if math.isfinite(number):
        out.values[target] = number
    else:
        out.warnings.append(f"XMP 字段 {name} 不是有限数值")


def _check_ranges(out: DjiXmp) -> None:
    lat, lng = out.values.get("lat"), out.values.get("lng")
    if lat is None and lng is None:
        return
    if lat is None or lng is None:
        out.warnings.append("XMP 只有纬度或经度之一，未采用其位置")
    elif not (-90 <= lat <= 90 and -180 <= lng <= 180):
        out.warnings.append(f"XMP 位置超出范围（{lat}, {lng}），未采用")
    elif lat == 0 and lng == 0:
        out.warnings.append("XMP 位置为 (0, 0)：拍摄时未定位，未采用")
    else:
        return
    out.values.pop("lat", None)
    out.values.pop("lng", None)
