"""Place names for drone photos: the town and village or community a point falls in (no query: the region index)."""

from __future__ import annotations

from renju.plans.geo import region_index

SHOWN_KINDS = ("area", "town", "street", "village", "community")  # the city is implied, grid codes mean nothing


def place_name(lat: float | None, lng: float | None) -> str:
    """"崖头街道 成山社区" for a point inside the plan's city; "" outside it or without a position."""
    if lat is None or lng is None:
        return ""
    index = region_index()
    region_id = index.locate(lng, lat)
    names: list[str] = []
    while region_id is not None:
        node = index.nodes[region_id]
        if node.kind in SHOWN_KINDS:
            names.append(node.name)
        region_id = node.parent_id
    return " ".join(reversed(names))
