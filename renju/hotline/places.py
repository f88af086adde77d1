"""A place from address text: the region names the text mentions, the most specific one that fits the others.

Names are matched whole (崖头街道, 东于家岭村, 滨华社区第1网格) and without their kind word (崖头, 东于家岭), because
callers say "崖头" and "于家岭" far more often than the official names. Short bare names are risky: two-character
stems of villages and communities (滨华, 青山) are common words or road names, so only towns', streets' and areas'
stems that short are used, never when a road word follows them (成山大道 is a road in 崖头, not 成山镇), and never
the few that are ordinary words (人和, 港湾, 东山, 桃园, 城西 "west of town").

Among the regions found, the winner has the most of its own ancestors also named in the text, then is the deepest
(grid, village/community, town/street), then the longest name. A region a problem can be filed at must be a town,
street or deeper: an area (石岛管理区) or the city alone would put the problem at an arbitrary street of it, and
route it to that street's unit, so such an order is left for a dispatcher to place by hand. The point is the
region's representative point (shapely: always inside the polygon), which the region index confirms lies in a grid
of that region.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from django.db.models import Count, Max
from shapely.geometry import shape

from renju.plans.geo import region_index
from renju.plans.models import Region

DEPTH = {"city": 0, "area": 1, "town": 2, "street": 2, "village": 3, "community": 3, "grid": 4}
PLACEABLE_DEPTH = 2
SUFFIXES = ("旅游度假区", "经济开发区", "管理区", "开发区", "街道", "社区", "镇", "乡", "村")
AMBIGUOUS_STEMS = frozenset({"人和", "港湾", "东山", "桃园", "经济", "城西"})
ROAD_WORDS = r"(?!大道|大街|路|街|巷|桥)"


@dataclass(frozen=True)
class Place:
    region_id: int
    code: str
    name: str
    kind: str
    matched: str  # the words of the text that named it
    lat: float | None
    lng: float | None
    mentioned: tuple[str, ...]  # every region name found, for the dispatcher to see

    @property
    def placeable(self) -> bool:
        return self.lat is not None


@dataclass(frozen=True)
class _Name:
    region_id: int
    depth: int
    full: bool


class PlaceIndex:
    def __init__(self, rows: list[tuple[int, str, str, str, int | None]]) -> None:
        self.regions = {r[0]: r for r in rows}
        self.parent = {r[0]: r[4] for r in rows}
        names: dict[str, list[_Name]] = {}
        stems: dict[str, list[_Name]] = {}
        for rid, _code, name, kind, _parent in rows:
            depth = DEPTH.get(kind, 4)
            names.setdefault(name, []).append(_Name(rid, depth, True))
            stem = _stem(name, kind)
            if stem:
                stems.setdefault(stem, []).append(_Name(rid, depth, False))
        self.names = {**{k: v for k, v in stems.items() if k not in names}, **names}
        full = sorted(names, key=len, reverse=True)
        short = sorted((s for s in stems if s not in names), key=len, reverse=True)
        alternatives = [re.escape(n) for n in full] + [re.escape(s) + ROAD_WORDS for s in short]
        alternatives.sort(key=len, reverse=True)
        self.pattern = re.compile("|".join(alternatives)) if alternatives else None
        self._points: dict[int, tuple[float, float] | None] = {}

    def ancestors(self, region_id: int) -> set[int]:
        out, node = set(), self.parent.get(region_id)
        while node is not None:
            out.add(node)
            node = self.parent.get(node)
        return out

    def find(self, text: str) -> Place | None:
        """The most specific region `text` names, with a point inside it when it is specific enough."""
        if not text or self.pattern is None:
            return None
        found: dict[int, str] = {}
        for m in self.pattern.finditer(text):
            for candidate in self.names.get(m.group(0), ()):
                found.setdefault(candidate.region_id, m.group(0))
        if not found:
            return None
        ids = set(found)

        def rank(rid: int) -> tuple:
            kind = self.regions[rid][3]
            return (len(self.ancestors(rid) & ids), DEPTH.get(kind, 4), len(found[rid]), -rid)

        best = max(ids, key=rank)
        _rid, code, name, kind, _parent = self.regions[best]
        point = self.point(best) if DEPTH.get(kind, 4) >= PLACEABLE_DEPTH else None
        mentioned = tuple(sorted({self.regions[r][2] for r in ids}))
        return Place(best, code, name, kind, found[best], point[0] if point else None,
                     point[1] if point else None, mentioned)

    def point(self, region_id: int) -> tuple[float, float] | None:
        """(lat, lng) inside the region, in one of its own grids."""
        if region_id not in self._points:
            self._points[region_id] = _inside_point(region_id)
        return self._points[region_id]


def _stem(name: str, kind: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            shortest = 2 if DEPTH.get(kind, 4) <= PLACEABLE_DEPTH else 3
            if len(stem) >= shortest and stem not in AMBIGUOUS_STEMS:
                return stem
            return ""
    return ""


def _inside_point(region_id: int) -> tuple[float, float] | None:
    index = region_index()
    boundary = Region.objects.filter(pk=region_id).values_list("boundary", flat=True).first()
    if boundary is None:
        return None
    candidates = [shape(boundary).representative_point()]
    # The representative point lies in the region; the index must also find it in a grid under the region
    # (children cover their parents in a loaded file, but a hand-made file may leave gaps): else take a grid's own.
    leaf = next((rid for rid in index.descendant_ids(region_id) if rid not in index.children), None)
    if leaf is not None and leaf != region_id:
        leaf_boundary = Region.objects.filter(pk=leaf).values_list("boundary", flat=True).first()
        candidates.append(shape(leaf_boundary).representative_point())
    for p in candidates:
        located = index.locate(p.x, p.y)
        if located is not None and (located == region_id or region_id in {n.id for n in index.ancestors(located)}):
            return round(p.y, 6), round(p.x, 6)
    return None


_lock = threading.Lock()
_cache: dict = {"version": None, "index": None}


def place_index() -> PlaceIndex:
    """The index of the regions now loaded, rebuilt when they change."""
    agg = Region.objects.aggregate(n=Count("id"), m=Max("id"), u=Max("updated_at"))
    version = (agg["n"], agg["m"], agg["u"])
    with _lock:
        if _cache["version"] != version:
            rows = list(Region.objects.values_list("id", "code", "name", "kind", "parent_id"))
            _cache.update(version=version, index=PlaceIndex(rows))
        return _cache["index"]


def place_from_text(address: str, content: str = "") -> Place | None:
    """The place an order's address names; the complaint text is read only when the address names none that can be
    filed at (callers often leave the address field empty and say it in the text)."""
    index = place_index()
    place = index.find(address)
    if place is not None and place.placeable:
        return place
    from_content = index.find(content)
    if from_content is not None and from_content.placeable:
        return from_content
    return place or from_content
