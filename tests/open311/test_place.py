"""Placing a request that came without coordinates: region codes and names give a point inside that region."""

from __future__ import annotations

import pytest

from renju.open311.errors import Open311Error
from renju.open311.place import locate, match_address
from renju.plans.geo import region_index

pytestmark = pytest.mark.django_db


def test_every_region_code_but_the_citys_gives_a_point_the_index_places_inside_that_region():
    index = region_index()
    for node in index.nodes.values():
        if node.parent_id is None:
            continue
        place = locate(index, lat="", lng="", address_id=node.code, address_string="", photos=[])
        found = index.locate(place.lng, place.lat)
        assert found is not None and node.id in [n.id for n in index.ancestors(found)], node.code
        assert place.approximate and place.region_name == node.name


def test_the_city_alone_is_too_vague_to_place_anything():
    index = region_index()
    city = next(n for n in index.nodes.values() if n.parent_id is None)
    with pytest.raises(Open311Error) as caught:
        locate(index, lat="", lng="", address_id=city.code, address_string="", photos=[])
    assert caught.value.errors[0][1].startswith("address_id:")
    assert match_address(index, f"{city.name}某处") is None


def test_the_most_completely_named_place_wins():
    index = region_index()
    grid = next(n for n in index.nodes.values() if n.kind == "grid")
    chain = index.ancestors(grid.id)
    text = "".join(n.name for n in reversed(chain)) + "门口"
    assert match_address(index, text).id == grid.id
    assert match_address(index, f"{chain[1].name}附近").id == chain[1].id
