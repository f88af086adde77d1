"""Follow-through: key problems, extensions, suspension, rechecks and relapses, the rectification ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from renju.accounts.models import User
from renju.plans.worktime import TimeLimit
from renju.problems.errors import InvalidInput, TransitionRefused
from renju.problems.lifecycle.core import problem_report
from renju.problems.lifecycle.machinery import (
    _action,
    _iso,
    _parse_time,
    _photo_cleanup,
    _required_text,
    _store_photos,
    _transition,
)
from renju.problems.models import (
    LedgerMilestone,
    Photo,
    Problem,
    ProblemEvent,
    Recheck,
    Status,
)
from renju.problems.photos import PreparedPhoto

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


# ---------------------------------------------------------------- suspension (暂停计时)


def problem_suspend(*, actor: User, problem_id: int, reason: str, at: dt.datetime | None = None) -> Problem:
    """暂停计时: the clock stops for a reason outside the unit's hands (weather, an approval pending elsewhere);
    a suspended problem is not overdue."""
    reason = _required_text("reason", reason)
    with _action(problem_id, actor, "suspend", at=at) as (problem, _ctx, at):
        _transition(problem, actor, "suspend", Status.SUSPENDED, at, {"reason": reason, "due_at": _iso(problem.due_at)})
    return problem


def problem_resume(*, actor: User, problem_id: int, note: str = "", at: dt.datetime | None = None) -> Problem:
    """恢复计时: the clock runs again, and the deadline moves on by the working time it was stopped."""
    with _action(problem_id, actor, "resume", at=at) as (problem, ctx, at):
        suspended = ProblemEvent.objects.filter(problem=problem, action="suspend").order_by("-seq").first()
        stopped = ctx.calendar.working_minutes_between(suspended.at, at)
        old_due = problem.due_at
        problem.due_at = ctx.calendar.add_working_minutes(old_due, stopped)
        details = {"stopped_working_minutes": stopped, "from": _iso(old_due), "to": _iso(problem.due_at)}
        if note.strip():
            details["note"] = note.strip()
        _transition(problem, actor, "resume", suspended.from_status, at, details)
    return problem


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
