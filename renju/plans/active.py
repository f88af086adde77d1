"""The active plan, with what every problem needs from it held in memory (categories, units, rules, calendar).

Reloaded when the plan row changes, so one `loadplan` is seen by every process on its next request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from renju.plans import models as m
from renju.plans.worktime import WorkingCalendar


class NoActivePlan(Exception):
    pass


@dataclass
class PlanContext:
    plan: m.Plan
    categories: dict[str, m.Category]
    categories_by_id: dict[int, m.Category]
    units: dict[str, m.Unit]
    units_by_id: dict[int, m.Unit]
    territorial: dict[int, m.Unit]  # region id → the unit answering for that region
    rules: list[m.RoutingRule]
    check_items: dict[str, m.CheckItem]
    category_items: dict[int, set[str]]  # category id → codes of the check items it may cite
    calendar: WorkingCalendar

    @property
    def severity_codes(self) -> list[str]:
        return [s["code"] for s in self.plan.severities]


_lock = threading.Lock()
_cache: dict[tuple, PlanContext] = {}


def active_plan() -> PlanContext:
    row = m.Plan.objects.filter(is_active=True).values_list("id", "content_hash", "loaded_at").first()
    if row is None:
        raise NoActivePlan("no plan is loaded; run `renju loadplan plans/rongcheng-2023.yaml`")
    context = _cache.get(row)
    if context is not None:
        return context
    with _lock:
        context = _cache.get(row) or _build(row[0])
        _cache.clear()
        _cache[row] = context
        return context


def _build(plan_id: int) -> PlanContext:
    plan = m.Plan.objects.select_related("city_region").get(pk=plan_id)
    categories = list(plan.categories.filter(active=True).select_related("task", "default_unit"))
    units = list(plan.units.filter(active=True).select_related("group", "region"))
    items = {
        i.code: i for i in m.CheckItem.objects.filter(standard__plan=plan).select_related("standard")
    }
    through = m.Category.check_items.through.objects.filter(category__plan=plan).values_list(
        "category_id", "checkitem__code"
    )
    category_items: dict[int, set[str]] = {}
    for category_id, code in through:
        category_items.setdefault(category_id, set()).add(code)
    return PlanContext(
        plan=plan,
        categories={c.code: c for c in categories},
        categories_by_id={c.id: c for c in categories},
        units={u.code: u for u in units},
        units_by_id={u.id: u for u in units},
        territorial={u.region_id: u for u in units if u.region_id},
        rules=list(plan.routing_rules.select_related("unit")),
        check_items=items,
        category_items=category_items,
        calendar=WorkingCalendar.from_plan_json(plan.working_calendar),
    )
