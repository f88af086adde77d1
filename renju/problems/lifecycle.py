"""The only door through which a problem changes.

Each action is one function with keyword-only arguments. It runs in one transaction, locks the problem row
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE), checks that the actor may do
it and that the problem is in a state it applies to, then writes the new state and exactly one event.

`at` lets trusted importers (demo data, historical imports) date an action in the past; the API never passes it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from renju.accounts.models import Role, User
from renju.plans.active import PlanContext, active_plan
from renju.plans.geo import distance_m, region_index
from renju.plans.models import Region
from renju.plans.worktime import TimeLimit
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused
from renju.problems.models import (
    LedgerMilestone,
    NumberSequence,
    Photo,
    Problem,
    ProblemEvent,
    Recheck,
    Source,
    Status,
    Visit,
)
from renju.problems.photos import PreparedPhoto, photo_files
from renju.problems.routing import deadline_for, suggest_unit, time_limit_for

MAX_DESCRIPTION = 2000
MAX_REASON = 1000
CLOCK_SKEW = dt.timedelta(minutes=10)

REPORTERS = (Role.INSPECTOR, Role.DISPATCHER)


@dataclass(frozen=True)
class Rule:
    """Who may take an action and from which states. `unit_action`: only the handler of the problem's unit."""

    roles: tuple[str, ...]
    states: frozenset[str]
    unit_action: bool = False


OPEN_STATES = frozenset({
    Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.RETURNED, Status.RECTIFIED, Status.REWORK,
})

RULES = {
    "accept": Rule((Role.DISPATCHER,), frozenset({Status.REPORTED})),
    "reject": Rule((Role.DISPATCHER,), frozenset({Status.REPORTED})),
    "merge": Rule((Role.DISPATCHER,), frozenset({Status.REPORTED, Status.ACCEPTED})),
    "dispatch": Rule((Role.DISPATCHER,), frozenset({Status.ACCEPTED, Status.RETURNED})),
    "return": Rule((), frozenset({Status.DISPATCHED}), unit_action=True),
    "rectify": Rule((), frozenset({Status.DISPATCHED, Status.REWORK}), unit_action=True),
    "verify": Rule((Role.INSPECTOR,), frozenset({Status.RECTIFIED})),
    "flag_key": Rule((Role.DISPATCHER,), OPEN_STATES),
    "extension_request": Rule((), frozenset({Status.DISPATCHED, Status.REWORK}), unit_action=True),
    "extension_decide": Rule((Role.DISPATCHER,), frozenset({Status.DISPATCHED, Status.REWORK})),
    "recheck": Rule((Role.INSPECTOR,), frozenset({Status.CLOSED})),
    "ledger": Rule((Role.DISPATCHER,), frozenset({Status.DISPATCHED, Status.REWORK})),
    "ledger_progress": Rule((), frozenset({Status.LEDGERED}), unit_action=True),
    "milestone_verify": Rule((Role.INSPECTOR,), frozenset({Status.LEDGERED})),
}


def actions_for(user: User, problem: Problem) -> list[str]:
    """The actions `user` may take on `problem` now (what a page should offer)."""
    return [
        name for name, rule in RULES.items()
        if problem.status in rule.states and _actor_problem(problem, user, name, rule) is None
    ]


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
        return _report_write(ctx, index, actor, category_obj, region_id, suggestion, self_check_unit, photos, at,
                             dict(check_item=check_item, description=description, lat=lat, lng=lng, address=address,
                                  road_class=road_class, source=source, visit=visit, severity=severity,
                                  is_key=is_key, found_at=found_at, client_key=client_key, relapse_of=relapse_of,
                                  repeat_of=None if relapse_of else _repeat_of(ctx, category_obj, lat, lng, at)))
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


# ---------------------------------------------------------------- follow-through: key problems, extensions


