"""Load a region tree from GeoJSON: validate every feature first, then write all of it in one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import shapely
from django.db import transaction
from shapely.geometry import shape
from shapely.validation import explain_validity

from renju.plans.errors import LoadError
from renju.plans.geo import forget_region_index
from renju.plans.models import Region

KIND_RANK = {"city": 0, "area": 1, "town": 2, "street": 2, "village": 3, "community": 3, "grid": 4}
# Nesting is checked with a tolerance of about 1 cm, so coordinates rounded to 6 decimals do not fail it.
NESTING_TOLERANCE_DEG = 1e-7
OVERLAP_TOLERANCE_AREA = 1e-10


@dataclass
class RegionFeature:
    code: str
    name: str
    kind: str
    parent: str | None
    geometry: dict
    demo: bool
    shape: shapely.Geometry


@dataclass
class RegionLoadResult:
    created: int
    updated: int
    unchanged: int


def regions_read(path: Path | str) -> list[RegionFeature]:
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise LoadError(source, ["file not found"]) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LoadError(source, [f"not valid JSON: {exc}"]) from exc
    return regions_validate(data, source=source)


def regions_validate(data: object, *, source: str) -> list[RegionFeature]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise LoadError(source, ["top level: expected a GeoJSON FeatureCollection"])
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise LoadError(source, ["features: expected a non-empty list"])
    errors: list[str] = []
    parsed: list[RegionFeature] = []
    for i, feature in enumerate(features):
        where = f"features[{i}]"
        item = _feature(feature, where, errors)
        if item is not None:
            parsed.append(item)
    if errors:
        raise LoadError(source, errors)
    _check_tree(parsed, errors)
    if errors:
        raise LoadError(source, errors)
    return parsed


def _feature(feature: object, where: str, errors: list[str]) -> RegionFeature | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        errors.append(f"{where}: expected a GeoJSON Feature")
        return None
    props = feature.get("properties") or {}
    code = props.get("code")
    if not isinstance(code, str) or not code.strip():
        errors.append(f"{where}.properties.code: required, a non-empty string")
        return None
    where = f"{where} ({code})"
    name = props.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append(f"{where}.properties.name: required, a non-empty string")
    kind = props.get("kind")
    if kind not in KIND_RANK:
        errors.append(f"{where}.properties.kind: must be one of {', '.join(KIND_RANK)}, got {kind!r}")
    parent = props.get("parent")
    if parent is not None and not isinstance(parent, str):
        errors.append(f"{where}.properties.parent: must be a region code or null")
    geometry = feature.get("geometry")
    geom = _geometry(geometry, where, errors)
    if geom is None or not isinstance(name, str) or kind not in KIND_RANK:
        return None
    return RegionFeature(code, name.strip(), kind, parent, geometry, bool(props.get("demo", False)), geom)


def _geometry(geometry: object, where: str, errors: list[str]) -> shapely.Geometry | None:
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        errors.append(f"{where}.geometry: expected a Polygon or MultiPolygon")
        return None
    coords = geometry.get("coordinates")
    polygons = [coords] if geometry["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        errors.append(f"{where}.geometry.coordinates: empty")
        return None
    ok = True
    for p, rings in enumerate(polygons):
        if not isinstance(rings, list) or not rings:
            errors.append(f"{where}.geometry: polygon {p} has no rings")
            ok = False
            continue
        for r, ring in enumerate(rings):
            if not _ring_is_closed(ring):
                errors.append(f"{where}.geometry: polygon {p} ring {r} is not closed (first point must equal last)")
                ok = False
            elif not all(-180 <= pt[0] <= 180 and -90 <= pt[1] <= 90 for pt in ring):
                errors.append(f"{where}.geometry: polygon {p} ring {r} has a point outside lon -180..180 / lat -90..90")
                ok = False
    if not ok:
        return None
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, shapely.errors.GEOSException) as exc:
        errors.append(f"{where}.geometry: cannot be read: {exc}")
        return None
    if geom.is_empty or not geom.is_valid:
        errors.append(f"{where}.geometry: invalid polygon: {explain_validity(geom)}")
        return None
    return geom


def _ring_is_closed(ring: object) -> bool:
    if not isinstance(ring, list) or len(ring) < 4:
        return False
    if not all(isinstance(pt, list | tuple) and len(pt) >= 2 for pt in ring):
        return False
    return list(ring[0][:2]) == list(ring[-1][:2])


def _check_tree(features: list[RegionFeature], errors: list[str]) -> None:
    by_code: dict[str, RegionFeature] = {}
    for f in features:
        if f.code in by_code:
            errors.append(f"region {f.code}: the code appears twice")
        by_code[f.code] = f
    existing = {
        r.code: r for r in Region.objects.filter(code__in={f.parent for f in features if f.parent} - set(by_code))
    }
    siblings: dict[str | None, list[RegionFeature]] = {}
    for f in features:
        siblings.setdefault(f.parent, []).append(f)
        if f.parent is None:
            continue
        parent = by_code.get(f.parent)
        if parent is not None:
            parent_kind, parent_shape = parent.kind, parent.shape
        elif f.parent in existing:
            parent_kind, parent_shape = existing[f.parent].kind, shape(existing[f.parent].boundary)
        else:
            errors.append(f"region {f.code}: parent {f.parent!r} is neither in the file nor already loaded")
            continue
        if KIND_RANK[parent_kind] >= KIND_RANK[f.kind]:
            errors.append(f"region {f.code}: a {f.kind} cannot sit under a {parent_kind} ({f.parent})")
        if not parent_shape.buffer(NESTING_TOLERANCE_DEG).covers(f.shape):
            outside = f.shape.difference(parent_shape).area
            errors.append(f"region {f.code}: not inside its parent {f.parent} ({outside:.3g} deg² outside)")
    for parent_code, group in siblings.items():
        tree = shapely.STRtree([g.shape for g in group])
        left, right = tree.query([g.shape for g in group], predicate="intersects")
        for a, b in zip(left.tolist(), right.tolist(), strict=True):
            if a < b and group[a].shape.intersection(group[b].shape).area > OVERLAP_TOLERANCE_AREA:
                errors.append(f"regions {group[a].code} and {group[b].code} overlap (siblings under {parent_code})")
    _check_cycles(by_code, errors)


def _check_cycles(by_code: dict[str, RegionFeature], errors: list[str]) -> None:
    for code in by_code:
        seen, current = set(), code
        while current in by_code and by_code[current].parent is not None:
            if current in seen:
                errors.append(f"region {code}: its parents form a cycle")
                break
            seen.add(current)
            current = by_code[current].parent


def regions_load(path: Path | str) -> RegionLoadResult:
    """Validate the whole file, then create or update every region in it (by code). Idempotent."""
    features = regions_read(path)
    ordered = sorted(features, key=lambda f: KIND_RANK[f.kind])
    created = updated = unchanged = 0
    with transaction.atomic():
        ids = dict(Region.objects.values_list("code", "id"))
        current = {r.code: r for r in Region.objects.filter(code__in=[f.code for f in features])}
        for f in ordered:
            min_lng, min_lat, max_lng, max_lat = f.shape.bounds
            values = {
                "name": f.name,
                "kind": f.kind,
                "parent_id": ids.get(f.parent) if f.parent else None,
                "boundary": f.geometry,
                "min_lng": min_lng,
                "min_lat": min_lat,
                "max_lng": max_lng,
                "max_lat": max_lat,
                "demo": f.demo,
            }
            region = current.get(f.code)
            if region is None:
                region = Region.objects.create(code=f.code, **values)
                ids[f.code] = region.id
                created += 1
            elif any(getattr(region, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(region, k, v)
                region.save()
                updated += 1
            else:
                unchanged += 1
        transaction.on_commit(forget_region_index)
    return RegionLoadResult(created, updated, unchanged)
