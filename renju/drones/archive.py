"""A flight sent as one zip: the entries worth importing, and a reason for every one that is not.

Checked before anything is decompressed, from the central directory: the number of entries, the declared total
size, each entry's size and compression ratio (zip bombs), its path (absolute or `..` paths, links), encryption and
type. Reading an entry is bounded by its declared size (the zip module stops there and checks the CRC), so a
header that lies gives a read error, never an unbounded stream.
"""

from __future__ import annotations

import contextlib
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from renju.drones.metadata import printable
from renju.drones.reading import is_jpeg_name

SUSPICIOUS_RATIO = 20  # JPEG hardly compresses (ratios near 1); 20x is a bomb, or not a photo
RATIO_FLOOR_BYTES = 1024 * 1024  # tiny entries may compress well without harm
JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
UTF8_FLAG = 0x800
ENCRYPTED_FLAG = 0x1


@dataclass
class Refusal:
    file: str
    reason: str


@dataclass
class Member:
    name: str
    size: int
    info: zipfile.ZipInfo
    archive: zipfile.ZipFile

    def open(self) -> BinaryIO:
        return self.archive.open(self.info)


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int
    max_total_bytes: int
    max_file_bytes: int


def zip_members(stream: BinaryIO, label: str, limits: ZipLimits) -> Iterator[Member | Refusal]:
    """Yield each importable entry, or a Refusal with its reason; a zip refused whole yields one Refusal."""
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        yield Refusal(label, f"不是有效的 zip 压缩包（{exc}）")
        return
    if len(infos) > limits.max_entries:
        yield Refusal(label, f"压缩包条目过多（{len(infos)} 个，上限 {limits.max_entries} 个），整个压缩包未导入")
        return
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_bytes:
        limit = megabytes(limits.max_total_bytes)
        yield Refusal(label, f"压缩包解压后共 {megabytes(total)}，超过上限 {limit}，整个压缩包未导入")
        return
    with archive:
        for info in infos:
            if info.is_dir():
                continue
            name = _entry_name(info)
            shown = f"{label}/{name}"
            reason = _entry_problem(info, name, limits)
            if reason:
                yield Refusal(shown, reason)
            else:
                yield Member(name=shown, size=info.file_size, info=info, archive=archive)


def _entry_problem(info: zipfile.ZipInfo, name: str, limits: ZipLimits) -> str:
    path = PurePosixPath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in path.parts:
        return "路径越出压缩包（绝对路径或 ..），未导入"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "符号链接，未导入"
    if path.name.lower() in JUNK_NAMES or "__MACOSX" in path.parts or path.name.startswith("._"):
        return "系统附属文件，已忽略"
    if info.flag_bits & ENCRYPTED_FLAG:
        return "加密条目，无法读取"
    if path.suffix.lower() == ".zip":
        return "压缩包中的压缩包不导入，请解开后上传"
    if not is_jpeg_name(path.name):
        return f"不是 JPEG 照片（{path.suffix or '无扩展名'}），只接受 .jpg / .jpeg"
    if info.file_size > limits.max_file_bytes:
        return f"{megabytes(info.file_size)}，超过单张上限 {megabytes(limits.max_file_bytes)}"
    if info.file_size > RATIO_FLOOR_BYTES and info.file_size > SUSPICIOUS_RATIO * max(info.compress_size, 1):
        return "压缩比异常（疑似压缩炸弹），未导入"
    return ""


def _entry_name(info: zipfile.ZipInfo) -> str:
    """Names written without the UTF-8 flag are decoded as CP437 by the zip module; Chinese Windows writes GBK."""
    name = info.filename
    if not info.flag_bits & UTF8_FLAG:
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("gbk")
    return printable(name)[:200]


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
