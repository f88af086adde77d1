"""Shapes shared by the API and the pages: a camera, an alarm, a report period, the 5-5-5 figures as JSON."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from renju.problems.errors import InvalidInput
from renju.video.models import Alarm, Camera
from renju.video.timers import StageStats

DEFAULT_DAYS = 30
MAX_DAYS = 366


def camera_out(camera: Camera) -> dict:
    return {
        "code": camera.code, "name": camera.name, "channel": camera.channel, "lat": camera.lat, "lng": camera.lng,
        "address": camera.address, "road_class": camera.road_class, "status": camera.status,
        "region": {"code": camera.region.code, "name": camera.region.name}, "updated_at": camera.updated_at,
    }


def alarm_out(alarm: Alarm, *, replayed: bool = False) -> dict:
    problem = alarm.problem
    return {
        "alarm_id": alarm.external_id, "camera": alarm.camera.code, "alarm_type": alarm.alarm_type,
        "confidence": alarm.confidence, "occurred_at": alarm.occurred_at, "received_at": alarm.received_at,
        "outcome": alarm.outcome, "outcome_label": alarm.get_outcome_display(), "replayed": replayed,
        "problem": None if problem is None else {"id": problem.id, "number": problem.number,
                                                  "status": problem.status},
    }


def period_from(first: dt.date | None, last: dt.date | None, *, today: dt.date | None = None
                ) -> tuple[dt.datetime, dt.datetime]:
    """[since, until) in Beijing time from inclusive dates; default the last 30 days up to today."""
    today = today or timezone.localdate()
    last = last or today
    first = first or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise InvalidInput.one("to", "is before from")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput.one("from", f"a period of at most {MAX_DAYS} days")
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(first, dt.time(), tzinfo=tz),
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz))


def stats_out(stages: dict[str, StageStats]) -> dict:
    return {stage: {"started": s.started, "done": s.done, "median_minutes": s.median_minutes,
                    "p90_minutes": s.p90_minutes, "within_target": s.within, "decided": s.decided,
                    "share_within_target": None if s.share_within is None else round(s.share_within, 4)}
            for stage, s in stages.items()}


def timers_out(report: dict) -> dict:
    def rows(items):
        return [{"code": r.key, "name": r.name, "problems": r.problems, "stages": stats_out(r.stages)} for r in items]

    return {
        "since": report["since"], "until": report["until"],
        "target_minutes": {k: int(v.total_seconds() // 60) for k, v in report["targets"].items()},
        "problems": report["problems"], "overall": stats_out(report["overall"]),
        "cameras": rows(report["cameras"]), "units": rows(report["units"]),
    }
