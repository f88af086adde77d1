"""Drone flights and the photos taken on them."""

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

    def __str__(self) -> str:
        return self.code


class DronePhoto(models.Model):
    flight = models.ForeignKey(DroneFlight, on_delete=models.PROTECT, related_name="photos")
    original = models.FileField(upload_to="drone/original/%Y/%m/")
    thumbnail = models.FileField(upload_to="drone/thumb/%Y/%m/", blank=True)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    altitude = models.FloatField("海拔", null=True, blank=True)
    relative_altitude = models.FloatField("相对高度", null=True, blank=True)
    gimbal_yaw = models.FloatField(null=True, blank=True)
    gimbal_pitch = models.FloatField(null=True, blank=True)
    metadata = models.JSONField(default=dict)
    problem = models.ForeignKey("problems.Problem", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="drone_photos")
    error = models.CharField(max_length=200, blank=True)  # why the photo could not be read or placed

    class Meta:
        ordering = ["flight", "taken_at", "id"]
        constraints = [models.UniqueConstraint(fields=["flight", "sha256"], name="drone_photo_once")]

    def __str__(self) -> str:
        return self.filename
