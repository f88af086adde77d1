"""Drone flights in the admin are read-only: photos arrive and become problems only through the drone pages/API."""

from django.contrib import admin

from renju.drones.models import DroneFlight, DronePhoto, DroneUpload
from renju.plans.admin import ReadOnly


@admin.register(DroneFlight)
class DroneFlightAdmin(ReadOnly):
    list_display = ("code", "pilot", "drone", "started_at", "uploaded_by", "uploaded_at")
    search_fields = ("code", "pilot", "drone", "notes")
    list_select_related = ("uploaded_by",)


@admin.register(DronePhoto)
class DronePhotoAdmin(ReadOnly):
    list_display = ("id", "flight", "filename", "taken_at", "lat", "lng", "problem", "error")
    search_fields = ("filename", "sha256", "flight__code")
    list_select_related = ("flight", "problem")


@admin.register(DroneUpload)
class DroneUploadAdmin(ReadOnly):
    list_display = ("id", "flight", "uploaded_by", "uploaded_at", "received", "added")
    list_select_related = ("flight", "uploaded_by")
