"""Turn models into the API's JSON shapes (plain dicts, so list pages stay cheap)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from renju.plans.models import Category, Region, Unit
from renju.plans.worktime import TimeLimit
from renju.problems.models import Photo, Problem, ProblemEvent


def _local(value):
    """Times go out in Beijing time (+08:00): what the people reading them expect, and still unambiguous."""
    return timezone.localtime(value) if value is not None else None


def _unit(unit: Unit | None) -> dict | None:
    return {"code": unit.code, "name": unit.name} if unit else None


def problem_out(p: Problem, now=None) -> dict:
    now = now or timezone.now()
    return {
        "id": p.id,
        "number": p.number,
        "status": p.status,
        "status_name": p.get_status_display(),
        "category": p.category.code,
        "category_name": p.category.name,
        "national_code": p.category.national_code or None,
        "description": p.description,
        "lat": p.lat,
        "lng": p.lng,
        "address": p.address,
        "region": p.region.code,
        "region_name": p.region.name,
        "source": p.source,
        "visit": p.visit,
        "severity": p.severity,
        "is_key": p.is_key,
        "unit": _unit(p.unit),
        "suggested_unit": _unit(p.suggested_unit),
        "found_at": _local(p.found_at),
        "reported_at": _local(p.reported_at),
        "dispatched_at": _local(p.dispatched_at),
        "due_at": _local(p.due_at),
        "rectified_at": _local(p.rectified_at),
        "closed_at": _local(p.closed_at),
        "overdue": p.is_overdue(now),
        "url": f"/api/v1/problems/{p.id}",
    }


def photo_out(photo: Photo) -> dict:
    return {
        "id": photo.id,
        "kind": photo.kind,
        "url": reverse("api-v1:photo_original", kwargs={"photo_id": photo.id}),
        "thumbnail_url": reverse("api-v1:photo_thumbnail", kwargs={"photo_id": photo.id}),
        "width": photo.width,
        "height": photo.height,
        "taken_at": _local(photo.taken_at),
        "lat": photo.exif_lat,
        "lng": photo.exif_lng,
        "uploaded_at": _local(photo.uploaded_at),
    }


def event_out(e: ProblemEvent) -> dict:
    return {
        "seq": e.seq,
        "action": e.action,
        "actor": e.actor.username,
        "at": _local(e.at),
        "from_status": e.from_status,
        "to_status": e.to_status,
        "details": e.details,
    }


def problem_detail_out(p: Problem, events: list[ProblemEvent], photos: list[Photo]) -> dict:
    """The detail; `events` must have their actors loaded. The reporter is the actor of the first event."""
    reporter = events[0].actor.username if events else ""
    merge = next((e for e in reversed(events) if e.action == "merge"), None)
    merged_into = merge.details.get("into") if merge and p.merged_into_id else None
    return {
        **problem_out(p),
        "check_item": p.check_item.code if p.check_item else None,
        "road_class": p.road_class,
        "reporter": reporter,
        "merged_into": merged_into,
        "events": [event_out(e) for e in events],
        "photos": [photo_out(ph) for ph in photos],
    }


def category_out(c: Category, items: list) -> dict:
    return {
        "code": c.code,
        "name": c.name,
        "national_code": c.national_code or None,
        "task": c.task.number,
        "task_title": c.task.title,
        "domain": c.task.domain,
        "check_items": [{"code": i.code, "text": i.text, "standard": i.standard.name} for i in items],
        "keywords": c.keywords,
        "time_limit": {**c.time_limit, "label": TimeLimit.from_json(c.time_limit).label()} if c.time_limit else {},
        "time_limits": {k: {**v, "label": TimeLimit.from_json(v).label()} for k, v in c.time_limits.items()},
        "default_unit": "@territorial" if c.territorial else (c.default_unit.code if c.default_unit else None),
    }


def unit_out(u: Unit) -> dict:
    return {
        "code": u.code,
        "name": u.name,
        "full_name": u.full_name,
        "kind": u.kind,
        "group": u.group.code if u.group else None,
        "group_name": u.group.name if u.group else None,
        "region": u.region.code if u.region else None,
    }


def region_out(r: Region, parent_code: str | None, with_geometry: bool) -> dict:
    return {
        "code": r.code,
        "name": r.name,
        "kind": r.kind,
        "parent": parent_code,
        "bbox": [r.min_lng, r.min_lat, r.max_lng, r.max_lat],
        "demo": r.demo,
        "geometry": r.boundary if with_geometry else None,
    }
