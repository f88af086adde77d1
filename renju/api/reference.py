"""Reference data other systems need to file problems: categories, units, regions."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from ninja import Router

from renju.api.present import category_out, region_out, unit_out
from renju.api.schemas import CategoryOut, RegionOut, UnitOut
from renju.plans.active import active_plan, initials_match
from renju.plans.models import Category, CheckItem, Region

router = Router(tags=["reference"])


@router.get("/me", summary="Who the caller is")
def me(request) -> dict:
    user = request.auth
    return {
        "username": user.username,
        "role": user.role,
        "unit": user.unit.code if user.unit_id else None,
    }


@router.get("/categories", response=list[CategoryOut], summary="Problem categories of the active plan")
def categories(request, task: int | None = None, domain: str | None = None, q: str | None = None,
               national_code: str | None = None):
    ctx = active_plan()
    plan = ctx.plan
    rows = (
        Category.objects.filter(plan=plan, active=True)
        .select_related("task", "default_unit")
        .prefetch_related(Prefetch("check_items", queryset=CheckItem.objects.select_related("standard")))
    )
    if task is not None:
        rows = rows.filter(task__number=task)
    if domain:
        rows = rows.filter(task__domain=domain)
    if national_code:
        rows = rows.filter(national_code=national_code)
    out = [category_out(c, list(c.check_items.all()), ctx.initials.get(c.id, "")) for c in rows]
    if q:
        # By name, code, national code or pinyin initials ("blj" finds 暴露垃圾), as inspectors type.
        needle = q.strip().lower()
        out = [c for c in out if needle in c["name"] or needle in c["code"].lower()
               or (c["national_code"] or "").startswith(needle) or initials_match(needle, c["initials"])]
        # Closest first: the initials starting with what was typed, then the rest in plan order.
        out.sort(key=lambda c: not c["initials"].startswith(needle[:1]))
    return out


@router.get("/units", response=list[UnitOut], summary="Responsible units of the active plan")
def units(request, group: str | None = None, kind: str | None = None, q: str | None = None):
    rows = active_plan().plan.units.filter(active=True).select_related("group", "region")
    if group:
        rows = rows.filter(group__code=group)
    if kind:
        rows = rows.filter(kind=kind)
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(full_name__icontains=q))
    return [unit_out(u) for u in rows]


@router.get("/regions", response=list[RegionOut], summary="Regions (filter by kind, parent, code or name)")
def regions(request, kind: str | None = None, parent: str | None = None, code: str | None = None,
            q: str | None = None, lat: float | None = None, lng: float | None = None, geometry: bool = False):
    rows = Region.objects.select_related("parent")
    if lat is not None and lng is not None:
        from renju.plans.geo import region_index

        leaf = region_index().locate(lng, lat)
        rows = rows.filter(id__in=[n.id for n in region_index().ancestors(leaf)] if leaf else [])
    if kind:
        rows = rows.filter(kind=kind)
    if parent:
        rows = rows.filter(parent__code=parent)
    if code:
        rows = rows.filter(code=code)
    if q:
        rows = rows.filter(name__icontains=q)
    return [region_out(r, r.parent.code if r.parent else None, geometry) for r in rows]
