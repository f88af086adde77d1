"""Ranks within each ranking group, praise for the top, the bottom of the group, escalation, service payment.

Tie rule (plan `ranking.tie_break`): equal scores are ordered by the listed indicators in turn; units still equal
share a rank (并列, competition ranking 1, 2, 2, 4) and are listed in plan order. "The bottom N" (排名后N位) is by
rank: a unit whose rank is greater than (units − N), so tied units are always treated alike — two units sharing the
last rank are both in it, and units sharing a rank above the line are both out of it. Praise goes to the first
`praise_top` places unless more units than that share them (a top shared by many distinguishes nobody).
"""

from __future__ import annotations

from collections.abc import Iterable

from renju.assessment.results import MonthResult, UnitResult
from renju.plans.assessment_schema import Assessment

TIE_KEYS = {
    "on_time_rate": lambda u: -u.rates.get("on_time_rate", 0.0),
    "closure_rate": lambda u: -u.rates.get("closure_rate", 0.0),
    "fewer_overdue": lambda u: u.counts.get("overdue", 0),
    "fewer_found": lambda u: u.counts.get("found", 0),
}


def rank(result: MonthResult, rules: Assessment, bottom_history: Iterable[set[str]] = ()) -> None:
    """Set rank, tied, praised, bottom, escalated and payment on every unit of `result`.

    `bottom_history`: for each of the previous months (newest first), the codes of the units that were in the
    bottom of their group in that month's published result.
    """
    history = list(bottom_history)
    r = rules.ranking
    for _code, _name, units in result.by_group():
        ordered = sorted(units, key=lambda u: (_key(u, rules), u.position))
        n = len(ordered)
        i = 0
        while i < n:
            j = i
            while j + 1 < n and _key(ordered[j + 1], rules) == _key(ordered[i], rules):
                j += 1
            for u in ordered[i:j + 1]:
                u.rank, u.tied = i + 1, j > i
                # A top shared by more units than there are places to praise distinguishes nobody.
                u.praised = i < r.praise_top and j - i + 1 <= r.praise_top and u.score > 0
                u.bottom = n >= r.min_units and r.escalate_bottom > 0 and i + 1 > n - r.escalate_bottom
            i = j + 1
    needed = r.escalate_months - 1
    for u in result.units:
        earlier = history[:needed]
        u.escalated = u.bottom and len(earlier) == needed and all(u.code in months for months in earlier)
        u.payment_percent = _payment(u, rules)


def _key(u: UnitResult, rules: Assessment) -> tuple:
    return (-u.score, *(TIE_KEYS[k](u) for k in rules.ranking.tie_break))


def _payment(u: UnitResult, rules: Assessment) -> float | None:
    service = rules.service_scoring
    if service is None or u.group not in service.groups:
        return None
    for band in sorted(service.bands, key=lambda b: -b.min_score):
        if u.score >= band.min_score:
            return band.percent
    return 0.0
