"""A place from address text: region names matched, the most specific consistent one wins, and an order with no
usable place waits for a dispatcher instead of being filed somewhere invented."""

from __future__ import annotations

import pytest

from renju.hotline.intake import hotline_order_place
from renju.hotline.models import HotlineOrder
from renju.hotline.places import place_from_text, place_index
from renju.plans.geo import region_index
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.problems.models import Photo
from tests.conftest import point_in, prepared_photo


def inside(place, region_code: str) -> bool:
    index = region_index()
    leaf = index.locate(place.lng, place.lat)
    return leaf is not None and region_code in {n.code for n in index.ancestors(leaf)}


@pytest.mark.django_db
def test_a_community_in_the_address_places_the_problem_inside_that_community():
    place = place_from_text("荣成市崖头街道滨华社区府新路88号")
    assert (place.name, place.kind, place.matched) == ("滨华社区", "community", "滨华社区")
    assert place.placeable and inside(place, "371082001001")
    assert set(place.mentioned) == {"荣成市", "崖头街道", "滨华社区"}


@pytest.mark.django_db
def test_a_bare_town_name_without_its_kind_word_is_understood():
    place = place_from_text("俚岛那边的海边")
    assert (place.name, place.matched) == ("俚岛镇", "俚岛") and inside(place, "371082011")


@pytest.mark.django_db
def test_a_village_name_without_村_is_matched_and_beats_its_town():
    place = place_from_text("成山镇南泊子西头")
    assert place.name == "南泊子村" and inside(place, "371082012001")


@pytest.mark.django_db
def test_a_road_named_after_a_town_is_not_that_town():
    # 成山大道 is a road of the city seat; it must not put the problem in 成山镇.
    assert place_from_text("成山大道与府新路交叉口") is None


@pytest.mark.django_db
def test_a_grid_is_the_most_specific_match():
    place = place_from_text("滨华社区第2网格内")
    assert place.kind == "grid" and place.code == "371082001001002"
    assert region_index().locate(place.lng, place.lat) == place.region_id


@pytest.mark.django_db
def test_names_that_agree_with_each_other_win_over_a_stray_deeper_one():
    # 东于家岭村 is in 俚岛镇; 滨华社区 is elsewhere. The text names 俚岛镇 too, so its village wins.
    place = place_index().find("俚岛镇东于家岭村，亲戚住滨华社区")
    assert place.name == "东于家岭村"


@pytest.mark.django_db
def test_an_area_alone_is_too_wide_to_file_at_and_nothing_at_all_is_no_place():
    area = place_from_text("石岛管理区")
    assert area.name == "石岛管理区" and not area.placeable
    assert place_from_text("我家楼下", "不知道具体在哪") is None


@pytest.mark.django_db
def test_the_complaint_text_is_read_when_the_address_names_no_place():
    place = place_from_text("", "港西镇后泉水村附近道路破损严重")
    assert place.name == "后泉水村"


@pytest.mark.django_db
def test_an_order_without_a_place_is_kept_unlocated_with_its_photos_and_no_problem(receive):
    order = receive(address="路口东边", content="路灯坏了好几天", photos=[prepared_photo(2)])
    assert order.problem is None and order.located_by == "none"
    assert len(order.pending_photos) == 1


@pytest.mark.django_db
def test_an_order_naming_only_an_area_keeps_the_name_for_the_dispatcher(receive):
    order = receive(address="石岛管理区", content="路灯坏了好几天")
    assert order.problem is None and order.located_name == "石岛管理区"


@pytest.mark.django_db
def test_a_dispatcher_places_an_unlocated_order_by_a_point_and_its_photos_go_with_the_problem(receive, users):
    order = receive(address="路口东边", content="路灯坏了好几天", photos=[prepared_photo(2)])
    lat, lng = point_in("371082009")
    placed = hotline_order_place(actor=users["dispatcher"], order_id=order.id, lat=lat, lng=lng)
    assert placed.located_by == "manual" and placed.problem.source == "hotline"
    assert placed.problem.reporter == users["dispatcher"] and placed.pending_photos == []
    assert Photo.objects.filter(problem=placed.problem).count() == 1


@pytest.mark.django_db
def test_a_dispatcher_may_place_an_order_by_choosing_a_region(receive, users):
    order = receive(address="石岛管理区", content="路灯坏了好几天")
    placed = hotline_order_place(actor=users["dispatcher"], order_id=order.id, region_code="371082004")
    assert placed.located_name == "港湾街道" and placed.problem.region.code.startswith("371082004")


@pytest.mark.django_db
def test_placing_refuses_bad_points_unknown_regions_twice_placed_orders_and_other_roles(receive, users):
    order = receive(address="路口东边", content="路灯坏了好几天")
    dispatcher = users["dispatcher"]
    with pytest.raises(InvalidInput) as outside:
        hotline_order_place(actor=dispatcher, order_id=order.id, lat=39.9, lng=116.4)
    assert "lat" in outside.value.errors
    with pytest.raises(InvalidInput) as unknown:
        hotline_order_place(actor=dispatcher, order_id=order.id, region_code="nowhere")
    assert "region" in unknown.value.errors
    with pytest.raises(InvalidInput):
        hotline_order_place(actor=dispatcher, order_id=order.id)
    with pytest.raises(ActionForbidden):
        hotline_order_place(actor=users["inspector"], order_id=order.id, region_code="371082004")
    assert HotlineOrder.objects.get(pk=order.id).problem is None
    hotline_order_place(actor=dispatcher, order_id=order.id, region_code="371082004")
    with pytest.raises(InvalidInput) as again:
        hotline_order_place(actor=dispatcher, order_id=order.id, region_code="371082004")
    assert "order" in again.value.errors
