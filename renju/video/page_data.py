"""What the video pages show, computed here so views stay thin and templates hold no logic."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, Q

from renju.problems.models import ON_THE_CLOCK, Problem, ProblemEvent, Source
from renju.video.models import Alarm, Camera
from renju.video.queries import camera_figures, stage_cells
from renju.video.rules import STAGE_NAMES, STAGES, video_rules

PAGE_SIZE = 100


def camera_filters(params) -> dict:
    """The list's filters from the query string (unknown values are ignored, not errors: it is a page)."""
    status = params.get("status", "")
    return {"status": status if status in Camera.Status.values else "", "q": params.get("q", "").strip()[:64],
            "region": params.get("region", "").strip()[:32]}


def cameras_queryset(filters: dict):
    rows = Camera.objects.all()
    if filters["status"]:
        rows = rows.filter(status=filters["status"])
    if filters["q"]:
        rows = rows.filter(Q(code__icontains=filters["q"]) | Q(name__icontains=filters["q"])
                           | Q(address__icontains=filters["q"]))
    if filters["region"]:
        from renju.plans.geo import region_index
        from renju.plans.models import Region

        region_id = Region.objects.filter(code=filters["region"]).values_list("id", flat=True).first()
        rows = rows.filter(region_id__in=region_index().descendant_ids(region_id)) if region_id else rows.none()
    return rows.order_by("code")


def camera_rows(cameras: list[Camera], *, since, until, now) -> list[dict]:
    """One row per camera of the page: its alarm counts and 5-5-5 cells for the period."""
    figures = camera_figures(since=since, until=until, now=now, camera_ids=[c.id for c in cameras])
    rows = []
    for camera in cameras:
        f = figures.get(camera.id, {"alarms": 0, "outcomes": {}, "stages": None, "problems": 0})
        rows.append({"camera": camera, "town": town_name(camera.region_id), "alarms": f["alarms"],
                     "problems": f["problems"],
                     "joined": f["outcomes"].get("joined", 0), "dropped": f["outcomes"].get("dropped", 0),
                     "cells": stage_cells(f["stages"])})
    return rows


def town_name(region_id: int) -> str:
    """The town or street a leaf region lies in (what people call the place), from the in-memory index."""
    from renju.plans.geo import region_index

    index = region_index()
    if region_id not in index.nodes:
        return ""
    town = next((n for n in index.ancestors(region_id) if n.kind in ("town", "street", "area")), None)
    return town.name if town else index.nodes[region_id].name


def towns() -> list[dict]:
    """The towns and streets, for the region filter."""
    from renju.plans.geo import region_index

    nodes = region_index().nodes.values()
    return sorted(({"code": n.code, "name": n.name} for n in nodes if n.kind in ("town", "street", "area")),
                  key=lambda r: r["code"])


def registry_counts() -> dict[str, int]:
    counts = dict(Camera.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {"all": sum(counts.values()), **{s: counts.get(s, 0) for s in Camera.Status.values}}


def map_rows(since: dt.datetime) -> dict:
    """Cameras as compact rows for the map: [code, name, lat, lng, status, alarms since `since`]."""
    alarms = dict(Alarm.objects.filter(occurred_at__gte=since).values_list("camera_id").annotate(n=Count("id"))
                  .order_by())
    rows = [[c.code, c.name, round(c.lat, 6), round(c.lng, 6), c.status, alarms.get(c.id, 0)]
            for c in Camera.objects.only("id", "code", "name", "lat", "lng", "status").order_by("code")]
    return {"fields": ["code", "name", "lat", "lng", "status", "alarms"], "rows": rows}


def camera_detail(camera: Camera, *, since, until, now) -> dict:
    figures = camera_figures(since=since, until=until, now=now, camera_ids=[camera.id]).get(camera.id, {})
    recent = list(Alarm.objects.filter(camera=camera).select_related("problem", "category")
                  .order_by("-occurred_at", "-id")[:50])
    open_problems = list(Problem.objects.filter(alarms__camera=camera).exclude(status__in=("closed", "rejected",
                                                                                        "merged"))
                         .select_related("category", "unit").distinct().order_by("-found_at")[:20])
    last = Alarm.objects.filter(camera=camera).aggregate(last=Max("occurred_at"))["last"]
    types = alarm_type_names()
    for alarm in recent:
        alarm.type_name = types.get(alarm.alarm_type, alarm.alarm_type)
    return {"figures": figures, "cells": stage_cells(figures.get("stages")), "recent": recent,
            "town": town_name(camera.region_id),
            "open_problems": open_problems, "last_alarm": last, "alarm_types": alarm_type_names()}


def alarm_type_names() -> dict[str, str]:
    return {code: t.name for code, t in video_rules().alarm_types.items()}


def stage_headers() -> list[dict]:
    targets = video_rules().targets
    return [{"code": s, "name": STAGE_NAMES[s], "minutes": int(targets[s].total_seconds() // 60)} for s in STAGES]


def pending_arrivals(user, now: dt.datetime) -> list[dict]:
    """Video problems the user's unit is on the clock for and has not marked 到场 since the last dispatch."""
    problems = Problem.objects.filter(source=Source.VIDEO, status__in=ON_THE_CLOCK).select_related("category")
    if user.role == "handler":
        problems = problems.filter(unit_id=user.unit_id)
    problems = list(problems.order_by("dispatched_at")[:200])
    events = ProblemEvent.objects.filter(problem__in=problems, action__in=("dispatch", "arrive")) \
        .order_by("problem_id", "seq").values_list("problem_id", "action", "at")
    last_dispatch: dict[int, dt.datetime] = {}
    arrived: dict[int, dt.datetime] = {}
    for problem_id, action, at in events:
        if action == "dispatch":
            last_dispatch[problem_id] = at
            arrived.pop(problem_id, None)
        else:
            arrived[problem_id] = at
    target = video_rules().targets["arrive"]
    rows = []
    for p in problems:
        if p.id in arrived:
            continue
        since = last_dispatch.get(p.id, p.dispatched_at or now)
        waited = now - since
        rows.append({"problem": p, "since": since, "minutes": int(waited.total_seconds() // 60),
                     "late": waited > target})
    return rows


def problem_alarms(problem) -> list[Alarm]:
    """The alarms behind a video problem, newest first, for the problem page (`video/_problem_alarms.html`)."""
    alarms = list(Alarm.objects.filter(problem=problem).select_related("camera").order_by("-occurred_at", "-id")[:100])
    types = alarm_type_names()
    for alarm in alarms:
        alarm.type_name = types.get(alarm.alarm_type, alarm.alarm_type)
    return alarms