def problem_flag_key(
    *, actor: User, problem_id: int, is_key: bool, reason: str = "", at: dt.datetime | None = None
) -> Problem:
    """重点问题: flag (or unflag) a problem for close tracking; it then shows first everywhere."""
    with _action(problem_id, actor, "flag_key", at=at) as (problem, _ctx, at):
        if problem.is_key == is_key:
            raise TransitionRefused(f"{problem.number} {'已是' if is_key else '不是'}重点问题")
        problem.is_key = is_key
        details = {"is_key": is_key}
        if reason.strip():
            details["reason"] = reason.strip()
        _transition(problem, actor, "flag_key", problem.status, at, details)
    return problem


def problem_extension_request(
    *, actor: User, problem_id: int, until: dt.datetime, reason: str, at: dt.datetime | None = None
) -> Problem:
    """延期申请: the unit asks for more time, with a reason and the deadline it proposes."""
    reason = _required_text("reason", reason)
    if until.tzinfo is None:
        raise InvalidInput.one("until", "must include a time zone offset")
    with _action(problem_id, actor, "extension_request", at=at) as (problem, ctx, at):
        state = extension_state(problem)
        limits = ctx.plan.follow_up
        if state.pending is not None:
            raise TransitionRefused(f"{problem.number} 已有待审批的延期申请")
        if state.approved >= limits.get("extension_max_requests", 2):
            raise InvalidInput.one("until", f"已延期 {state.approved} 次，达到方案上限")
        if until <= problem.due_at:
            raise InvalidInput.one("until", f"must be after the current deadline {_iso(problem.due_at)}")
        cap = ctx.calendar.deadline(state.base_due_at, TimeLimit(limits.get("extension_max_working_days", 10),
                                                                 "working_days"))
        if until > cap:
            raise InvalidInput.one("until", f"at most {_iso(cap)} (the plan's limit on extensions)")
        _transition(problem, actor, "extension_request", problem.status, at,
                    {"reason": reason, "until": _iso(until), "due_at": _iso(problem.due_at)})
    return problem


def problem_extension_decide(
    *, actor: User, problem_id: int, approve: bool, note: str = "", at: dt.datetime | None = None
) -> Problem:
    """延期审批: a dispatcher approves (the deadline moves to the date asked for) or refuses the pending request."""
    note = note.strip()
    if not approve and not note:
        raise InvalidInput.one("note", "required when refusing an extension")
    with _action(problem_id, actor, "extension_decide", at=at) as (problem, _ctx, at):
        pending = extension_state(problem).pending
        if pending is None:
            raise TransitionRefused(f"{problem.number} 没有待审批的延期申请")
        details = {"approve": approve, "requested": pending.details["until"], "from": _iso(problem.due_at)}
        if note:
            details["note"] = note
        if approve:
            problem.due_at = dt.datetime.fromisoformat(pending.details["until"])
            details["to"] = _iso(problem.due_at)
        _transition(problem, actor, "extension_decide", problem.status, at, details)
    return problem


def rework_time_limit(ctx: PlanContext, problem: Problem) -> TimeLimit:
    """The plan's rework limit, or the category's own limit when the plan sets none."""
    configured = ctx.plan.follow_up.get("rework_time_limit")
    return TimeLimit.from_json(configured) if configured else time_limit_for(ctx, problem.category, problem.severity)


def problem_recheck(
    *, actor: User, problem_id: int, result: str, note: str = "", photos: Sequence[PreparedPhoto] = (),
    at: dt.datetime | None = None,
) -> Problem:
    """回头看: on site again after closing. `confirmed` keeps it closed; `relapse` opens a new problem linked to this
    one (反弹), which counts against the unit. Returns the relapse when there is one, else the rechecked problem."""
    if result not in ("confirmed", "relapse"):
        raise InvalidInput.one("result", "must be 'confirmed' or 'relapse'")
    if result == "relapse":
        note = _required_text("note", note)
        if not photos:
            raise InvalidInput.one("photos", "a photo of the relapse is required")
    with _photo_cleanup() as saved, _action(problem_id, actor, "recheck", at=at) as (problem, _ctx, at):
        recheck = Recheck.objects.filter(problem=problem).first() or Recheck(
            problem=problem, due_on=timezone.localdate(at), reason=Recheck.Reason.MANUAL, created_at=at
        )
        if recheck.done_at is not None:
            raise TransitionRefused(f"{problem.number} 已于 {timezone.localtime(recheck.done_at):%Y-%m-%d} 回头看")
        relapse = None
        if result == "relapse":
            relapse = problem_report(
                actor=actor, category=problem.category.code, lat=problem.lat, lng=problem.lng,
                description=f"回头看发现反弹（原问题 {problem.number}）：{note}", source=problem.source,
                address=problem.address, severity=problem.severity, is_key=problem.is_key,
                road_class=problem.road_class, photos=photos, at=at, relapse_of=problem,
            )
        recheck.inspector = recheck.inspector or actor
        recheck.done_at, recheck.result, recheck.relapse = at, result, relapse
        recheck.save()
        details = {"result": result, "unit": problem.unit.code if problem.unit else None}
        if note:
            details["note"] = note
        if relapse is not None:
            details["relapse"] = relapse.number
        event = _transition(problem, actor, "recheck", problem.status, at, details)
        if relapse is None:
            _store_photos(problem, event, photos, Photo.Kind.VERIFY, actor, at, saved)
    return relapse or problem


