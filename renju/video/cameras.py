"""The camera registry: create, update and retire cameras. Every write goes through here (API, pages, import).

A camera's region is located from its point, so a camera is always inside the plan's city and its alarms route like
any problem at that place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from renju.accounts.models import Role, User
from renju.plans.active import active_plan
from renju.plans.geo import region_index
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.video.models import Camera

# Who may change the registry: the video platform's integration account keeps it in step with the platform,
# dispatchers and admins edit it by hand (admins pass every role check).
EDITORS = (Role.INTEGRATION, Role.DISPATCHER)
FIELDS = ("code", "name", "channel", "lat", "lng", "address", "road_class", "status")
CODE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")  # platform device ids (GB/T 28181: 20 digits), no spaces
LIMITS = {"name": 100, "channel": 32, "address": 300}


@dataclass(frozen=True)
class CameraChange:
    camera: Camera
    action: str  # created | updated | unchanged


def camera_check_editor(actor: User) -> None:
    if not actor.is_active or not actor.has_role(*EDITORS):
        raise ActionForbidden("只有管理员、派遣员和视频平台接口账号能维护摄像头")


def camera_clean(values: dict, *, partial: bool = False) -> tuple[dict, dict[str, list[str]]]:
    """Checked and normalised field values, and the errors by field. `partial`: only the fields given."""
    errors: dict[str, list[str]] = {}
    out: dict = {}

    def bad(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    unknown = set(values) - set(FIELDS)
    for name in sorted(unknown):
        bad(name, "unknown field")
    for name in FIELDS:
        if name not in values:
            if not partial and name in ("code", "name", "lat", "lng"):
                bad(name, "required")
            continue
        value = values[name]
        if name in ("lat", "lng"):
            out[name] = _number(name, value, bad)
        else:
            out[name] = "" if value is None else str(value).strip()
    if "code" in out and not CODE.match(out["code"]):
        bad("code", "1 to 64 letters, digits, '_', '.', ':' or '-'")
    if "name" in out and not out["name"]:
        bad("name", "required")
    for name, limit in LIMITS.items():
        if len(out.get(name, "")) > limit:
            bad(name, f"at most {limit} characters")
    if out.get("road_class"):
        classes = active_plan().plan.road_classes
        if out["road_class"] not in classes:
            bad("road_class", f"must be one of {', '.join(classes)} (or empty)")
    if "status" in out:
        out["status"] = out["status"] or Camera.Status.ONLINE
        if out["status"] not in Camera.Status.values:
            bad("status", f"must be one of {', '.join(Camera.Status.values)}")
    return out, errors


def _number(name: str, value, bad) -> float | None:
    low, high = (-90, 90) if name == "lat" else (-180, 180)
    try:
        number = float(value)
    except (TypeError, ValueError):
        bad(name, f"must be a number between {low} and {high}")
        return None
    if not low <= number <= high:
        bad(name, f"must be a number between {low} and {high}")
        return None
    return number


def camera_locate(lat: float, lng: float) -> int:
    """The leaf region holding the point; InvalidInput naming `lat` when it is outside every region."""
    region_id = region_index().locate(lng, lat)
    if region_id is None:
        raise InvalidInput.one("lat", f"the point ({lat}, {lng}) is outside every region of "
                                      f"{active_plan().plan.city_region.name}")
    return region_id


def camera_create(*, actor: User, values: dict) -> Camera:
    """Register a camera. A code already registered is refused (PATCH changes a camera)."""
    camera_check_editor(actor)
    clean, errors = camera_clean(values)
    if errors:
        raise InvalidInput(errors)
    region_id = camera_locate(clean["lat"], clean["lng"])
    try:
        with transaction.atomic():
            return Camera.objects.create(region_id=region_id, **clean)
    except IntegrityError as exc:
        raise InvalidInput.one("code", f"a camera with code {clean['code']!r} is already registered") from exc


def camera_update(*, actor: User, code: str, changes: dict) -> CameraChange:
    """Change some fields of a camera (retire it with status=retired); the region follows a moved point."""
    camera_check_editor(actor)
    if "code" in changes and changes["code"] != code:
        raise InvalidInput.one("code", "a camera's code cannot change; retire it and register the new code")
    clean, errors = camera_clean({k: v for k, v in changes.items() if k != "code"}, partial=True)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        camera = Camera.objects.select_for_update().filter(code=code).first()
        if camera is None:
            raise InvalidInput.one("code", f"no camera with code {code!r}")
        return _apply(camera, clean)


def _apply(camera: Camera, clean: dict) -> CameraChange:
    changed = [name for name, value in clean.items() if getattr(camera, name) != value]
    if not changed:
        return CameraChange(camera, "unchanged")
    for name in changed:
        setattr(camera, name, clean[name])
    if "lat" in changed or "lng" in changed:
        camera.region_id = camera_locate(camera.lat, camera.lng)
        changed.append("region")
    camera.save(update_fields=[*changed, "updated_at"])
    return CameraChange(camera, "updated")


def camera_upsert_many(*, actor: User, rows: list[dict]) -> list[CameraChange]:
    """Create or update many cameras at once (the bulk import), all or nothing. Rows are already clean."""
    camera_check_editor(actor)
    changes: list[CameraChange] = []
    with transaction.atomic():
        existing = {c.code: c for c in Camera.objects.select_for_update().filter(code__in=[r["code"] for r in rows])}
        for row in rows:
            region_id = row.pop("region_id")
            camera = existing.get(row["code"])
            if camera is None:
                changes.append(CameraChange(Camera.objects.create(region_id=region_id, **row), "created"))
            else:
                changes.append(_apply(camera, {k: v for k, v in row.items() if k != "code"}))
    return changes
