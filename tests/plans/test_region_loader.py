"""Loading regions from GeoJSON: geometry and nesting are checked, and nothing is written on error."""

import json

import pytest

from renju.plans.errors import LoadError
from renju.plans.geo import region_index
from renju.plans.models import Region
from renju.plans.region_loader import regions_load

pytestmark = pytest.mark.django_db


def square(x0, y0, size):
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


def feature(code, kind, parent, ring, name=None):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name or code, "kind": kind, "parent": parent},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def write(tmp_path, features):
    path = tmp_path / "regions.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def good_tree():
    return [
        feature("T", "city", None, square(100, 10, 1)),
        feature("T1", "town", "T", square(100, 10, 0.5)),
        feature("T1G1", "grid", "T1", square(100, 10, 0.25)),
    ]


def test_loading_a_valid_tree_creates_every_region_with_its_parent(tmp_path):
    result = regions_load(write(tmp_path, good_tree()))
    assert result.created == 3
    assert Region.objects.get(code="T1G1").parent.code == "T1"


def test_loading_the_same_file_twice_changes_nothing(tmp_path):
    path = write(tmp_path, good_tree())
    regions_load(path)
    again = regions_load(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_an_open_ring_is_refused_with_the_feature_named(tmp_path):
    tree = good_tree()
    tree[2]["geometry"]["coordinates"][0].pop()
    with pytest.raises(LoadError) as exc:
        regions_load(write(tmp_path, tree))
    assert "features[2] (T1G1).geometry: polygon 0 ring 0 is not closed" in str(exc.value)
    assert not Region.objects.filter(code__startswith="T").exists()


def test_a_self_intersecting_polygon_is_refused(tmp_path):
    bow_tie = [[100, 10], [100.2, 10.2], [100.2, 10], [100, 10.2], [100, 10]]
    tree = good_tree()
    tree[2] = feature("T1G1", "grid", "T1", bow_tie)
    with pytest.raises(LoadError, match="invalid polygon: Self-intersection"):
        regions_load(write(tmp_path, tree))


def test_a_child_sticking_out_of_its_parent_is_refused(tmp_path):
    tree = good_tree()
    tree[2] = feature("T1G1", "grid", "T1", square(100.4, 10, 0.25))
    with pytest.raises(LoadError, match="T1G1: not inside its parent T1"):
        regions_load(write(tmp_path, tree))


def test_overlapping_siblings_are_refused(tmp_path):
    tree = good_tree() + [feature("T1G2", "grid", "T1", square(100.1, 10, 0.25))]
    with pytest.raises(LoadError, match="T1G1 and T1G2 overlap"):
        regions_load(write(tmp_path, tree))


def test_an_unknown_parent_and_a_wrong_kind_order_are_both_reported(tmp_path):
    tree = good_tree() + [feature("X", "grid", "NOPE", square(100, 10.6, 0.1)),
                          feature("T1V", "town", "T1G1", square(100, 10, 0.1))]
    with pytest.raises(LoadError) as exc:
        regions_load(write(tmp_path, tree))
    text = str(exc.value)
    assert "parent 'NOPE' is neither in the file nor already loaded" in text
    assert "a town cannot sit under a grid" in text


def test_not_a_feature_collection_is_refused(tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(LoadError, match="expected a GeoJSON FeatureCollection"):
        regions_load(path)


def test_the_demo_geography_nests_and_every_point_finds_one_grid():
    index = region_index()
    grids = Region.objects.filter(kind="grid", demo=True)
    assert grids.count() >= 200
    for region in grids[:50]:
        from shapely.geometry import shape

        p = shape(region.boundary).representative_point()
        leaf = index.locate(p.x, p.y)
        assert leaf == region.id
        assert [n.kind for n in index.ancestors(leaf)][-1] == "city"