# ---------------------------------------------------------------- the rectification ledger (整改台账)


def problem_ledger(
    *, actor: User, problem_id: int, plan: str, milestones: Sequence[dict], at: dt.datetime | None = None
) -> Problem:
    """挂账: a problem too big for a normal deadline gets a rectification plan and dated milestones, each with the
    person who answers for it. It is closed only when the last milestone is verified."""
    plan = _required_text("plan", plan)
    if not milestones:
        raise InvalidInput.one("milestones", "at least one milestone")
    errors: list[str] = []
    for i, m in enumerate(milestones, 1):
        if not (m.get("title") or "").strip() or not (m.get("responsible") or "").strip():
            errors.append(f"milestone {i}: title and responsible person are required")
        if not isinstance(m.get("due_on"), dt.date):
            errors.append(f"milestone {i}: due_on must be a date")
    if errors:
        raise InvalidInput({"milestones": errors})
    dates = [m["due_on"] for m in milestones]
    if dates != sorted(dates):
        raise InvalidInput.one("milestones", "milestone dates must not go backwards")
    with _action(problem_id, actor, "ledger", at=at) as (problem, ctx, at):
        if dates[0] < timezone.localdate(at):
            raise InvalidInput.one("milestones", "the first milestone is already past")
        problem.ledger_plan = plan
        # The deadline becomes the close of the last milestone's day; the milestones carry the steps before it.
        problem.due_at = dt.datetime.combine(dates[-1], ctx.calendar.periods[-1][1], tzinfo=ctx.calendar.tz)
        LedgerMilestone.objects.bulk_create([
            LedgerMilestone(problem=problem, position=i, title=m["title"].strip(), due_on=m["due_on"],
                            responsible=m["responsible"].strip())
            for i, m in enumerate(milestones, 1)
        ])
        _transition(problem, actor, "ledger", Status.LEDGERED, at, {
            "plan": plan, "milestones": [{"title": m["title"], "due_on": m["due_on"].isoformat(),
                                          "responsible": m["responsible"]} for m in milestones],
        })
    return problem


def problem_ledger_progress(
    *, actor: User, problem_id: int, milestone: int, note: str, done: bool = False,
    photos: Sequence[PreparedPhoto] = (), at: dt.datetime | None = None,
) -> Problem:
    """台账进展: the unit reports progress on a milestone, with photos; `done` asks for the milestone's check."""
    note = _required_text("note", note)
    with _photo_cleanup() as saved, _action(problem_id, actor, "ledger_progress", at=at) as (problem, _ctx, at):
        step = _milestone(problem, milestone)
        if step.verified_at is not None:
            raise TransitionRefused(f"节点「{step.title}」已核查通过")
        if done:
            if not photos:
                raise InvalidInput.one("photos", "a photo is required to report a milestone done")
            step.reported_done_at = at
            step.save(update_fields=["reported_done_at"])
        event = _transition(problem, actor, "ledger_progress", problem.status, at,
                            {"milestone": step.position, "title": step.title, "note": note, "done": done})
        _store_photos(problem, event, photos, Photo.Kind.AFTER, actor, at, saved)
    return problem


