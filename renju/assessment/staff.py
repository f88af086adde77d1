"""Work-team staff performance (附件2 三 "工作人员的工作绩效…每月负责考核"), post-evaluation style.

Inspectors: reports filed, valid-report rate (accepted / decided), on-time verification (within the plan's working
hours of the rectification). Dispatchers: on-time dispatch (from the report, or from the return for a re-dispatch)
and accurate dispatch (not returned by the unit). Each indicator is 0–1; the score is their weighted sum × 100.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from renju.assessment.facts import MonthFacts
from renju.assessment.results import StaffResult
from renju.plans.assessment_schema import Assessment, StaffRules
from renju.plans.worktime import WorkingCalendar


def assess_staff(facts: MonthFacts, rules: Assessment, calendar: WorkingCalendar) -> list[StaffResult]:
    if rules.staff is None:
        return []
    s = rules.staff
    month = facts.month
    # "Within N working hours" as a deadline from the start: one walk forward, not a count over every day.
    verify_limit, dispatch_limit = round(s.verify_time_limit_hours * 60), round(s.dispatch_time_limit_hours * 60)
    c: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in facts.problems.values():
        events = [e for e in p.events if e.at < month.cutoff]
        if month.contains(p.reported_at):
            mine = c[p.reporter_id]
            mine["reports"] += 1
            actions = {e.action for e in events}
            mine["accepted"] += "accept" in actions
            mine["rejected"] += "reject" in actions
        last_rectify = last_return = None
        for i, e in enumerate(events):
            if e.action == "rectify":
                last_rectify = e.at
            elif e.action == "return":
                last_return = e.at
            elif e.action == "verify" and month.contains(e.at) and last_rectify is not None:
                c[e.actor_id]["verified"] += 1
                c[e.actor_id]["verified_on_time"] += _within(calendar, last_rectify, e.at, verify_limit)
            elif e.action == "dispatch" and month.contains(e.at):
                start = last_return or p.reported_at
                c[e.actor_id]["dispatched"] += 1
                c[e.actor_id]["dispatched_on_time"] += _within(calendar, start, e.at, dispatch_limit)
                c[e.actor_id]["returned"] += any(x.action == "return" for x in events[i + 1:])
    results = []
    for person in facts.staff:
        counts = dict(c.get(person.id, {}))
        indicators = _indicators(person.role, counts, s, rules.empty_rate)
        if indicators is None:
            continue
        weights = s.inspector if person.role == "inspector" else s.dispatcher
        score = round(100 * sum(w.weight * indicators[w.code] for w in weights), 2)
        results.append(StaffResult(user_id=person.id, username=person.username, name=person.name, role=person.role,
                                   counts=counts, indicators={k: round(v, 4) for k, v in indicators.items()},
                                   score=score, grade=_grade(score, s)))
    return sorted(results, key=lambda r: (r.role, -r.score, r.username))


def _indicators(role: str, n: dict[str, int], s: StaffRules, empty: float) -> dict[str, float] | None:
    def rate(part: str, whole: str) -> float:
        return n.get(part, 0) / n[whole] if n.get(whole) else empty

    if role == "inspector":
        decided = n.get("accepted", 0) + n.get("rejected", 0)
        return {
            "report_volume": min(1.0, n.get("reports", 0) / s.report_target),
            "valid_report_rate": n.get("accepted", 0) / decided if decided else empty,
            "on_time_verify_rate": rate("verified_on_time", "verified"),
        }
    if role == "dispatcher":
        dispatched = n.get("dispatched", 0)
        return {
            "on_time_dispatch_rate": rate("dispatched_on_time", "dispatched"),
            "accurate_dispatch_rate": 1 - n.get("returned", 0) / dispatched if dispatched else empty,
        }
    return None


def _within(calendar: WorkingCalendar, start, end, minutes: int) -> bool:
    """Did `end` come within `minutes` of working time after `start`? No more wall-clock time than that always
    does (working time never runs faster than the clock), which settles most cases without the calendar."""
    if end - start <= dt.timedelta(minutes=minutes):
        return True
    return end <= calendar.add_working_minutes(start, minutes)


def _grade(score: float, s: StaffRules) -> str:
    for g in sorted(s.grades, key=lambda g: -g.min_score):
        if score >= g.min_score:
            return g.name
    return s.grades[-1].name
