"""Where a POSTed request is, from whichever location the client gave.

In order: lat & long; else the position a media photo carries in its EXIF; else address_id, read as the code of one
of our regions (grid, village, town …); else address_string, matched against the names of our regions. The last
two give the region's representative point: an approximate place, which the submission records (`located_by`)
and the service notice tells the client. No address is sent anywhere to be geocoded (intranet).
"""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import shape

from renju.open311.errors import Open311Error
from renju.plans.geo import RegionIndex, RegionNode
from renju.plans.models import Region
from renju.problems.photos import PreparedPhoto


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float
    located_by: str
    region_name: str = ""

    @property
    def approximate(self) -> bool:
        return self.located_by in ("address_id", "address_string")


def _number(name: str, value: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise Open311Error.bad(name, f"{value!r} is not a number") from None
    if not low <= number <= high:  # also refuses nan and inf
        raise Open311Error.bad(name, f"must be between {low:g} and {high:g}")
    return number


def _region_point(index: RegionIndex, node: RegionNode, located_by: str) -> Place:
    """A point inside the region that the index also places inside it: the region's representative point, or, when
    its grids do not cover that spot, the representative point of its first grid."""
    boundary = Region.objects.filter(pk=node.id).values_list("boundary", flat=True).first()
    point = shape(boundary).representative_point()
    inside = set(index.descendant_ids(node.id))
    if index.locate(point.x, point.y) not in inside:
        leaves = [k for k, leaf_id in enumerate(index.leaf_ids.tolist()) if leaf_id in inside]
        if leaves:
            point = index.leaf_geoms[leaves[0]].representative_point()
    return Place(round(point.y, 6), round(point.x, 6), located_by, node.name)


def match_address(index: RegionIndex, text: str) -> RegionNode | None:
    """The region an address names: among regions whose name appears in the text, the one with most of its own
    chain named (崖头街道滨华社区第1网格 → that grid), deepest first. Two equally good different answers = none."""
    scored = []
    for node in index.nodes.values():
        if node.parent_id is None or len(node.name) < 2 or node.name not in text:
            continue  # the city alone says nothing about where in it
        chain = index.ancestors(node.id)
        scored.append(((sum(n.name in text for n in chain), len(chain), len(node.name)), node))
    if not scored:
        return None
    scored.sort(key=lambda s: s[0], reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0] and scored[0][1].id != scored[1][1].id:
        raise Open311Error.bad("address_string", f"names more than one place ({scored[0][1].name} …); "
                                                 "add the town or street, or send lat and long")
    return scored[0][1]


def locate(index: RegionIndex, *, lat: str, lng: str, address_id: str, address_string: str,
           photos: list[PreparedPhoto]) -> Place:
    if lat or lng:
        if not (lat and lng):
            raise Open311Error.bad("lat" if not lat else "long", "lat and long must be sent together")
        return Place(_number("lat", lat, -90, 90), _number("long", lng, -180, 180), "coordinates")
    with_position = next((p for p in photos if p.lat is not None and p.lng is not None), None)
    if with_position is not None:
        return Place(with_position.lat, with_position.lng, "media_exif")
    if address_id:
        node = index.by_code.get(address_id)
        if node is not None and node.parent_id is not None:
            return _region_point(index, node, "address_id")
        if not address_string:
            raise Open311Error.bad("address_id", f"{address_id!r} is not the code of a region of ours")
    if address_string:
        node = match_address(index, address_string)
        if node is None:
            raise Open311Error.bad("address_string", "names no town, street, village, community or grid we know; "
                                                     "send lat and long")
        return _region_point(index, node, "address_string")
    raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
