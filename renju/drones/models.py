"""Drone flights, the photos taken on them, and each upload into a flight with what it kept and refused."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DroneFlight(models.Model):
    code = models.CharField("架次编号", max_length=64, unique=True)
    pilot = models.CharField("飞手", max_length=50, blank=True)
    drone = models.CharField("机型", max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = "无人机架次"
        verbose_name_plural = "无人机架次"

    def __str__(self) -> str:
        return self.code


class DroneUpload(models.Model):
    """One upload into a flight (some photos or a zip): nothing sent is lost without a word, so every file that was
    skipped (already there) or refused (wrong type, too big, unsafe zip entry) is kept here with its reason."""

    flight = models.ForeignKey(DroneFlight, on_delete=models.PROTECT, related_name="uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    received = models.PositiveIntegerField("收到文件数", default=0)
    added = models.PositiveIntegerField("新增照片数", default=0)
    skipped = models.JSONField(default=list)  # [{"file": name, "reason": why}] already in this or another flight
    refused = models.JSONField(default=list)  # [{"file": name, "reason": why}] not taken at all

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.flight.code} @ {self.uploaded_at:%Y-%m-%d %H:%M}"


class DronePhoto(models.Model):
    flight = models.ForeignKey(DroneFlight, on_delete=models.PROTECT, related_name="photos")
    upload = models.ForeignKey(DroneUpload, null=True, blank=True, on_delete=models.PROTECT, related_name="photos")
    original = models.FileField(upload_to="drone/original/%Y/%m/")
    thumbnail = models.FileField(upload_to="drone/thumb/%Y/%m/", blank=True)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    altitude = models.FloatField("海拔", null=True, blank=True)
    relative_altitude = models.FloatField("相对高度", null=True, blank=True)
    gimbal_yaw = models.FloatField(null=True, blank=True)
    gimbal_pitch = models.FloatField(null=True, blank=True)
    # What was read and from where: {"position_source": "xmp"|"exif", "flight_yaw": …, "warnings": [...],
    # "exif": {...}, "xmp": {...}}.
    metadata = models.JSONField(default=dict)
    problem = models.ForeignKey("problems.Problem", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="drone_photos")
    error = models.CharField(max_length=200, blank=True)  # why the picture could not be read (kept, listed apart)

    class Meta:
        ordering = ["flight", "taken_at", "filename", "id"]
        constraints = [models.UniqueConstraint(fields=["flight", "sha256"], name="drone_photo_once")]
        indexes = [models.Index(fields=["sha256"], name="drone_photo_sha256")]

    def __str__(self) -> str:
        return self.filename

    @property
    def placed(self) -> bool:
        return self.lat is not None and self.lng is not None
