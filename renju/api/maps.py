"""Map data: problems as compact rows (tens of thousands at once) and regions shaded by open problems."""

from __future__ import annotations

from collections import Counter

import numpy as np
from django.db.models import Count, F
from django.utils import timezone
from ninja import Router

from renju.plans.active import active_plan
from renju.plans.geo import region_index
from renju.plans.models import Region
from renju.problems.errors import InvalidInput
from renju.problems.models import Problem, Status
from renju.problems.routing import suggest_unit, time_limit_for

router = Router(tags=["map"])

CLOSED_STATES = (Status.CLOSED, Status.REJECTED, Status.MERGED)
MAP_FIELDS = ["id", "lat", "lng", "status", "key"]


def _open_problems(user):
    return Problem.objects.visible_to(user).exclude(status__in=CLOSED_STATES)


@router.get("/map/problems", summary="Problems as compact rows for maps: [id, lat, lng, status, key]")
def map_problems(request, status: str = "open", unit: str | None = None, region: str | None = None):
    rows = Problem.objects.visible_to(request.auth)
    if status == "open":
        rows = rows.exclude(status__in=CLOSED_STATES)
    elif status != "all":
        states = [s for s in status.split(",") if s]
        if not set(states) <= set(Status.values):
            raise InvalidInput.one("status", f"use open, all, or states from {', '.join(Status.values)}")
        rows = rows.filter(status__in=states)
    if unit:
        found = active_plan().units.get(unit)
        if found is None:
            raise InvalidInput.one("unit", f"unknown unit code {unit!r}")
        rows = rows.filter(unit_id=found.id)
    if region:
        region_id = Region.objects.filter(code=region).values_list("id", flat=True).first()
        if region_id is None:
            raise InvalidInput.one("region", f"unknown region code {region!r}")
        rows = rows.filter(region_id__in=region_index().descendant_ids(region_id))
    # One plain fetch (no ordering, no server-side cursor), then rounding by column: at 100,000 rows the per-row
    # Python work is what a map request spends its time on.
    fetched = list(rows.order_by().values_list("id", "lat", "lng", "status", "is_key"))
    if fetched:
        ids, lats, lngs, states, keys = zip(*fetched, strict=True)
        data = list(zip(ids, np.round(lats, 5).tolist(), np.round(lngs, 5).tolist(), states,
                        [1 if k else 0 for k in keys], strict=True))
    else:
        data = []
    return {"fields": MAP_FIELDS, "rows": data, "count": len(data), "at": timezone.now()}


@router.get("/map/regions", summary="Regions of one kind as GeoJSON, each with its count of open problems")
def map_regions(request, kind: str = "town"):
    kinds = {"town": ("town", "street", "area"), "village": ("village", "community"), "grid": ("grid",)}
    if kind not in kinds:
        raise InvalidInput.one("kind", f"use one of {', '.join(kinds)}")
    index = region_index()
    wanted = {n.id for n in index.nodes.values() if n.kind in kinds[kind]}
    # Draw the outermost regions of the kind (an area, not also the towns inside it), and credit every open
    # problem to the drawn region that holds it, so the map accounts for all of them.
    drawn = {rid for rid in wanted if not any(a.id in wanted for a in index.ancestors(rid)[1:])}
    # `region_id + 0`: grouping on the bare column makes SQLite walk an index row by row (six times slower).
    per_leaf = dict(
        _open_problems(request.auth).order_by().values_list(F("region_id") + 0).annotate(n=Count("id"))
    )
    open_by_region: Counter = Counter()
    for leaf_id, n in per_leaf.items():
        holder = next((node.id for node in index.ancestors(leaf_id) if node.id in drawn), None)
        if holder is not None:
            open_by_region[holder] += n
    boundaries = dict(Region.objects.filter(id__in=drawn).values_list("id", "boundary"))
    features = [
        {
            "type": "Feature",
            "geometry": boundaries[rid],
            "properties": {"code": index.nodes[rid].code, "name": index.nodes[rid].name, "open": open_by_region[rid]},
        }
        for rid in drawn
    ]
    return {"type": "FeatureCollection", "features": features}


@router.get("/routing/preview", summary="Which unit a new problem would go to, and by when if dispatched now")
def routing_preview(request, category: str, lat: float, lng: float, severity: str | None = None,
                    road_class: str = ""):
    ctx, index = active_plan(), region_index()
    category_obj = ctx.categories.get(category)
    if category_obj is None:
        raise InvalidInput.one("category", f"unknown category code {category!r}")
    region_id = index.locate(lng, lat)
    if region_id is None:
        raise InvalidInput.one("lat", "the point is outside every region")
    severity = severity or ctx.severity_codes[0]
    suggestion = suggest_unit(ctx, index, category=category_obj, region_id=region_id, road_class=road_class)
    limit = time_limit_for(ctx, category_obj, severity)
    chain = [n.name for n in reversed(index.ancestors(region_id))]
    return {
        "unit": {"code": suggestion.unit.code, "name": suggestion.unit.name} if suggestion.unit else None,
        "reason": suggestion.reason,
        "time_limit": limit.label(),
        "due_at_if_dispatched_now": timezone.localtime(ctx.calendar.deadline(timezone.now(), limit)),
        "region": {"code": index.nodes[region_id].code, "name": " / ".join(chain)},
    }

