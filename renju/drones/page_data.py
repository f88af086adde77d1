"""What the drone pages show, prepared here so templates only lay it out."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from renju.drones.models import DroneFlight, DronePhoto, DroneUpload
from renju.drones.places import place_name
from renju.drones.present import NO_POSITION
from renju.drones.rules import can_write, drone_rules
from renju.plans.active import active_plan

POINT_MODES = (("first", "第一张有位置的所选照片"), ("photo", "另一张照片的位置"), ("map", "在地图上点选"))


def _when(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


def _span(start, end) -> str:
    """"2024-06-01 10:00:00 – 10:22:48": a flight lasts minutes, so the seconds matter."""
    if start is None:
        return ""
    text = _when(start, "%Y-%m-%d %H:%M:%S")
    if end is not None and end != start:
        same_day = timezone.localtime(end).date() == timezone.localtime(start).date()
        text += " – " + _when(end, "%H:%M:%S" if same_day else "%m-%d %H:%M:%S")
    return text


def flight_rows(flights) -> list[dict]:
    rows = []
    for f in flights:
        span = _span(f.started_at, f.ended_at)
        rows.append({
            "id": f.id, "code": f.code, "pilot": f.pilot, "drone": f.drone, "span": span or "时间未知",
            "photos": f.n_photos, "placed": f.n_placed, "unplaced": f.n_photos - f.n_placed - f.n_unreadable,
            "unreadable": f.n_unreadable, "filed": f.n_filed, "problems": f.n_problems,
            "uploaded": f"{_when(f.uploaded_at)} · {f.uploaded_by.get_full_name() or f.uploaded_by.username}",
            "url": reverse("web:drone_flight", kwargs={"flight_id": f.id}),
        })
    return rows


def upload_config() -> dict:
    """For the upload script: where to send, and how to cut a big selection into requests."""
    return {
        "createUrl": reverse("api-v1:drone_flight_upload"),
        "addUrl": reverse("api-v1:drone_flight_add", kwargs={"flight_id": 0}),
        "maxFiles": min(20, settings.DATA_UPLOAD_MAX_NUMBER_FILES),
        "maxBatchBytes": 200 * 1024 * 1024,
        "maxPhotoBytes": settings.RENJU_MAX_PHOTO_BYTES,
        "maxPhotosPerFlight": drone_rules().max_photos_per_flight,
    }


@dataclass
class FilingForm:
    """The problem form as sent (kept to show again with its errors)."""

    photo_ids: list[int] = field(default_factory=list)
    category: str = ""
    severity: str = ""
    description: str = ""
    point: str = "first"
    point_photo_id: str = ""
    lat: str = ""
    lng: str = ""
    is_key: bool = False


def _photo_item(photo: DronePhoto, selected: set[int]) -> dict:
    meta = photo.metadata or {}
    details = [f"相对高度 {photo.relative_altitude:.0f} 米" if photo.relative_altitude is not None else "",
               f"海拔 {photo.altitude:.0f} 米" if photo.altitude is not None else "",
               f"云台俯仰 {photo.gimbal_pitch:.0f}°" if photo.gimbal_pitch is not None else ""]
    return {
        "id": photo.id,
        "filename": photo.filename,
        "short_name": photo.filename.rsplit("/", 1)[-1],
        "time": _when(photo.taken_at, "%H:%M:%S") if photo.taken_at else "时间未知",
        "when": _when(photo.taken_at, "%Y-%m-%d %H:%M"),
        "place": place_name(photo.lat, photo.lng) if photo.placed else NO_POSITION,
        "details": " · ".join(d for d in details if d),
        "warnings": list(meta.get("warnings") or []),
        "problem": {"id": photo.problem.id, "number": photo.problem.number,
                    "url": reverse("web:problem", kwargs={"problem_id": photo.problem.id})} if photo.problem else None,
        "selected": photo.id in selected,
        "thumb": reverse("api-v1:drone_photo_thumbnail", kwargs={"photo_id": photo.id}) if photo.thumbnail else "",
        "original": reverse("api-v1:drone_photo_original", kwargs={"photo_id": photo.id}),
        "error": photo.error,
        "lat": photo.lat,
        "lng": photo.lng,
    }


def flight_context(flight: DroneFlight, photos: list[DronePhoto], user, form: FilingForm | None = None,
                   errors: dict[str, list[str]] | None = None) -> dict:
    form = form or FilingForm(category=drone_rules().default_category or "")
    selected = set(form.photo_ids)
    items = [_photo_item(p, selected) for p in photos]
    placed = [i for i in items if i["lat"] is not None and not i["error"]]
    ctx = active_plan()
    uploads = DroneUpload.objects.filter(flight=flight).select_related("uploaded_by")
    return {
        "flight": flight,
        "span": flight_rows([flight])[0]["span"],
        "placed": placed,
        "unplaced": [i for i in items if i["lat"] is None and not i["error"]],
        "unreadable": [i for i in items if i["error"]],
        # For the map and the filing script: every readable photo in time order (those with a position draw the track).
        "photo_data": [{"id": i["id"], "lat": i["lat"], "lng": i["lng"], "time": i["when"], "name": i["short_name"],
                        "place": i["place"] if i["lat"] is not None else "",
                        "problem": i["problem"]["number"] if i["problem"] else None}
                       for i in items if not i["error"]],
        "uploads": [{"at": _when(u.uploaded_at), "by": u.uploaded_by.get_full_name() or u.uploaded_by.username,
                     "received": u.received, "added": u.added, "skipped": u.skipped, "refused": u.refused}
                    for u in uploads],
        "can_write": can_write(user),
        "form": form,
        "errors": errors or {},
        "categories": [(c.code, c.name) for c in sorted(ctx.categories.values(), key=lambda c: c.code)],
        "severities": [(s["code"], s["name"]) for s in ctx.plan.severities],
        "point_modes": POINT_MODES,
        "max_photos": settings.RENJU_MAX_PHOTOS,
        "upload": upload_config(),
    }
