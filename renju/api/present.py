"""Turn models into the API's JSON shapes (plain dicts, so list pages stay cheap)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from renju.plans.active import active_plan
from renju.plans.geo import region_index
from renju.plans.models import Category, Region, Unit
from renju.plans.worktime import TimeLimit
from renju.problems.models import ON_THE_CLOCK, Photo, Problem, ProblemEvent, Status


def _local(value):
    """Times go out in Beijing time (+08:00): what the people reading them expect, and still unambiguous."""
    return timezone.localtime(value) if value is not None else None


def _unit(unit: Unit | None) -> dict | None:
    return {"code": unit.code, "name": unit.name} if unit else None


# The columns a list row needs. Names of categories, units and regions come from the in-memory plan and region
# index, so a page of problems is one query on the problem table, with no joins and no model instances.
LIST_FIELDS = (
    "id", "number", "status", "category_id", "description", "lat", "lng", "address", "region_id", "source",
    "visit", "severity", "is_key", "unit_id", "suggested_unit_id", "found_at", "reported_at", "dispatched_at",
    "due_at", "rectified_at", "closed_at",
)
STATUS_NAMES = dict(Status.choices)


class Names:
    """Codes and names for the ids on a page, from the plan and region caches (the database only for retired
    categories or units that a newer plan dropped)."""

    def __init__(self, rows: list[dict]) -> None:
        ctx, index = active_plan(), region_index()
        self.categories = dict(ctx.categories_by_id)
        self.units = dict(ctx.units_by_id)
        self.regions = index.nodes
        missing_categories = {r["category_id"] for r in rows} - self.categories.keys()
        if missing_categories:
            self.categories.update(Category.objects.in_bulk(missing_categories))
        unit_ids = {r[k] for r in rows for k in ("unit_id", "suggested_unit_id") if r[k]}
        if unit_ids - self.units.keys():
            self.units.update(Unit.objects.in_bulk(unit_ids - self.units.keys()))

    def unit(self, unit_id: int | None) -> dict | None:
        unit = self.units.get(unit_id) if unit_id else None
        return {"code": unit.code, "name": unit.name} if unit else None


def problem_row_out(row: dict, names: Names, now) -> dict:
    category = names.categories[row["category_id"]]
    region = names.regions.get(row["region_id"])
    due_at = row["due_at"]
    return {
        "id": row["id"],
        "number": row["number"],
        "status": row["status"],
        "status_name": STATUS_NAMES.get(row["status"], row["status"]),
        "category": category.code,
        "category_name": category.name,
        "national_code": category.national_code or None,
        "description": row["description"],
        "lat": row["lat"],
        "lng": row["lng"],
        "address": row["address"],
        "region": region.code if region else None,
        "region_name": region.name if region else None,
        "source": row["source"],
        "visit": row["visit"],
        "severity": row["severity"],
        "is_key": row["is_key"],
        "unit": names.unit(row["unit_id"]),
        "suggested_unit": names.unit(row["suggested_unit_id"]),
        "found_at": _local(row["found_at"]),
        "reported_at": _local(row["reported_at"]),
        "dispatched_at": _local(row["dispatched_at"]),
        "due_at": _local(due_at),
        "rectified_at": _local(row["rectified_at"]),
        "closed_at": _local(row["closed_at"]),
        "overdue": row["status"] in ON_THE_CLOCK and due_at is not None and due_at < now,
        "url": f"/api/v1/problems/{row['id']}",
    }


def problem_out(p: Problem, now=None) -> dict:
    row = {f: getattr(p, f) for f in LIST_FIELDS}
    return problem_row_out(row, Names([row]), now or timezone.now())


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


def category_out(c: Category, items: list, initials: str = "") -> dict:
    return {
        "code": c.code,
        "name": c.name,
        "initials": initials,
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
