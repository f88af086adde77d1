"""The plan's video rules (`intake.video`) as one typed object, read once per loaded plan."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from renju.plans.active import PlanContext, active_plan
from renju.plans.intake_schema import Video

STAGES = ("find", "arrive", "handle")
STAGE_NAMES = {"find": "发现→派遣", "arrive": "派遣→到场", "handle": "到场→处置"}


@dataclass(frozen=True)
class AlarmType:
    code: str
    name: str
    category: str  # the plan's category code


@dataclass(frozen=True)
class VideoRules:
    join_window: dt.timedelta
    min_confidence: float
    auto_accept_confidence: float
    targets: dict[str, dt.timedelta]  # stage → the plan's "5 minutes"
    alarm_types: dict[str, AlarmType]


_lock = threading.Lock()
_cache: dict[int, tuple[PlanContext, VideoRules]] = {}


def video_rules(ctx: PlanContext | None = None) -> VideoRules:
    """The rules of the active plan (or of `ctx`). A plan loaded without an `intake` section gets the defaults."""
    ctx = ctx or active_plan()
    cached = _cache.get(id(ctx))
    if cached is not None and cached[0] is ctx:
        return cached[1]
    # Validate again through the schema: the stored dict was validated at load, this only fills in defaults.
    video = Video.model_validate((ctx.plan.intake or {}).get("video", {}))
    rules = VideoRules(
        join_window=dt.timedelta(minutes=video.join_window_minutes),
        min_confidence=video.min_confidence,
        auto_accept_confidence=video.auto_accept_confidence,
        targets={"find": dt.timedelta(minutes=video.find_minutes),
                 "arrive": dt.timedelta(minutes=video.arrive_minutes),
                 "handle": dt.timedelta(minutes=video.handle_minutes)},
        alarm_types={a.code: AlarmType(a.code, a.name, a.category) for a in video.alarm_types},
    )
    with _lock:
        if len(_cache) > 8:
            _cache.clear()
        _cache[id(ctx)] = (ctx, rules)
    return rules
