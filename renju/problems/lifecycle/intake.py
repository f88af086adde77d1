"""Actions the intake channels need: fast-tracking a report straight to its unit, and the unit's arrival on site."""

from __future__ import annotations

import datetime as dt

from renju.accounts.models import Role, User
from renju.plans.geo import distance_m
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.problems.lifecycle.machinery import _action, _transition
from renju.problems.models import Problem, Status
from renju.problems.routing import time_limit_for

MAX_ARRIVAL_METRES = 5000


def problem_fast_track(*, actor: User, problem_id: int, reason: str, at: dt.datetime | None = None) -> Problem:
    """直派: accept and dispatch to the suggested unit in one step (two events: 立案 and 派遣, same moment).

    For a video-AI alarm above the plan's confidence, a unit's own self-check (only the unit that filed it), or a
    dispatcher who needs no correction."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.one("reason", "required")
    with _action(problem_id, actor, "fast_track", at=at) as (problem, ctx, at):
        if actor.role == Role.HANDLER and (problem.self_check_unit_id is None
                                           or problem.self_check_unit_id != actor.unit_id):
            raise ActionForbidden("责任单位只能直派本单位的自查问题")
        target = problem.suggested_unit
        if target is None:
            raise InvalidInput.one("unit", "no unit is suggested for this problem; a dispatcher must choose one")
        _transition(problem, actor, "accept", Status.ACCEPTED, at, {"fast_track": reason})
        limit = time_limit_for(ctx, problem.category, problem.severity)
        problem.unit, problem.dispatched_at = target, at
        problem.due_at = ctx.calendar.deadline(at, limit)
        _transition(problem, actor, "dispatch", Status.DISPATCHED, at, {
            "unit": target.code, "due_at": problem.due_at.isoformat(), "time_limit": limit.label(),
            "fast_track": reason,
        })
    return problem


def problem_arrive(*, actor: User, problem_id: int, lat: float | None = None, lng: float | None = None,
                   note: str = "", at: dt.datetime | None = None) -> Problem:
    """到场: the unit is at the place; with a position, how far from the problem it was is kept with the event."""
    details: dict = {"note": note.strip()} if note.strip() else {}
    if (lat is None) != (lng is None):
        raise InvalidInput.one("lat", "give both lat and lng, or neither")
    with _action(problem_id, actor, "arrive", at=at) as (problem, _ctx, at):
        if lat is not None:
            metres = distance_m(problem.lat, problem.lng, lat, lng)
            if metres > MAX_ARRIVAL_METRES:
                raise InvalidInput.one("lat", f"the position is {metres / 1000:.1f} km from the problem")
            details.update(lat=lat, lng=lng, metres=round(metres))
        _transition(problem, actor, "arrive", problem.status, at, details)
    return problem
