"""Point-in-region lookup over the leaf regions (grids, or the deepest regions a file has).

Single lookups (every problem report) use a uniform bucket grid laid over the leaves: most buckets lie wholly inside
one leaf, which answers the lookup with no geometry test at all; the rest hold the two or three leaves whose
bounding boxes cross them, tested with GEOS on prepared polygons. Batches use shapely's STRtree, vectorised.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.db.models import Count, Max
from shapely.geometry import shape

from renju.plans.models import Region

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine); plenty for the tens to hundreds of metres compared here."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class RegionNode:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None


class RegionIndex:
    def __init__(self, nodes: list[RegionNode], boundaries: dict[int, dict]) -> None:
        self.nodes = {n.id: n for n in nodes}
        self.by_code = {n.code: n for n in nodes}
        self.children: dict[int, list[int]] = {}
        for n in nodes:
            if n.parent_id is not None:
                self.children.setdefault(n.parent_id, []).append(n.id)
        leaves = sorted((n for n in nodes if n.id not in self.children), key=lambda n: n.code)
        self.leaf_ids = np.array([n.id for n in leaves], dtype=np.int64)
        self.leaf_geoms = [shape(boundaries[n.id]) for n in leaves]
        for g in self.leaf_geoms:
            shapely.prepare(g)
        self.tree = shapely.STRtree(self.leaf_geoms)
        self._build_buckets()

    def _build_buckets(self) -> None:
        self._ids = self.leaf_ids.tolist()
        self._bounds = [tuple(b) for b in shapely.bounds(self.leaf_geoms).tolist()] if self.leaf_geoms else []
        self._inside: dict[int, int] = {}
        self._candidates: dict[int, list[int]] = {}
        if not self.leaf_geoms:
            self._x0 = self._y0 = self._sx = self._sy = 0.0
            self._n = 1
            return
        x0, y0, x1, y1 = shapely.total_bounds(self.leaf_geoms)
        # About nine buckets per leaf: small enough that most buckets fall wholly inside one leaf.
        n = max(1, int(np.sqrt(len(self.leaf_geoms)) * 3))
        self._x0, self._y0, self._n = x0, y0, n
        self._sx = n / ((x1 - x0) or 1.0)
        self._sy = n / ((y1 - y0) or 1.0)
        for k, (bx0, by0, bx1, by1) in enumerate(self._bounds):
            for i in range(self._cell(bx0, self._x0, self._sx), self._cell(bx1, self._x0, self._sx) + 1):
                for j in range(self._cell(by0, self._y0, self._sy), self._cell(by1, self._y0, self._sy) + 1):
                    self._candidates.setdefault(i * n + j, []).append(k)  # k ascends: lowest code first
        keys = np.array(sorted(self._candidates), dtype=np.int64)
        ci, cj = keys // n, keys % n
        boxes = shapely.box(x0 + ci / self._sx, y0 + cj / self._sy, x0 + (ci + 1) / self._sx, y0 + (cj + 1) / self._sy)
        box_idx, leaf_idx = self.tree.query(boxes, predicate="within")
        keep = shapely.contains_properly(np.array(self.leaf_geoms, dtype=object)[leaf_idx], boxes[box_idx])
        for b, k in zip(box_idx[keep].tolist(), leaf_idx[keep].tolist(), strict=True):
            self._inside[int(keys[b])] = self._ids[k]

    @staticmethod
    def _cell(value: float, origin: float, scale: float) -> int:
        return int((value - origin) * scale)

    def locate(self, lng: float, lat: float) -> int | None:
        """The id of the leaf region containing the point (boundary points go to the lowest code), or None."""
        if lng < self._x0 or lat < self._y0:  # int() truncates towards zero: keep points west/south out
            return None
        i, j = int((lng - self._x0) * self._sx), int((lat - self._y0) * self._sy)
        if i > self._n or j > self._n:
            return None
        key = i * self._n + j
        inside = self._inside.get(key)
        if inside is not None:
            return inside
        for k in self._candidates.get(key, ()):
            bx0, by0, bx1, by1 = self._bounds[k]
            if bx0 <= lng <= bx1 and by0 <= lat <= by1 and shapely.intersects_xy(self.leaf_geoms[k], lng, lat):
                return self._ids[k]
        return None

    def locate_many(self, lngs: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Vectorised `locate`: -1 where a point is in no region."""
        points = shapely.points(lngs, lats)
        point_idx, tree_idx = self.tree.query(points, predicate="intersects")
        out = np.full(len(points), -1, dtype=np.int64)
        # Reverse order so that, for boundary points, the lowest leaf index is written last and wins.
        order = np.lexsort((-tree_idx, point_idx))
        out[point_idx[order]] = self.leaf_ids[tree_idx[order]]
        return out

    def ancestors(self, region_id: int) -> list[RegionNode]:
        """The region itself, then its parent, up to the root."""
        chain = []
        node = self.nodes.get(region_id)
        while node is not None:
            chain.append(node)
            node = self.nodes.get(node.parent_id) if node.parent_id is not None else None
        return chain

    def descendant_ids(self, region_id: int) -> list[int]:
        out, stack = [], [region_id]
        while stack:
            rid = stack.pop()
            out.append(rid)
            stack.extend(self.children.get(rid, ()))
        return out


# As for the active plan: a process re-checks the regions' version at most this often.
RECHECK_SECONDS = 2.0

_lock = threading.Lock()
_cache: tuple[tuple, RegionIndex] | None = None
_checked_at = 0.0


def _version() -> tuple:
    agg = Region.objects.aggregate(n=Count("id"), m=Max("id"), u=Max("updated_at"))
    return (agg["n"], agg["m"], agg["u"])


def region_index() -> RegionIndex:
    """The index for the regions now in the database, rebuilt only when they have changed."""
    global _cache, _checked_at
    now = time.monotonic()
    cached = _cache
    if cached is not None and now - _checked_at < RECHECK_SECONDS:
        return cached[1]
    version = _version()
    with _lock:
        if _cache is None or _cache[0] != version:
            rows = list(Region.objects.values_list("id", "code", "name", "kind", "parent_id", "boundary"))
            nodes = [RegionNode(r[0], r[1], r[2], r[3], r[4]) for r in rows]
            _cache = (version, RegionIndex(nodes, {r[0]: r[5] for r in rows}))
        _checked_at = now
        return _cache[1]


def forget_region_index() -> None:
    """Ask the database again on next use (after loading regions, or when a test rolls the database back)."""
    global _checked_at
    _checked_at = 0.0
