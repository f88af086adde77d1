"""Upload a flight: many photos, or zips of them, streamed one at a time from disk into storage.

Every file sent is accounted for: added (readable or not — an unreadable JPEG is kept and listed with its error),
skipped because the same bytes are already in this or another flight (sha256), or refused with a reason (not a
JPEG, too large, over the flight's photo limit, an unsafe zip entry). Re-sending the same files adds nothing, so a
retried upload is harmless; a flight is only created once there is a new photo to put in it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from renju.accounts.models import User
from renju.drones.archive import Member, Refusal, megabytes, zip_members
from renju.drones.metadata import printable
from renju.drones.models import DroneFlight, DronePhoto, DroneUpload
from renju.drones.reading import ReadPhoto, has_jpeg_magic, is_jpeg_name, photo_read
from renju.drones.rules import DroneRules, can_write, drone_rules
from renju.plans.active import active_plan
from renju.problems.errors import ActionForbidden, InvalidInput

CHUNK = 1024 * 1024
FIELD_LIMITS = {"code": 64, "pilot": 50, "drone": 100, "notes": 2000}
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError)


@dataclass
class FlightFields:
    code: str = ""
    pilot: str = ""
    drone: str = ""
    notes: str = ""

    def cleaned(self) -> FlightFields:
        values = {name: (getattr(self, name) or "").strip() for name in FIELD_LIMITS}
        errors = {name: [f"最多 {limit} 个字符"] for name, limit in FIELD_LIMITS.items() if len(values[name]) > limit}
        if errors:
            raise InvalidInput(errors)
        return FlightFields(**values)


@dataclass
class UploadReport:
    flight: DroneFlight | None = None
    upload: DroneUpload | None = None
    created: bool = False  # this upload created the flight
    received: int = 0  # photos and zip entries looked at
    added: list[DronePhoto] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)

    @property
    def replay(self) -> bool:
        """Nothing new: every photo sent was already there (a retried or repeated upload)."""
        return not self.added and bool(self.skipped)


def flight_upload(
    *, actor: User, files: Sequence, flight: DroneFlight | None = None, fields: FlightFields | None = None,
    at: dt.datetime | None = None,
) -> UploadReport:
    """Add `files` (Django uploaded files: JPEGs or zips of JPEGs) to `flight`, or to a new flight described by
    `fields` (a flight code that already exists names that flight). Raises InvalidInput when nothing at all could
    be taken, so a wholly bad upload writes nothing."""
    if not can_write(actor):
        raise ActionForbidden("只有无人机飞行队（现场检查人员、派遣员）可以上传航拍照片")
    fields = (fields or FlightFields()).cleaned()
    if not files:
        raise InvalidInput.one("files", "请选择航拍照片（.jpg）或照片的 zip 压缩包")
    if flight is None and fields.code:
        flight = DroneFlight.objects.filter(code=fields.code).first()
    run = _Run(actor=actor, rules=drone_rules(), tz=active_plan().calendar.tz, at=at or timezone.now(),
               flight=flight, fields=fields)
    for upload in files:
        run.take_upload(upload)
    return run.finish()


@dataclass
class _Run:
    actor: User
    rules: DroneRules
    tz: dt.tzinfo
    at: dt.datetime
    flight: DroneFlight | None
    fields: FlightFields
    report: UploadReport = field(default_factory=UploadReport)
    seen: dict[str, str] = field(default_factory=dict)  # sha256 → file name, within this upload
    count: int | None = None  # photos in the flight so far
    elsewhere: DroneFlight | None = None  # the flight already holding a skipped photo (for a replayed upload)

    def take_upload(self, upload) -> None:
        name = printable(upload.name or "")[:200] or "upload"
        if name.lower().endswith(".zip"):
            for item in zip_members(upload, name, self.rules.zip_limits):
                if isinstance(item, Refusal):
                    self.refuse(item.file, item.reason)
                else:
                    self.take_member(item)
        elif not is_jpeg_name(name):
            self.refuse(name, "只接受 JPEG 照片（.jpg / .jpeg）或照片的 zip 压缩包")
        elif upload.size > self.rules.max_photo_bytes:
            self.refuse(name, f"{megabytes(upload.size)}，超过单张上限 {megabytes(self.rules.max_photo_bytes)}")
        else:
            self.report.received += 1
            upload.seek(0)
            self.take_photo(name, upload, *_hash(upload))

    def take_member(self, member: Member) -> None:
        self.report.received += 1
        with tempfile.TemporaryFile() as spool:
            try:
                with member.open() as source:
                    digest, size = _copy(source, spool, self.rules.max_photo_bytes)
            except ZIP_ERRORS as exc:
                self.refuse(member.name, f"压缩包条目损坏，无法解压（{exc.__class__.__name__}）")
                return
            if digest is None:
                self.refuse(member.name, "解压后大于压缩包声明的大小或单张上限，未导入")
                return
            self.take_photo(member.name, spool, digest, size)

    def take_photo(self, name: str, stream: BinaryIO, digest: str, size: int) -> None:
        if not has_jpeg_magic(stream):
            self.refuse(name, "文件内容不是 JPEG 图像")
            return
        if digest in self.seen:
            self.skip(name, f"与本次上传的 {self.seen[digest]} 内容相同")
            return
        self.seen[digest] = name
        if self._already_stored(name, digest):
            return
        if self._photo_count() >= self.rules.max_photos_per_flight:
            self.refuse(name, f"超过每架次最多 {self.rules.max_photos_per_flight} 张的上限")
            return
        read = photo_read(stream, self.tz)
        stream.seek(0)
        self._store(name, stream, digest, size, read)

    def _already_stored(self, name: str, digest: str) -> bool:
        existing = DronePhoto.objects.filter(sha256=digest).select_related("flight").order_by("id").first()
        if existing is None:
            return False
        if self.flight is None and not self.fields.code and not self.report.added:
            # Photos already in a flight, sent again without naming one: a repeated or resumed upload (a broken
            # connection, a client that retried) continues that flight rather than starting another.
            self.flight, self.count = existing.flight, None
        if self.flight is not None and existing.flight_id == self.flight.id:
            self.skip(name, f"此架次已有（{existing.filename}）")
        else:
            self.skip(name, f"已在架次 {existing.flight.code} 中（{existing.filename}）")
            self.elsewhere = self.elsewhere or existing.flight
        return True

    def _photo_count(self) -> int:
        if self.count is None:
            self.count = self.flight.photos.count() if self.flight is not None else 0
        return self.count

    def _store(self, name: str, stream: BinaryIO, digest: str, size: int, read: ReadPhoto) -> None:
        meta = read.meta
        photo = DronePhoto(
            filename=name[:255], sha256=digest, size=size, width=read.width, height=read.height,
            taken_at=meta.taken_at, lat=meta.lat, lng=meta.lng, altitude=meta.altitude,
            relative_altitude=meta.relative_altitude, gimbal_yaw=meta.gimbal_yaw, gimbal_pitch=meta.gimbal_pitch,
            metadata=meta.as_json(), error=read.error[:200],
        )
        stem = uuid.uuid4().hex
        saved: list[str] = []
        try:
            photo.original.save(f"{stem}.jpg", stream if hasattr(stream, "temporary_file_path") else File(stream),
                                save=False)
            saved.append(photo.original.name)
            if read.thumbnail:
                photo.thumbnail.save(f"{stem}.jpg", ContentFile(read.thumbnail), save=False)
                saved.append(photo.thumbnail.name)
            self._ensure_flight()  # committed on its own: a photo refused below must not take the flight with it
            photo.flight, photo.upload = self.report.flight, self.report.upload
            with transaction.atomic():
                photo.save()
        except IntegrityError:
            # The same photo sent at the same moment by another upload to this flight: it is there once.
            for stored in saved:
                default_storage.delete(stored)
            self.skip(name, "此架次已有（同时上传）")
            return
        except BaseException:
            for stored in saved:
                default_storage.delete(stored)
            raise
        self.count = self._photo_count() + 1
        self.report.added.append(photo)

    def _ensure_flight(self) -> None:
        """The flight and this upload's record are written with the first new photo, not before."""
        if self.flight is None:
            self.flight, self.report.created = _flight_create(self.actor, self.fields, self.at)
        if self.report.upload is None:
            self.report.flight = self.flight
            self.report.upload = DroneUpload.objects.create(
                flight=self.flight, uploaded_by=self.actor, uploaded_at=self.at)

    def refuse(self, name: str, reason: str) -> None:
        self.report.refused.append({"file": name, "reason": reason})

    def skip(self, name: str, reason: str) -> None:
        self.report.skipped.append({"file": name, "reason": reason})

    def finish(self) -> UploadReport:
        report = self.report
        if report.upload is not None:
            DroneUpload.objects.filter(pk=report.upload.pk).update(
                received=report.received, added=len(report.added), skipped=report.skipped, refused=report.refused)
            report.upload.refresh_from_db()
            flight_times_update(report.flight)
            return report
        # Nothing new was written. Already there (a replay): answer with the flight that holds the photos.
        report.flight = (self.flight or self.elsewhere) if report.skipped else None
        if report.flight is None:
            reasons = [f"{r['file']}：{r['reason']}" for r in report.refused[:50]]
            raise InvalidInput({"files": reasons or ["没有可导入的照片"]})
        return report


