"""Who may take which action from which states, and what each action is called."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from renju.accounts.models import Role, User
from renju.problems.models import (
    Problem,
    Status,
)

MAX_DESCRIPTION = 2000
MAX_REASON = 1000
CLOCK_SKEW = dt.timedelta(minutes=10)

REPORTERS = (Role.INSPECTOR, Role.DISPATCHER, Role.INTEGRATION)


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
    "suspend": Rule((Role.DISPATCHER,), frozenset({Status.DISPATCHED, Status.REWORK})),
    "resume": Rule((Role.DISPATCHER,), frozenset({Status.SUSPENDED})),
    "ledger_progress": Rule((), frozenset({Status.LEDGERED}), unit_action=True),
    "milestone_verify": Rule((Role.INSPECTOR,), frozenset({Status.LEDGERED})),
    # 直派: accepted and dispatched to the suggested unit at once — a confident video-AI alarm (integration), a
    # dispatcher's one-click path, or a unit's own self-check (handler; checked against the problem in the action).
    "fast_track": Rule((Role.INTEGRATION, Role.DISPATCHER, Role.HANDLER), frozenset({Status.REPORTED})),
    # 到场: the unit is on site (the second 5 of the video "5-5-5"); no state change, one event.
    "arrive": Rule((), frozenset({Status.DISPATCHED, Status.REWORK}), unit_action=True),
}


def actions_for(user: User, problem: Problem) -> list[str]:
    """The actions `user` may take on `problem` now (what a page should offer)."""
    return [
        name for name, rule in RULES.items()
        if problem.status in rule.states and _actor_problem(problem, user, name, rule) is None
    ]




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
    "suspend": "暂停计时",
    "resume": "恢复计时",
    "ledger_progress": "台账进展",
    "milestone_verify": "节点核查",
    "fast_track": "直派",
    "arrive": "到场",
}


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
