"""The active plan, with what every problem needs from it held in memory (categories, units, rules, calendar).

Reloaded when the plan row changes, so one `loadplan` is seen by every process on its next request.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

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
    initials: dict[int, str]  # category id → pinyin initials of its name ("blj" for 暴露垃圾)

    @property
    def severity_codes(self) -> list[str]:
        return [s["code"] for s in self.plan.severities]


# How long a process trusts its copy before asking the database whether the plan changed: a `loadplan` run
# elsewhere is seen within this many seconds, and a busy server does not pay a query per request for it.
RECHECK_SECONDS = 2.0

_lock = threading.Lock()
_cache: dict[tuple, PlanContext] = {}
_checked_at = 0.0
_current: PlanContext | None = None


def active_plan() -> PlanContext:
    global _checked_at, _current
    now = time.monotonic()
    if _current is not None and now - _checked_at < RECHECK_SECONDS:
        return _current
    row = m.Plan.objects.filter(is_active=True).values_list("id", "content_hash", "loaded_at").first()
    if row is None:
        raise NoActivePlan("no plan is loaded; run `renju loadplan plans/rongcheng-2023.yaml`")
    with _lock:
        context = _cache.get(row)
        if context is None:
            context = _build(row[0])
            if len(_cache) >= 4:
                _cache.clear()
            _cache[row] = context
        _current, _checked_at = context, now
        return context


def forget_active_plan() -> None:
    """Ask the database again on next use (after loading a plan, or when a test rolls the database back)."""
    global _checked_at
    _checked_at = 0.0


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
        initials={c.id: pinyin_initials(c.name) for c in categories},
    )


def initials_match(typed: str, initials: str) -> bool:
    """Typed letters match when they appear in the initials in order: people type "blj" for 暴露垃圾 (bllj)."""
    letters = iter(initials)
    return all(ch in letters for ch in typed)


def pinyin_initials(text: str) -> str:
    """First letters of each character's pinyin, lower case; other characters dropped."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(letter for letter in letters if letter.isascii() and letter.isalnum()).lower()