def flight_times_update(flight: DroneFlight) -> None:
    span = flight.photos.aggregate(first=Min("taken_at"), last=Max("taken_at"))
    DroneFlight.objects.filter(pk=flight.pk).update(started_at=span["first"], ended_at=span["last"])
    flight.started_at, flight.ended_at = span["first"], span["last"]


def _flight_create(actor: User, fields: FlightFields, at: dt.datetime) -> tuple[DroneFlight, bool]:
    """The new flight, and whether this call created it (an upload of the same code at the same moment may win)."""
    values = dict(pilot=fields.pilot, drone=fields.drone, notes=fields.notes, uploaded_by=actor, uploaded_at=at)
    if fields.code:
        try:
            with transaction.atomic():
                return DroneFlight.objects.create(code=fields.code, **values), True
        except IntegrityError:
            return DroneFlight.objects.get(code=fields.code), False
    prefix = f"UAV-{timezone.localtime(at):%Y%m%d}-"
    number = DroneFlight.objects.filter(code__startswith=prefix).count() + 1
    while True:
        try:
            with transaction.atomic():
                return DroneFlight.objects.create(code=f"{prefix}{number:02d}", **values), True
        except IntegrityError:
            number += 1  # taken by a flight uploaded at the same moment, or by hand


def _hash(upload) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return digest.hexdigest(), size


def _copy(source: BinaryIO, target: BinaryIO, limit: int) -> tuple[str | None, int]:
    """Copy a zip entry to a temporary file (Pillow and storage need to seek), hashing as it goes; stops one chunk
    past `limit` and gives no digest for an entry larger than allowed."""
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if size > limit:
            return None, size
        digest.update(chunk)
        target.write(chunk)
    target.seek(0)
    return digest.hexdigest(), size