def problem_milestone_verify(
    *, actor: User, problem_id: int, milestone: int, result: str, reason: str = "", at: dt.datetime | None = None
) -> Problem:
    """节点核查: an inspector checks a milestone reported done; when the last one passes, the problem is closed."""
    if result not in ("pass", "fail"):
        raise InvalidInput.one("result", "must be 'pass' or 'fail'")
    if result == "fail" and not reason.strip():
        raise InvalidInput.one("reason", "required when the check fails")
    with _action(problem_id, actor, "milestone_verify", at=at) as (problem, _ctx, at):
        step = _milestone(problem, milestone)
        if step.reported_done_at is None or step.verified_at is not None:
            raise TransitionRefused(f"节点「{step.title}」未报完成，不能核查")
        details = {"milestone": step.position, "title": step.title, "result": result}
        if result == "pass":
            step.verified_at = at
        else:
            step.reported_done_at = None
            details["reason"] = reason.strip()
        step.save(update_fields=["verified_at", "reported_done_at"])
        remaining = LedgerMilestone.objects.filter(problem=problem, verified_at__isnull=True).exists()
        if result == "pass" and not remaining:
            problem.closed_at = at
            _transition(problem, actor, "milestone_verify", Status.CLOSED, at, details)
        else:
            _transition(problem, actor, "milestone_verify", problem.status, at, details)
    return problem


def _milestone(problem: Problem, position: int) -> LedgerMilestone:
    step = LedgerMilestone.objects.filter(problem=problem, position=position).first()
    if step is None:
        raise InvalidInput.one("milestone", f"no milestone {position} on {problem.number}")
    return step


@dataclass(frozen=True)
class ExtensionState:
    pending: ProblemEvent | None  # the request waiting for a decision
    approved: int  # extensions granted since the deadline was last set by a dispatch or a rework
    base_due_at: dt.datetime | None  # that deadline, from which the plan's cap on extensions counts


def extension_state(problem: Problem) -> ExtensionState:
    """Read from the event log: nothing about extensions is stored beside it."""
    pending, approved, base = None, 0, problem.due_at
    for event in ProblemEvent.objects.filter(problem=problem).order_by("seq"):
        if event.action == "dispatch" or (event.action == "verify" and event.details.get("result") == "fail"):
            pending, approved, base = None, 0, _parse_time(event.details.get("due_at"), base)
        elif event.action == "extension_request":
            pending = event
        elif event.action == "extension_decide":
            approved += 1 if event.details.get("approve") else 0
            pending = None
    return ExtensionState(pending, approved, base)


def _iso(moment: dt.datetime) -> str:
    """Times in event details are written in Beijing time, as people read them."""
    return timezone.localtime(moment).isoformat()


