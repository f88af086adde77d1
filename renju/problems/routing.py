"""Who should fix it and by when: the unit from category and place, the deadline from the plan's time limits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from renju.plans.active import PlanContext
from renju.plans.geo import RegionIndex
from renju.plans.models import Category, RoutingRule, Unit
from renju.plans.worktime import TimeLimit


@dataclass(frozen=True)
class Suggestion:
    unit: Unit | None
    reason: str


def territorial_unit(ctx: PlanContext, index: RegionIndex, region_id: int) -> Unit | None:
    """The town, street or area answering for the place: the nearest enclosing region that has a unit."""
    for node in index.ancestors(region_id):
        unit = ctx.territorial.get(node.id)
        if unit is not None:
            return unit
    return None


def _rule_matches(rule: RoutingRule, category: Category, region_codes: set[str], road_class: str) -> bool:
    match = rule.match
    if match.get("categories") and category.code not in match["categories"]:
        return False
    if match.get("tasks") and category.task.number not in match["tasks"]:
        return False
    if match.get("road_classes") and road_class not in match["road_classes"]:
        return False
    return not (match.get("regions") and not region_codes.intersection(match["regions"]))


def suggest_unit(
    ctx: PlanContext, index: RegionIndex, *, category: Category, region_id: int, road_class: str = ""
) -> Suggestion:
    """The plan's routing rules in order (first match wins), else the category's default unit."""
    region_codes = {n.code for n in index.ancestors(region_id)}
    for rule in ctx.rules:
        if _rule_matches(rule, category, region_codes, road_class):
            unit = territorial_unit(ctx, index, region_id) if rule.territorial else rule.unit
            return Suggestion(unit, f"规则：{rule.name}")
    if category.territorial:
        unit = territorial_unit(ctx, index, region_id)
        return Suggestion(unit, "属地责任：各区镇街" if unit else "属地责任，但该位置没有属地单位")
    if category.default_unit_id:
        return Suggestion(ctx.units_by_id.get(category.default_unit_id), f"问题类型「{category.name}」的责任单位")
    return Suggestion(None, "方案未规定责任单位，请派遣员指定")


def time_limit_for(ctx: PlanContext, category: Category, severity: str) -> TimeLimit:
    data = category.time_limits.get(severity) or category.time_limit or ctx.plan.default_time_limit
    return TimeLimit.from_json(data)


def deadline_for(ctx: PlanContext, category: Category, severity: str, start: dt.datetime) -> dt.datetime:
    return ctx.calendar.deadline(start, time_limit_for(ctx, category, severity))
