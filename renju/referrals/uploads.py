"""The files that come with a referral sheet: the sheet itself (size checked before it is read) and its photos, sent
one by one or as a zip, or (from the command line) a folder or a zip. Each photo is looked up by its file name."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from renju.problems.errors import InvalidInput
from renju.referrals.importer import UploadedPhoto
from renju.referrals.sheet import MAX_BYTES, too_big

MAX_PHOTO_FILES = 2000
MAX_PHOTO_TOTAL_BYTES = 300 * 1024 * 1024  # held in memory while the rows are filed
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def read_sheet_upload(upload) -> bytes:
    """The sheet's bytes; too big a file is refused by its declared size, before it is read into memory."""
    if upload is None:
        raise InvalidInput.one("file", "请选择要导入的表格文件（.xlsx 或 .csv）")
    if upload.size > MAX_BYTES:
        raise InvalidInput.one("file", too_big(upload.size))
    return upload.read()


def photos_from_uploads(uploads: Iterable) -> dict[str, UploadedPhoto]:
    """Photos uploaded beside the sheet (images, or zips of images), by lower-cased file name."""
    return _collect((u.name or "", u.size, u.read) for u in uploads)


def photos_from_path(path: Path) -> dict[str, UploadedPhoto]:
    """Photos in a folder (not its subfolders) or a zip, for the command line."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
        return _collect((p.name, p.stat().st_size, p.read_bytes) for p in files)
    return _collect([(path.name, path.stat().st_size, path.read_bytes)])


def _collect(items: Iterable) -> dict[str, UploadedPhoto]:
    out: dict[str, UploadedPhoto] = {}
    total = 0
    per_photo = settings.RENJU_MAX_PHOTO_BYTES
    for name, size, read in items:
        if name.lower().endswith(".zip"):
            if size > MAX_PHOTO_TOTAL_BYTES:
                raise InvalidInput.one("photos", f"{name}：压缩包过大")
            for inner_name, data in _zip_photos(name, read()):
                total = _add(out, inner_name, data, total)
            continue
        if not name.lower().endswith(PHOTO_SUFFIXES):
            raise InvalidInput.one("photos", f"{name}：不是照片（JPEG、PNG、WebP）或照片压缩包（.zip）")
        if size > per_photo:
            raise InvalidInput.one("photos", f"{name}：{size} 字节，超过单张照片 {per_photo} 字节的上限")
        total = _add(out, name, read(), total)
    return out


def _add(out: dict[str, UploadedPhoto], name: str, data: bytes, total: int) -> int:
    key = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
    if key in out and out[key].data != data:
        raise InvalidInput.one("photos", f"有两张不同的照片都叫 {key}，无法区分")
    out[key] = UploadedPhoto(key, data)
    total += len(data)
    if len(out) > MAX_PHOTO_FILES or total > MAX_PHOTO_TOTAL_BYTES:
        raise InvalidInput.one("photos", f"照片过多：一次最多 {MAX_PHOTO_FILES} 张、共 "
                                         f"{MAX_PHOTO_TOTAL_BYTES // 1024 // 1024} MB，请分批导入")
    return total


def _zip_photos(name: str, data: bytes) -> list[tuple[str, bytes]]:
    per_photo = settings.RENJU_MAX_PHOTO_BYTES
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InvalidInput.one("photos", f"{name}：压缩包已损坏") from exc
    out = []
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir() and i.filename.lower().endswith(PHOTO_SUFFIXES)
                 and not i.filename.rsplit("/", 1)[-1].startswith(("._", "."))]  # macOS leaves ._ twins in zips
        if sum(i.file_size for i in infos) > MAX_PHOTO_TOTAL_BYTES or len(infos) > MAX_PHOTO_FILES:
            raise InvalidInput.one("photos", f"{name}：解压后过大或照片过多，请分批导入")
        for info in infos:
            if info.file_size > per_photo:
                raise InvalidInput.one("photos", f"{name} 中的 {info.filename}：超过单张照片 {per_photo} 字节的上限")
            try:
                out.append((_zip_name(info), archive.read(info)))
            except (zipfile.BadZipFile, OSError, RuntimeError) as exc:  # RuntimeError: an encrypted member
                raise InvalidInput.one("photos", f"{name} 中的 {info.filename} 无法解压") from exc
    return out


def _zip_name(info: zipfile.ZipInfo) -> str:
    # Zips made on Chinese Windows store GBK names without the UTF-8 flag; Python reads them as cp437.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename
