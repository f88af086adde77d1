"""Reads for the video pages and reports: 5-5-5 timelines per problem, figures per camera and unit, alarm counts.

A problem belongs to the period of its first alarm; its camera is the camera of its alarms (alarms only join
problems of their own camera).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Min

from renju.plans.active import active_plan
from renju.problems.models import ProblemEvent
from renju.video.models import Alarm, Camera
from renju.video.rules import STAGES, video_rules
from renju.video.timers import StageStats, Timeline, summarise, timeline

CHUNK = 2000  # ids per IN (…) list: well under SQLite's variable limit


@dataclass(frozen=True)
class ProblemTimer:
    problem_id: int
    camera_id: int
    timeline: Timeline


@dataclass
class TimerRow:
    key: str  # camera code or unit code
    name: str
    problems: int
    stages: dict[str, StageStats]


def problem_timers(*, since: dt.datetime, until: dt.datetime, unit_id: int | None = None,
                   camera_id: int | None = None) -> list[ProblemTimer]:
    """Every video problem whose first alarm fell in [since, until), with its timeline."""
    # Only problems opened near the period can have their first alarm in it: an alarm joins within the window
    # either side of another, so a problem's first alarm is at most a chain of windows before the one that opened it.
    pad = video_rules().join_window + dt.timedelta(days=1)
    opened = Alarm.objects.filter(outcome__in=(Alarm.Outcome.CREATED, Alarm.Outcome.REVIEW),
                                  occurred_at__gte=since - pad, occurred_at__lt=until + pad).values("problem_id")
    firsts = (Alarm.objects.filter(problem_id__in=opened).values("problem_id", "camera_id")
              .annotate(found=Min("occurred_at")).filter(found__gte=since, found__lt=until).order_by())
    if camera_id is not None:
        firsts = firsts.filter(camera_id=camera_id)
    found = {row["problem_id"]: (row["camera_id"], row["found"]) for row in firsts}
    events: dict[int, list] = defaultdict(list)
    ids = list(found)
    for n in range(0, len(ids), CHUNK):
        rows = (ProblemEvent.objects.filter(problem_id__in=ids[n:n + CHUNK],
                                            action__in=("dispatch", "arrive", "rectify"))
                .order_by("problem_id", "seq").values_list("problem_id", "action", "at", "unit_id"))
        for problem_id, action, at, unit in rows:
            events[problem_id].append((action, at, unit))
    timers = [ProblemTimer(pid, cam, timeline(first, events.get(pid, ()))) for pid, (cam, first) in found.items()]
    if unit_id is not None:
        timers = [t for t in timers if t.timeline.unit_id == unit_id]
    return sorted(timers, key=lambda t: t.timeline.found_at)


def timer_report(*, since: dt.datetime, until: dt.datetime, now: dt.datetime, unit_id: int | None = None) -> dict:
    """Overall, per camera and per unit figures of the period (rows sorted by problems, most first)."""
    timers = problem_timers(since=since, until=until, unit_id=unit_id)
    targets = video_rules().targets
    by_camera: dict[int, list[Timeline]] = defaultdict(list)
    by_unit: dict[int | None, list[Timeline]] = defaultdict(list)
    for t in timers:
        by_camera[t.camera_id].append(t.timeline)
        by_unit[t.timeline.unit_id].append(t.timeline)
    cameras = {c.id: c for c in Camera.objects.filter(id__in=list(by_camera)).only("id", "code", "name")}
    units = active_plan().units_by_id
    camera_rows = [TimerRow(cameras[cid].code, cameras[cid].name, len(tls), summarise(tls, targets, now))
                   for cid, tls in by_camera.items()]
    unit_rows = [TimerRow(units[uid].code if uid in units else "", units[uid].name if uid in units else "（待派遣）",
                          len(tls), summarise(tls, targets, now)) for uid, tls in by_unit.items()]
    order = (lambda r: (-r.problems, r.key))  # noqa: E731 - one sort key for both lists
    return {
        "since": since, "until": until, "now": now, "targets": targets,
        "overall": summarise([t.timeline for t in timers], targets, now), "problems": len(timers),
        "cameras": sorted(camera_rows, key=order), "units": sorted(unit_rows, key=order), "timers": timers,
    }


def camera_figures(*, since: dt.datetime, until: dt.datetime, now: dt.datetime,
                   camera_ids: list[int] | None = None) -> dict[int, dict]:
    """Per camera: alarm counts by outcome in the period, and its 5-5-5 shares within target."""
    alarms = Alarm.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
    if camera_ids is not None:
        alarms = alarms.filter(camera_id__in=camera_ids)
    out: dict[int, dict] = defaultdict(lambda: {"alarms": 0, "outcomes": {}, "stages": None, "problems": 0})
    for row in alarms.values("camera_id", "outcome").annotate(n=Count("id")).order_by():
        figures = out[row["camera_id"]]
        figures["alarms"] += row["n"]
        figures["outcomes"][row["outcome"]] = row["n"]
    targets = video_rules().targets
    by_camera: dict[int, list[Timeline]] = defaultdict(list)
    for t in problem_timers(since=since, until=until):
        if camera_ids is None or t.camera_id in camera_ids:
            by_camera[t.camera_id].append(t.timeline)
    for cid, tls in by_camera.items():
        out[cid]["problems"] = len(tls)
        out[cid]["stages"] = summarise(tls, targets, now)
    return dict(out)


def stage_cells(stages: dict[str, StageStats] | None) -> list[dict]:
    """What a table shows per stage: median, p90 and share within target, formatted (no logic in templates)."""
    cells = []
    for stage in STAGES:
        s = stages.get(stage) if stages else None
        share = s.share_within if s else None
        cells.append({
            "stage": stage,
            "median": "—" if not s or s.median_minutes is None else f"{s.median_minutes:g}",
            "p90": "—" if not s or s.p90_minutes is None else f"{s.p90_minutes:g}",
            "share": "—" if share is None else f"{share:.0%}",
            "low": share is not None and share < 0.8,
            "done": s.done if s else 0,
            "started": s.started if s else 0,
        })
    return cells
