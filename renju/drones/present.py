"""Flights and photos as plain dicts: the API's JSON and the pages' data come from the same shapes."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from renju.drones.ingest import UploadReport
from renju.drones.models import DroneFlight, DronePhoto, DroneUpload
from renju.drones.places import place_name

NO_POSITION = "无位置信息"


def _local(value):
    return timezone.localtime(value) if value is not None else None


def flights_counted() -> QuerySet[DroneFlight]:
    """Flights with their photo counts in one query: all, placed, unreadable, and filed as problems."""
    readable = Q(photos__error="")
    return DroneFlight.objects.select_related("uploaded_by").annotate(
        n_photos=Count("photos"),
        n_placed=Count("photos", filter=readable & Q(photos__lat__isnull=False)),
        n_unreadable=Count("photos", filter=~readable),
        n_filed=Count("photos", filter=Q(photos__problem__isnull=False)),
        n_problems=Count("photos__problem", distinct=True),
    )


def flight_out(flight: DroneFlight) -> dict:
    """A flight; counts come from `flights_counted()` when the flight was read through it."""
    counts = {name: getattr(flight, f"n_{name}", None)
              for name in ("photos", "placed", "unreadable", "filed", "problems")}
    if counts["photos"] is not None:
        counts["unplaced"] = counts["photos"] - counts["placed"] - counts["unreadable"]
    return {
        "id": flight.id,
        "code": flight.code,
        "pilot": flight.pilot,
        "drone": flight.drone,
        "notes": flight.notes,
        "started_at": _local(flight.started_at),
        "ended_at": _local(flight.ended_at),
        "uploaded_by": flight.uploaded_by.username,
        "uploaded_at": _local(flight.uploaded_at),
        "counts": counts if counts["photos"] is not None else None,
        "url": reverse("web:drone_flight", kwargs={"flight_id": flight.id}),
    }


def photo_out(photo: DronePhoto, *, with_place: bool = True) -> dict:
    meta = photo.metadata or {}
    problem = photo.problem if photo.problem_id else None
    return {
        "id": photo.id,
        "filename": photo.filename,
        "sha256": photo.sha256,
        "size": photo.size,
        "width": photo.width,
        "height": photo.height,
        "taken_at": _local(photo.taken_at),
        "lat": photo.lat,
        "lng": photo.lng,
        "altitude": photo.altitude,
        "relative_altitude": photo.relative_altitude,
        "gimbal_yaw": photo.gimbal_yaw,
        "gimbal_pitch": photo.gimbal_pitch,
        "flight_yaw": meta.get("flight_yaw"),
        "position_source": meta.get("position_source") or None,
        "time_source": meta.get("time_source") or None,
        "place": place_name(photo.lat, photo.lng) if with_place else "",
        "warnings": list(meta.get("warnings") or []),
        "error": photo.error or None,
        "problem": {"id": problem.id, "number": problem.number} if problem else None,
        "thumbnail_url": reverse("api-v1:drone_photo_thumbnail", kwargs={"photo_id": photo.id})
        if photo.thumbnail else None,
        "original_url": reverse("api-v1:drone_photo_original", kwargs={"photo_id": photo.id}),
    }


def upload_out(upload: DroneUpload) -> dict:
    return {
        "id": upload.id,
        "uploaded_by": upload.uploaded_by.username,
        "uploaded_at": _local(upload.uploaded_at),
        "received": upload.received,
        "added": upload.added,
        "skipped": upload.skipped,
        "refused": upload.refused,
    }


def report_out(report: UploadReport) -> dict:
    flight = flights_counted().get(pk=report.flight.pk)
    return {
        "flight": flight_out(flight),
        "created": report.created,
        "replay": report.replay,
        "received": report.received,
        "added": [photo_out(p, with_place=False) for p in report.added],
        "skipped": report.skipped,
        "refused": report.refused,
    }


def flight_photos(flight: DroneFlight) -> list[DronePhoto]:
    """In the order they were taken (file name breaks ties: DJI numbers its photos in sequence)."""
    return list(flight.photos.select_related("problem").order_by(F("taken_at").asc(nulls_last=True), "filename", "id"))
