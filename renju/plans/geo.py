"""Point-in-region lookup. Leaf regions (grids, or the deepest regions a file has) sit in a shapely STRtree, so a
lookup touches a handful of candidate polygons instead of scanning every boundary."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import shapely
from django.db.models import Count, Max
from shapely.geometry import shape

from renju.plans.models import Region


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

    def locate(self, lng: float, lat: float) -> int | None:
        """The id of the leaf region containing the point (boundary points go to the lowest code), or None."""
        hits = self.tree.query(shapely.Point(lng, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return int(self.leaf_ids[int(hits.min())])

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


_lock = threading.Lock()
_cache: tuple[tuple, RegionIndex] | None = None


def _version() -> tuple:
    agg = Region.objects.aggregate(n=Count("id"), m=Max("id"), u=Max("updated_at"))
    return (agg["n"], agg["m"], agg["u"])


def region_index() -> RegionIndex:
    """The index for the regions now in the database, rebuilt only when they have changed."""
    global _cache
    version = _version()
    cached = _cache
    if cached is not None and cached[0] == version:
        return cached[1]
    with _lock:
        if _cache is not None and _cache[0] == version:
            return _cache[1]
        rows = list(Region.objects.values_list("id", "code", "name", "kind", "parent_id", "boundary"))
        nodes = [RegionNode(r[0], r[1], r[2], r[3], r[4]) for r in rows]
        index = RegionIndex(nodes, {r[0]: r[5] for r in rows})
        _cache = (version, index)
        return index
