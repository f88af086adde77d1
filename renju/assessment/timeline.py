"""One problem's history replayed up to the cutoff: who owned it, when it was late, when it failed verification.

Pure: reads the event snapshots (status, unit and deadline after each event) and nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from renju.assessment.facts import EventFact

ON_THE_CLOCK = frozenset({"dispatched", "rework"})
# Events after which the deadline no longer belongs to the first round (the unit said it was done, or it went
# onto the ledger with dated milestones of its own).
ROUND_ENDS = frozenset({"rectify", "ledger"})


@dataclass(frozen=True, slots=True)
class Overdue:
    start: dt.datetime  # when the deadline passed with the problem still on the unit's clock
    due_at: dt.datetime
    unit_id: int | None


@dataclass
class Timeline:
    status: str = ""
    owner: int | None = None  # the unit of the last dispatch before the cutoff
    due: dt.datetime | None = None  # the first-round deadline after the last dispatch (as extended or suspended)
    closed: bool = False
    ledgered: bool = False
    overdue: list[Overdue] = field(default_factory=list)
    reworks: list[tuple[dt.datetime, int | None]] = field(default_factory=list)


def replay(events: tuple[EventFact, ...] | list[EventFact], cutoff: dt.datetime) -> Timeline:
    """The problem as it stood at `cutoff`; events are in `seq` order."""
    t = Timeline()
    live = [e for e in events if e.at < cutoff]
    seen_deadlines: set[dt.datetime] = set()
    in_first_round = False
    for i, e in enumerate(live):
        t.status = e.to_status
        if e.action == "dispatch":
            t.owner, in_first_round = e.unit_id, True
        if e.action == "return":  # not theirs: it belongs to whoever it is dispatched to next
            t.owner, t.due = None, None
        if e.action in ROUND_ENDS or e.action == "return":
            in_first_round = False
        if in_first_round:
            t.due = e.due_at
        if e.action == "ledger":
            t.ledgered = True
        if e.action == "verify" and e.to_status == "rework":
            t.reworks.append((e.at, e.unit_id))
        # Was the deadline passed before the next event (or the cutoff) with the unit still on the clock?
        until = live[i + 1].at if i + 1 < len(live) else cutoff
        if e.to_status in ON_THE_CLOCK and e.due_at is not None and e.due_at < until and e.due_at not in seen_deadlines:
            seen_deadlines.add(e.due_at)
            t.overdue.append(Overdue(start=max(e.due_at, e.at), due_at=e.due_at, unit_id=e.unit_id))
    t.closed = t.status == "closed"
    return t