def _parse_time(value: str | None, default: dt.datetime | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else default


# ---------------------------------------------------------------- shared machinery


@contextmanager
def _action(
    problem_id: int, actor: User, action: str, *, at: dt.datetime | None = None
) -> Iterator[tuple[Problem, PlanContext, dt.datetime]]:
    rule = RULES[action]
    ctx = active_plan()
    with transaction.atomic():
        problem = (
            Problem.objects.select_for_update(of=("self",))
            .select_related("category__task", "unit", "suggested_unit", "self_check_unit")
            .get(pk=problem_id)
        )
        refusal = _actor_problem(problem, actor, action, rule)
        if refusal is not None:
            raise ActionForbidden(refusal)
        if problem.status not in rule.states:
            raise TransitionRefused(
                f"{problem.number} 当前状态为「{problem.get_status_display()}」，不能执行「{ACTION_NAMES[action]}」"
            )
        yield problem, ctx, at or timezone.now()


def _actor_problem(problem: Problem, actor: User, action: str, rule: Rule) -> str | None:
    """Why `actor` may not take `action` on `problem`, or None if they may."""
    if not actor.is_active:
        return "账号已停用"
    if rule.unit_action:
        if actor.role == Role.ADMIN:
            return None
        if actor.role != Role.HANDLER or actor.unit_id is None or actor.unit_id != problem.unit_id:
            owner = problem.unit.name if problem.unit else "未派遣"
            return f"只有责任单位（{owner}）能{ACTION_NAMES[action]}"
        return None
    if not actor.has_role(*rule.roles):
        return f"角色「{actor.get_role_display()}」不能{ACTION_NAMES[action]}"
    return None


def _transition(
    problem: Problem, actor: User, action: str, to: str, at: dt.datetime, details: dict
) -> ProblemEvent:
    from_status = problem.status
    problem.status = to
    problem.version += 1
    problem.save()
    return ProblemEvent.objects.create(
        problem=problem,
        seq=problem.version,
        action=action,
        actor=actor,
        at=at,
        from_status=from_status,
        to_status=problem.status,
        details=details,
    )


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


def _region_from_index(index, region_id: int) -> Region:
    """The leaf region as the index knows it (no query; boundary not loaded, and never saved from here)."""
    node = index.nodes[region_id]
    return Region(id=node.id, code=node.code, name=node.name, kind=node.kind, parent_id=node.parent_id)


def _next_number(ctx: PlanContext, at: dt.datetime) -> str:
    day = at.astimezone(ctx.calendar.tz).strftime("%Y%m%d")
    key = f"{ctx.plan.number_prefix}-{day}"
    table = NumberSequence._meta.db_table
    # One statement that both creates the day's counter and takes the next number, atomically on both databases.
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {table} ("key", "last") VALUES (%s, 1) '
            f'ON CONFLICT ("key") DO UPDATE SET "last" = {table}."last" + 1 RETURNING "last"',
            [key],
        )
        (last,) = cursor.fetchone()
    return f"{key}-{last:04d}"


def _required_text(field: str, value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput.one(field, "required")
    if len(value) > MAX_REASON:
        raise InvalidInput.one(field, f"at most {MAX_REASON} characters")
    return value


def _check_photo_count(photos: Sequence[PreparedPhoto], errors: dict[str, list[str]]) -> None:
    from django.conf import settings

    if len(photos) > settings.RENJU_MAX_PHOTOS:
        errors.setdefault("photos", []).append(f"at most {settings.RENJU_MAX_PHOTOS} photos at once")


@contextmanager
def _photo_cleanup() -> Iterator[list[str]]:
    """Files written for an action that then fails are removed, so a refused action leaves nothing behind."""
    saved: list[str] = []
    try:
        yield saved
    except BaseException:
        for name in saved:
            default_storage.delete(name)
        raise


def _store_photos(problem, event, photos, kind, actor, at, saved: list[str], flags=()) -> list[Photo]:
    from renju.problems.phash_index import phash_columns

    stored = []
    for n, p in enumerate(photos):
        original, thumb = photo_files(p)
        photo = Photo(
            problem=problem, event=event, kind=kind, filename=p.filename, content_type=p.content_type,
            size=len(p.data), sha256=p.sha256, width=p.width, height=p.height, exif=p.exif,
            taken_at=p.taken_at, exif_lat=p.lat, exif_lng=p.lng, uploaded_by=actor, uploaded_at=at,
            flags=flags[n] if flags else [], **phash_columns(p.phash),
        )
        photo.original.save(original.name, original, save=False)
        saved.append(photo.original.name)
        photo.thumbnail.save(thumb.name, thumb, save=False)
        saved.append(photo.thumbnail.name)
        photo.save()
        stored.append(photo)
    return stored


ACTION_NAMES = {
    "report": "上报",
    "accept": "立案",
    "reject": "不予立案",
    "merge": "合并",
    "dispatch": "派遣",
    "return": "退回",
    "rectify": "整改反馈",
    "verify": "核查",
    "flag_key": "标记重点",
    "extension_request": "申请延期",
    "extension_decide": "审批延期",
    "recheck": "回头看",
    "ledger": "列入整改台账",
    "ledger_progress": "台账进展",
    "milestone_verify": "节点核查",
}


def preview_deadline(*, category_code: str, severity: str, start: dt.datetime) -> dt.datetime:
    """What the deadline would be if dispatched at `start` (for forms and suggestions; writes nothing)."""
    ctx = active_plan()
    return deadline_for(ctx, ctx.categories[category_code], severity, start)
