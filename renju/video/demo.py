"""Demo data for the video channel: cameras across the towns and a fortnight of alarms, handled like the real thing.

Everything goes through the registry and the alarm intake (and the lifecycle for the units' 到场 and 整改), dated
in the past with `at`. Deterministic and idempotent: cameras are matched by code, alarms by their ids, and a
problem only moves on when it is in the state the step expects, so running it again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from renju.accounts.models import Role, User
from renju.plans.geo import region_index
from renju.problems import lifecycle
from renju.problems.demo_photos import synthetic_jpeg
from renju.problems.models import Status
from renju.problems.photos import photo_prepare
from renju.video.cameras import camera_upsert_many
from renju.video.intake import alarm_receive
from renju.video.models import Camera

DEMO_ACCOUNT = "video-ai"
TYPES = ["garbage_exposed", "garbage_overflow", "stall_occupy", "shop_outside", "clutter", "illegal_parking"]
PLACES = ["路口", "广场", "农贸市场", "学校门口", "公交站", "滨海路", "商业街"]


def video_demo_ensure(*, cameras: int = 60, days: int = 14, now: dt.datetime | None = None, seed: int = 6) -> dict:
    """Create what is missing; returns counts of cameras and alarms received this time."""
    now = now or timezone.now()
    rng = random.Random(seed)
    robot, _ = User.objects.get_or_create(username=DEMO_ACCOUNT,
                                          defaults={"role": Role.INTEGRATION, "first_name": "视频AI平台"})
    _cameras(robot, cameras, rng)
    codes = list(Camera.objects.filter(code__startswith="DEMO-CAM-").order_by("code").values_list("code", flat=True))
    pictures = [photo_prepare(synthetic_jpeg(seed=500 + i), f"snapshot{i}.jpg", field_name="snapshot")
                for i in range(6)]
    received = 0
    start = (now - dt.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    for day in range(days):
        for n in range(random.Random(f"{seed}:{day}").randint(6, 12)):  # incidents a day across the city
            # One generator per incident: what people did to one problem never shifts the next incident.
            rng = random.Random(f"{seed}:{day}:{n}")
            camera, kind = rng.choice(codes), rng.choice(TYPES)
            first = start + dt.timedelta(days=day, hours=rng.randint(7, 19), minutes=rng.randint(0, 59))
            if first > now - dt.timedelta(hours=1):
                continue
            results = []
            for k in range(rng.choice([1, 1, 2, 3, 4])):
                seen = first + dt.timedelta(minutes=4 * k + rng.random())
                result = alarm_receive(
                    actor=robot, camera=camera, alarm_id=f"D{day:02d}{n:02d}-{k}", alarm_type=kind,
                    occurred_at=seen, confidence=round(rng.choice([0.42, 0.66, 0.78, 0.88, 0.93, 0.97]), 2),
                    snapshot=rng.choice(pictures), at=seen + dt.timedelta(seconds=rng.randint(5, 90)),
                )
                received += not result.replayed
                results.append(result.alarm)
            _handle(results, rng, now)
    return {"cameras": len(codes), "alarms": received}


def _cameras(robot: User, count: int, rng: random.Random) -> None:
    from shapely.geometry import Point, shape

    from renju.plans.models import Region

    index = region_index()
    leaves = list(Region.objects.filter(kind="grid").order_by("code").values_list("code", "boundary"))
    rows = []
    for n in range(1, count + 1):
        code, boundary = rng.choice(leaves)
        geom = shape(boundary)
        x0, y0, x1, y1 = geom.bounds
        while True:
            lng, lat = round(rng.uniform(x0, x1), 6), round(rng.uniform(y0, y1), 6)
            if geom.contains(Point(lng, lat)) and index.locate(lng, lat) is not None:
                break
        rows.append({"code": f"DEMO-CAM-{n:03d}", "name": f"{rng.choice(PLACES)}{n:03d}号点位",
                     "channel": str(rng.randint(1, 8)), "lat": lat, "lng": lng,
                     "address": f"演示路{rng.randint(1, 300)}号", "road_class": "",
                     "status": "offline" if n % 17 == 0 else "online", "region_id": index.locate(lng, lat)})
    camera_upsert_many(actor=robot, rows=rows)


def _handle(alarms, rng: random.Random, now: dt.datetime) -> None:
    """What the people did: a dispatcher looks at review problems, the unit arrives and rectifies — mostly fast."""
    problem = next((a.problem for a in alarms if a.problem is not None), None)
    if problem is None:
        return
    problem.refresh_from_db()
    dispatcher = User.objects.filter(role=Role.DISPATCHER, is_active=True).order_by("id").first()
    moment = problem.reported_at
    if problem.status == Status.REPORTED and dispatcher is not None and rng.random() < 0.9:
        moment += dt.timedelta(minutes=rng.uniform(2, 40))
        if moment < now:
            problem = lifecycle.problem_fast_track(actor=dispatcher, problem_id=problem.id, reason="视频告警核实无误",
                                                   at=moment)
    if problem.status != Status.DISPATCHED or problem.unit is None:
        return
    handler = User.objects.filter(role=Role.HANDLER, unit=problem.unit, is_active=True).order_by("id").first()
    if handler is None or rng.random() < 0.1:
        return  # still waiting for the unit
    moment = problem.dispatched_at + dt.timedelta(minutes=rng.choice([2, 3, 4, 5, 6, 9, 15]) + rng.random())
    if moment < now and not problem.events.filter(action="arrive").exists():
        lifecycle.problem_arrive(actor=handler, problem_id=problem.id, lat=problem.lat, lng=problem.lng, at=moment)
    moment += dt.timedelta(minutes=rng.choice([2, 3, 4, 5, 7, 12, 25]) + rng.random())
    if moment < now and rng.random() < 0.85:
        lifecycle.problem_rectify(actor=handler, problem_id=problem.id, note="已现场清理",
                                  photos=[photo_prepare(synthetic_jpeg(seed=problem.id, after=True, lat=problem.lat,
                                                                       lng=problem.lng, taken_at=moment),
                                                        "after.jpg")], at=moment)
