"""The 5-5-5 timers ("5 分钟内发现问题、5 分钟内到场、5 分钟内处置") as pure functions of a problem's events.

Stages, in wall-clock minutes (the goal is about minutes on the street, not working time):
- find:   the first alarm's time → the first dispatch (派遣, or 直派's dispatch);
- arrive: that dispatch → the first 到场 (arrive) after it;
- handle: 到场 → the first 整改 (rectify).
A problem rectified with no 到场 recorded: arrival is taken as the rectification (the latest it can have been), and
the handle stage is not measured for it.

A stage is *decided* when it has ended, or when it is still running and already past its target; the share within
target is over decided stages only, so a stage still inside its five minutes counts neither way.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from renju.video.rules import STAGES

Event = tuple[str, dt.datetime, int | None]  # (action, at, unit id after the event)


@dataclass(frozen=True)
class Timeline:
    found_at: dt.datetime
    dispatched_at: dt.datetime | None = None
    on_site_at: dt.datetime | None = None
    handled_at: dt.datetime | None = None
    arrival_recorded: bool = False
    unit_id: int | None = None  # the unit of the last dispatch: who ended up answering for it

    def bounds(self, stage: str) -> tuple[dt.datetime | None, dt.datetime | None]:
        """(start, end) of a stage; end None while it runs, start None while it has not begun."""
        if stage == "find":
            return self.found_at, self.dispatched_at
        if stage == "arrive":
            return self.dispatched_at, self.on_site_at
        if not self.arrival_recorded and self.handled_at is not None:
            return None, None  # arrival unknown: the handle stage cannot be measured
        return self.on_site_at, self.handled_at


def timeline(found_at: dt.datetime, events: Iterable[Event]) -> Timeline:
    """A problem's timeline from its events, in order (only dispatch, arrive and rectify matter)."""
    dispatched = on_site = handled = None
    unit_id = None
    for action, at, unit in events:
        if action == "dispatch":
            dispatched = dispatched or at
            unit_id = unit
        elif action == "arrive" and dispatched is not None and on_site is None:
            on_site = at
        elif action == "rectify" and dispatched is not None and handled is None:
            handled = at
    recorded = on_site is not None
    if on_site is None and handled is not None:
        on_site = handled
    return Timeline(found_at, dispatched, on_site, handled, recorded, unit_id)


@dataclass(frozen=True)
class StageStats:
    started: int = 0  # problems that reached the stage
    done: int = 0  # … and finished it
    median_minutes: float | None = None  # over finished stages
    p90_minutes: float | None = None
    within: int = 0  # finished within target
    decided: int = 0  # finished, or running past target

    @property
    def share_within(self) -> float | None:
        return self.within / self.decided if self.decided else None


def stage_minutes(tl: Timeline, stage: str, now: dt.datetime) -> tuple[float | None, bool]:
    """(minutes so far or in all, finished?) for one stage; (None, False) when it has not begun."""
    start, end = tl.bounds(stage)
    if start is None:
        return None, False
    stop = end or now
    return max(0.0, (stop - start).total_seconds() / 60), end is not None


def stage_stats(timelines: Iterable[Timeline], stage: str, target: dt.timedelta, now: dt.datetime) -> StageStats:
    limit = target.total_seconds() / 60
    started = within = decided = 0
    finished: list[float] = []
    for tl in timelines:
        minutes, done = stage_minutes(tl, stage, now)
        if minutes is None:
            continue
        started += 1
        if done:
            finished.append(minutes)
            decided += 1
            within += minutes <= limit
        elif minutes > limit:
            decided += 1
    return StageStats(
        started=started, done=len(finished),
        median_minutes=round(statistics.median(finished), 1) if finished else None,
        p90_minutes=round(nearest_rank(finished, 90), 1) if finished else None,
        within=within, decided=decided,
    )


def summarise(timelines: list[Timeline], targets: dict[str, dt.timedelta], now: dt.datetime) -> dict[str, StageStats]:
    """Every stage's figures over the same problems."""
    return {stage: stage_stats(timelines, stage, targets[stage], now) for stage in STAGES}


def nearest_rank(values: list[float], p: float) -> float:
    """The p-th percentile by nearest rank (the value at rank ceil(p/100 × n))."""
    ordered = sorted(values)
    k = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[k - 1]
