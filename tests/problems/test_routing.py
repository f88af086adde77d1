"""Routing: the plan's rules in order, then the category's unit; territorial means the town of the place."""

import pytest

from renju.plans.active import active_plan
from renju.plans.geo import region_index
from renju.plans.worktime import TimeLimit
from renju.problems.routing import suggest_unit, time_limit_for
from tests.conftest import point_in

pytestmark = pytest.mark.django_db


def suggest(category_code: str, region_code: str, road_class: str = ""):
    ctx, index = active_plan(), region_index()
    lat, lng = point_in(region_code)
    return suggest_unit(ctx, index, category=ctx.categories[category_code], region_id=index.locate(lng, lat),
                        road_class=road_class)


def test_road_damage_on_a_national_road_goes_to_the_highway_centre():
    assert suggest("06013", "371082017", "national_provincial").unit.code == "gonglu"


def test_road_damage_on_a_village_lane_goes_to_the_town():
    assert suggest("06013", "371082017", "back_lane").unit.code == "yinzi"


def test_arterial_road_damage_in_the_urban_core_goes_to_the_housing_bureau():
    suggestion = suggest("06013", "371082001", "arterial")
    assert suggestion.unit.code == "zhujianju"
    assert suggestion.reason.startswith("规则：")


def test_a_place_inside_an_area_but_under_a_town_goes_to_the_town():
    assert suggest("06010", "371082012").unit.code == "chengshan"  # 成山镇, inside 好运角旅游度假区


def test_a_place_the_area_manages_directly_goes_to_the_area():
    assert suggest("06010", "371082901001").unit.code == "kaifaqu"


def test_severity_picks_its_own_time_limit_when_the_plan_gives_one():
    ctx = active_plan()
    category = next(c for c in ctx.categories.values() if "urgent" in c.time_limits)
    assert time_limit_for(ctx, category, "urgent") == TimeLimit.from_json(category.time_limits["urgent"])


def test_without_a_limit_of_its_own_a_category_takes_the_plan_default():
    ctx = active_plan()
    category = ctx.categories["06010"]
    saved = (category.time_limit, category.time_limits)
    try:
        category.time_limit, category.time_limits = None, {}
        assert time_limit_for(ctx, category, "normal") == TimeLimit.from_json(ctx.plan.default_time_limit)
    finally:
        category.time_limit, category.time_limits = saved
