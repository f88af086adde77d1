"""The loop: report, accept, reject, merge, dispatch, return, rectify, verify."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from renju.accounts.models import Role, User
from renju.plans.active import PlanContext, active_plan
from renju.plans.geo import distance_m, region_index
from renju.plans.worktime import TimeLimit
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.problems.lifecycle.intake import problem_fast_track
from renju.problems.lifecycle.machinery import (
    _action,
    _check_photo_count,
    _iso,
    _next_number,
    _photo_cleanup,
    _region_from_index,
    _required_text,
    _store_photos,
    _transition,
)
from renju.problems.lifecycle.rules import CLOCK_SKEW, MAX_DESCRIPTION, REPORTERS
from renju.problems.models import (
    Photo,
    Problem,
    ProblemEvent,
    Source,
    Status,
    Visit,
)
from renju.problems.photos import PreparedPhoto
from renju.problems.routing import deadline_for, suggest_unit, time_limit_for

# ---------------------------------------------------------------- report


def problem_report(
    *,
    actor: User,
    category: str,
    lat: float,
    lng: float,
    description: str,
    source: str,
    address: str = "",
    found_at: dt.datetime | None = None,
    severity: str | None = None,
    visit: str = Visit.OPEN,
    is_key: bool = False,
    road_class: str = "",
    check_item: str | None = None,
    photos: Sequence[PreparedPhoto] = (),
    client_key: str | None = None,
    relapse_of: Problem | None = None,
    at: dt.datetime | None = None,
) -> Problem:
    """Register a problem: place it in its region, suggest its unit, and keep its photos.

    `client_key` is the sender's own id for this report (a phone that queued it offline, a system that may retry):
    sending the same key again returns the problem already filed instead of filing it twice.
    """
    at = at or timezone.now()
    if client_key:
        existing = Problem.objects.filter(reporter=actor, client_key=client_key).first()
        if existing is not None:
            return existing
    if actor.role == Role.HANDLER:
        if source != Source.SELF_CHECK:
            raise ActionForbidden("责任单位只能上报自查问题 (source=self_check)")
    elif not actor.has_role(*REPORTERS):
        raise ActionForbidden("该角色不能上报问题")
    ctx = active_plan()
    index = region_index()
    errors: dict[str, list[str]] = {}

    def bad(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    category_obj = ctx.categories.get(category)
    if category_obj is None:
        bad("category", f"unknown category code {category!r}")
    lat_ok = isinstance(lat, int | float) and -90 <= lat <= 90
    lng_ok = isinstance(lng, int | float) and -180 <= lng <= 180
    if not lat_ok:
        bad("lat", "must be a number between -90 and 90")
    if not lng_ok:
        bad("lng", "must be a number between -180 and 180")
    region_id = index.locate(lng, lat) if lat_ok and lng_ok else None
    if lat_ok and lng_ok and region_id is None:
        bad("lat", f"the point ({lat}, {lng}) is outside every region of {ctx.plan.city_region.name}")
    description = (description or "").strip()
    if not description:
        bad("description", "required")
    elif len(description) > MAX_DESCRIPTION:
        bad("description", f"at most {MAX_DESCRIPTION} characters")
    if source not in Source.values:
        bad("source", f"must be one of {', '.join(Source.values)}")
    severity = severity or ctx.severity_codes[0]
    if severity not in ctx.severity_codes:
        bad("severity", f"must be one of {', '.join(ctx.severity_codes)}")
    if visit not in Visit.values:
        bad("visit", f"must be one of {', '.join(Visit.values)}")
    if road_class and road_class not in ctx.plan.road_classes:
        bad("road_class", f"must be one of {', '.join(ctx.plan.road_classes)}")
    if check_item and category_obj is not None:
        allowed = ctx.category_items.get(category_obj.id, set())
        if check_item not in ctx.check_items or (allowed and check_item not in allowed):
            bad("check_item", f"{check_item!r} is not a check item of category {category}")
    found_at = found_at or at
    if found_at.tzinfo is None:
        bad("found_at", "must include a time zone offset")
    elif found_at > at + CLOCK_SKEW:
        bad("found_at", "is in the future")
    if len(address) > 300:
        bad("address", "at most 300 characters")
    if client_key is not None and not (8 <= len(client_key) <= 64):
        bad("client_key", "must be 8 to 64 characters")
    _check_photo_count(photos, errors)
    if errors:
        raise InvalidInput(errors)

    suggestion = suggest_unit(ctx, index, category=category_obj, region_id=region_id, road_class=road_class)
    self_check_unit = actor.unit if source == Source.SELF_CHECK and actor.role == Role.HANDLER else None
    try:
        with transaction.atomic():
            problem = _report_write(
                ctx, index, actor, category_obj, region_id, suggestion, self_check_unit, photos, at,
                dict(check_item=check_item, description=description, lat=lat, lng=lng, address=address,
                     road_class=road_class, source=source, visit=visit, severity=severity, is_key=is_key,
                     found_at=found_at, client_key=client_key, relapse_of=relapse_of,
                     repeat_of=None if relapse_of else _repeat_of(ctx, category_obj, lat, lng, at)))
            if self_check_unit is not None:
                # 自查自改: the unit found it, so it is the unit's at once — no dispatcher in between.
                problem = problem_fast_track(actor=actor, problem_id=problem.id, reason="本单位自查", at=at)
            return problem
    except IntegrityError:
        # The same key sent twice at the same moment: the other request filed it; answer with that problem.
        if client_key:
            existing = Problem.objects.filter(reporter=actor, client_key=client_key).first()
            if existing is not None:
                return existing
        raise


def _report_write(ctx, index, actor, category_obj, region_id, suggestion, self_check_unit, photos, at, f) -> Problem:
    check_item = f["check_item"]
    with _photo_cleanup() as saved, transaction.atomic():
        problem = Problem.objects.create(
            version=1,
            client_key=f["client_key"] or None,
            relapse_of=f["relapse_of"],
            repeat_of=f["repeat_of"],
            number=_next_number(ctx, at),
            plan=ctx.plan,
            category=category_obj,
            check_item=ctx.check_items.get(check_item) if check_item else None,
            description=f["description"],
            lat=float(f["lat"]),
            lng=float(f["lng"]),
            address=f["address"].strip(),
            region=_region_from_index(index, region_id),
            road_class=f["road_class"],
            source=f["source"],
            visit=f["visit"],
            severity=f["severity"],
            is_key=bool(f["is_key"]),
            reporter=actor,
            self_check_unit=self_check_unit,
            suggested_unit=self_check_unit or suggestion.unit,
            found_at=f["found_at"],
            reported_at=at,
        )
        event = ProblemEvent.objects.create(
            problem=problem, seq=1, action="report", actor=actor, at=at, from_status="", to_status=problem.status,
            unit_id=None, due_at=None,
            details={"suggested_unit": problem.suggested_unit.code if problem.suggested_unit else None,
                     "routing": suggestion.reason,
                     **({"relapse_of": f["relapse_of"].number} if f["relapse_of"] else {}),
                     **({"repeat_of": f["repeat_of"].number} if f["repeat_of"] else {})},
        )
        _store_photos(problem, event, photos, Photo.Kind.BEFORE, actor, at, saved)
    return problem


# ---------------------------------------------------------------- dispatcher actions


def problem_accept(
    *, actor: User, problem_id: int, category: str | None = None, severity: str | None = None,
    is_key: bool | None = None, note: str = "", at: dt.datetime | None = None,
) -> Problem:
    """立案: confirm a report is a real, in-scope problem, correcting its category or severity if needed."""
    with _action(problem_id, actor, "accept", at=at) as (problem, ctx, at):
        details: dict = {"note": note.strip()} if note.strip() else {}
        if category and category != problem.category.code:
            new = ctx.categories.get(category)
            if new is None:
                raise InvalidInput.one("category", f"unknown category code {category!r}")
            details["category"] = {"from": problem.category.code, "to": new.code}
            problem.category = new
            suggestion = suggest_unit(ctx, region_index(), category=new, region_id=problem.region_id,
                                      road_class=problem.road_class)
            problem.suggested_unit = problem.self_check_unit or suggestion.unit
            details["suggested_unit"] = problem.suggested_unit.code if problem.suggested_unit else None
        if severity and severity != problem.severity:
            if severity not in ctx.severity_codes:
                raise InvalidInput.one("severity", f"must be one of {', '.join(ctx.severity_codes)}")
            details["severity"] = {"from": problem.severity, "to": severity}
            problem.severity = severity
        if is_key is not None and is_key != problem.is_key:
            details["is_key"] = is_key
            problem.is_key = is_key
        _transition(problem, actor, "accept", Status.ACCEPTED, at, details)
    return problem


def problem_reject(*, actor: User, problem_id: int, reason: str, at: dt.datetime | None = None) -> Problem:
    """不予立案: refuse a report, with the reason the reporter will read."""
    reason = _required_text("reason", reason)
    with _action(problem_id, actor, "reject", at=at) as (problem, _ctx, at):
        _transition(problem, actor, "reject", Status.REJECTED, at, {"reason": reason})
    return problem


def problem_merge(
    *, actor: User, problem_id: int, into: int, note: str = "", at: dt.datetime | None = None
) -> Problem:
    """合并: this report is a duplicate of `into`; it is closed as merged and linked to the original."""
    if into == problem_id:
        raise InvalidInput.one("into", "a problem cannot be merged into itself")
    with _action(problem_id, actor, "merge", at=at) as (problem, _c, at):
        target = Problem.objects.filter(pk=into).first()
        if target is None:
            raise InvalidInput.one("into", f"no problem with id {into}")
        if target.status in (Status.MERGED, Status.REJECTED):
            raise InvalidInput.one("into", f"{target.number} is {target.get_status_display()}; merge into its original")
        problem.merged_into = target
        _transition(problem, actor, "merge", Status.MERGED, at,
                    {"into": target.number, "into_id": target.id, "note": note.strip()})
    return problem


def problem_dispatch(
    *, actor: User, problem_id: int, unit: str | None = None, reason: str = "", at: dt.datetime | None = None
) -> Problem:
    """派遣: send to a unit with a deadline. Without `unit` the suggestion is taken; another unit needs a reason."""
    with _action(problem_id, actor, "dispatch", at=at) as (problem, ctx, at):
        target = ctx.units.get(unit) if unit else problem.suggested_unit
        if unit and target is None:
            raise InvalidInput.one("unit", f"unknown unit code {unit!r}")
        if target is None:
            raise InvalidInput.one("unit", "no unit is suggested for this problem; name one")
        overrides = problem.suggested_unit_id is not None and target.id != problem.suggested_unit_id
        reason = reason.strip()
        if overrides and not reason:
            raise InvalidInput.one("reason", f"required when dispatching to another unit than the suggested "
                                             f"{problem.suggested_unit.name}")
        if problem.status == Status.RETURNED and target.id == problem.unit_id and not reason:
            raise InvalidInput.one("reason", "required when re-dispatching to the unit that returned it")
        limit = time_limit_for(ctx, problem.category, problem.severity)
        due_at = ctx.calendar.deadline(at, limit)
        details = {"unit": target.code, "due_at": due_at.isoformat(), "time_limit": limit.label()}
        if overrides:
            details["override"] = {"suggested": problem.suggested_unit.code, "reason": reason}
        elif reason:
            details["reason"] = reason
        if problem.status == Status.RETURNED:
            details["redispatch"] = True
        problem.unit = target
        problem.dispatched_at = at
        problem.due_at = due_at
        _transition(problem, actor, "dispatch", Status.DISPATCHED, at, details)
    return problem


# ---------------------------------------------------------------- unit actions


def problem_return(*, actor: User, problem_id: int, reason: str, at: dt.datetime | None = None) -> Problem:
    """退回: the unit says the problem is not theirs; it goes back to the dispatchers."""
    reason = _required_text("reason", reason)
    with _action(problem_id, actor, "return", at=at) as (problem, _c, at):
        _transition(problem, actor, "return", Status.RETURNED, at, {"reason": reason, "unit": problem.unit.code})
    return problem


def problem_rectify(
    *, actor: User, problem_id: int, note: str, photos: Sequence[PreparedPhoto], at: dt.datetime | None = None
) -> Problem:
    """整改: the unit reports it fixed, with after-photos as proof."""
    note = _required_text("note", note)
    if not photos:
        raise InvalidInput.one("photos", "at least one after-photo is required")
    errors: dict[str, list[str]] = {}
    _check_photo_count(photos, errors)
    if errors:
        raise InvalidInput(errors)
    from renju.problems.evidence import after_photo_flags, event_flags

    with _photo_cleanup() as saved, _action(problem_id, actor, "rectify", at=at) as (problem, _ctx, at):
        # Doubtful evidence is recorded for the verifier, never refused (renju.problems.evidence says why).
        flags = after_photo_flags(problem, photos, at=at)
        problem.rectified_at = at
        on_time = problem.due_at is None or at <= problem.due_at
        event = _transition(problem, actor, "rectify", Status.RECTIFIED, at,
                            {"note": note, "on_time": on_time, "evidence_flags": event_flags(photos, flags)})
        _store_photos(problem, event, photos, Photo.Kind.AFTER, actor, at, saved, flags=flags)
    return problem


# ---------------------------------------------------------------- verification


def problem_verify(
    *, actor: User, problem_id: int, result: str, reason: str = "", photos: Sequence[PreparedPhoto] = (),
    at: dt.datetime | None = None,
) -> Problem:
    """核查: on site, pass closes the problem (销号); fail sends it back to the same unit as rework (返工)."""
    if result not in ("pass", "fail"):
        raise InvalidInput.one("result", "must be 'pass' or 'fail'")
    reason = reason.strip()
    if result == "fail" and not reason:
        raise InvalidInput.one("reason", "required when verification fails")
    errors: dict[str, list[str]] = {}
    _check_photo_count(photos, errors)
    if errors:
        raise InvalidInput(errors)
    with _photo_cleanup() as saved, _action(problem_id, actor, "verify", at=at) as (problem, ctx, at):
        details = {"result": result, "unit": problem.unit.code}
        if reason:
            details["reason"] = reason
        if result == "pass":
            problem.closed_at = at
            event = _transition(problem, actor, "verify", Status.CLOSED, at, details)
        else:
            # Rework gets a deadline of its own from the plan: the unit has already had the category's time.
            limit = rework_time_limit(ctx, problem)
            problem.due_at = ctx.calendar.deadline(at, limit)
            details.update(due_at=_iso(problem.due_at), time_limit=limit.label())
            event = _transition(problem, actor, "verify", Status.REWORK, at, details)
        _store_photos(problem, event, photos, Photo.Kind.VERIFY, actor, at, saved)
    return problem




def _repeat_of(ctx: PlanContext, category, lat: float, lng: float, at: dt.datetime) -> Problem | None:
    """A closed problem of the same category this near, closed within the plan's window: this is it found again."""
    follow_up = ctx.plan.follow_up
    metres, days = follow_up.get("repeat_metres", 50), follow_up.get("repeat_window_days", 30)
    if not metres or not days:
        return None
    pad_lat = metres / 111_000
    pad_lng = pad_lat / max(0.1, math.cos(math.radians(lat)))
    candidates = Problem.objects.filter(
        category=category, status=Status.CLOSED, closed_at__gte=at - dt.timedelta(days=days), closed_at__lte=at,
        lat__range=(lat - pad_lat, lat + pad_lat), lng__range=(lng - pad_lng, lng + pad_lng),
    ).only("id", "number", "lat", "lng", "closed_at")
    near = [p for p in candidates if distance_m(lat, lng, p.lat, p.lng) <= metres]
    return min(near, key=lambda p: distance_m(lat, lng, p.lat, p.lng)) if near else None




def preview_deadline(*, category_code: str, severity: str, start: dt.datetime) -> dt.datetime:
    """What the deadline would be if dispatched at `start` (for forms and suggestions; writes nothing)."""
    ctx = active_plan()
    return deadline_for(ctx, ctx.categories[category_code], severity, start)


def rework_time_limit(ctx: PlanContext, problem: Problem) -> TimeLimit:
    """The plan's rework limit, or the category's own limit when the plan sets none."""
    configured = ctx.plan.follow_up.get("rework_time_limit")
    return TimeLimit.from_json(configured) if configured else time_limit_for(ctx, problem.category, problem.severity)
