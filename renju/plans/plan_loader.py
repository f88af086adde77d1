"""Load a plan file: parse, validate whole, then write it in one transaction (or not at all).

Loading the same file twice changes nothing: the validated content is hashed and an unchanged plan is skipped.
Categories and units that disappear from a newer version are deactivated, not deleted, because problems
already filed keep pointing at them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction
from django.db.models import ProtectedError
from pydantic import ValidationError

from renju.plans import models as m
from renju.plans import schema
from renju.plans.active import forget_active_plan
from renju.plans.errors import LoadError


@dataclass
class PlanLoadResult:
    plan: m.Plan
    outcome: str  # "created", "updated" or "unchanged"


def plan_read(path: Path | str) -> schema.Plan:
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise LoadError(source, ["file not found"]) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise LoadError(source, [f"{where}not valid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    return plan_validate(data, source=source)


def plan_validate(data: object, *, source: str) -> schema.Plan:
    try:
        return schema.Plan.model_validate(data)
    except ValidationError as exc:
        raise LoadError(source, [_describe(e) for e in exc.errors()]) from exc


def _describe(error: dict) -> str:
    path = ".".join(str(p) for p in error["loc"]) or "(top level)"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field"
    return f"{path}: {message}"


def content_hash(plan: schema.Plan) -> str:
    canonical = json.dumps(plan.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def plan_load(path: Path | str, *, activate: bool = True) -> PlanLoadResult:
    source = str(path)
    doc = plan_read(path)
    digest = content_hash(doc)
    regions = _regions_needed(doc, source)
    with transaction.atomic():
        plan = m.Plan.objects.select_for_update().filter(code=doc.plan.code).first()
        if plan is not None and plan.content_hash == digest:
            if activate and not plan.is_active:
                _activate(plan)
            return PlanLoadResult(plan, "unchanged")
        outcome = "created" if plan is None else "updated"
        plan = _write_header(plan, doc, digest, source, regions)
        try:
            _write_body(plan, doc, regions)
        except ProtectedError as exc:
            raise LoadError(source, [f"cannot remove something problems still use: {exc.args[0]}"]) from exc
        if activate:
            _activate(plan)
        transaction.on_commit(forget_active_plan)
    return PlanLoadResult(plan, outcome)


def _regions_needed(doc: schema.Plan, source: str) -> dict[str, m.Region]:
    codes = {doc.plan.city_region} | {u.region for u in doc.units if u.region}
    for rule in doc.routing:
        codes |= set(rule.match.regions)
    found = {r.code: r for r in m.Region.objects.filter(code__in=codes)}
    missing = sorted(codes - set(found))
    if missing:
        raise LoadError(source, [f"region {c!r} is not loaded (load the region file first)" for c in missing])
    return found


def _activate(plan: m.Plan) -> None:
    m.Plan.objects.exclude(pk=plan.pk).filter(is_active=True).update(is_active=False)
    m.Plan.objects.filter(pk=plan.pk).update(is_active=True)
    plan.is_active = True


def _write_header(plan: m.Plan | None, doc: schema.Plan, digest: str, source: str, regions: dict) -> m.Plan:
    header = doc.plan
    values = {
        "name": header.name,
        "document": header.document,
        "issued_by": header.issued_by,
        "issued_on": header.issued_on,
        "city_region": regions[header.city_region],
        "number_prefix": header.number_prefix,
        "working_calendar": doc.working_calendar.model_dump(mode="json"),
        "default_time_limit": doc.default_time_limit.model_dump(mode="json"),
        "follow_up": doc.follow_up.model_dump(mode="json"),
        "assessment": doc.assessment.model_dump(mode="json") if doc.assessment else {},
        "intake": doc.intake.model_dump(mode="json"),
        "severities": [s.model_dump(mode="json") for s in doc.severities],
        "road_classes": doc.road_classes,
        "content_hash": digest,
        "source_path": source,
    }
    if plan is None:
        return m.Plan.objects.create(code=header.code, **values)
    for k, v in values.items():
        setattr(plan, k, v)
    plan.save()
    return plan


def _upsert(model, plan: m.Plan, key: str, rows: list[dict]) -> dict:
    """Create or update `rows` of `model` in `plan` by `key`; return {key: instance}."""
    existing = {getattr(o, key): o for o in model.objects.filter(plan=plan)}
    out = {}
    for position, row in enumerate(rows):
        row = {**row, "position": position} if "position" in {f.name for f in model._meta.fields} else row
        obj = existing.get(row[key])
        if obj is None:
            obj = model.objects.create(plan=plan, **row)
        else:
            changed = [k for k, v in row.items() if getattr(obj, k) != v]
            for k in changed:
                setattr(obj, k, row[k])
            if changed:
                obj.save(update_fields=changed)
        out[row[key]] = obj
    return out


def _write_body(plan: m.Plan, doc: schema.Plan, regions: dict) -> None:
    _upsert(m.Phase, plan, "code", [p.model_dump() for p in doc.phases])
    m.Phase.objects.filter(plan=plan).exclude(code__in=[p.code for p in doc.phases]).delete()
    groups = _upsert(m.RankingGroup, plan, "code", [{"code": g.code, "name": g.name} for g in doc.ranking_groups])
    m.RankingGroup.objects.filter(plan=plan).exclude(code__in=list(groups)).delete()

    units = _upsert(
        m.Unit,
        plan,
        "code",
        [
            {
                "code": u.code,
                "name": u.name,
                "full_name": u.full_name,
                "kind": u.kind,
                "group": groups.get(u.group) if u.group else None,
                "region": regions.get(u.region) if u.region else None,
                "active": True,
            }
            for u in doc.units
        ],
    )
    m.Unit.objects.filter(plan=plan).exclude(code__in=list(units)).update(active=False)

    standards = _upsert(
        m.Standard,
        plan,
        "code",
        [{"code": s.code, "name": s.name, "description": s.description} for s in doc.standards],
    )
    items: dict[str, m.CheckItem] = {}
    for s in doc.standards:
        standard = standards[s.code]
        standard.items.exclude(code__in=[i.code for i in s.items]).delete()
        for position, i in enumerate(s.items):
            item, _ = m.CheckItem.objects.update_or_create(
                standard=standard, code=i.code, defaults={"text": i.text, "position": position}
            )
            items[i.code] = item

    tasks = _upsert(
        m.Task,
        plan,
        "number",
        [{"number": t.number, "domain": t.domain, "title": t.title, "requirements": t.requirements} for t in doc.tasks],
    )
    for t in doc.tasks:
        task = tasks[t.number]
        task.standards.set([standards[s] for s in t.standards])
        task.task_units.all().delete()
        m.TaskUnit.objects.bulk_create(
            [
                m.TaskUnit(task=task, unit=None if code.startswith("@") else units[code],
                           marker=code if code.startswith("@") else "", position=position)
                for position, code in enumerate(t.units)
            ]
        )

    categories = _upsert(
        m.Category,
        plan,
        "code",
        [
            {
                "code": c.code,
                "name": c.name,
                "task": tasks[c.task],
                "national_code": c.national_code or "",
                "keywords": c.keywords,
                "time_limit": c.time_limit.model_dump() if c.time_limit else None,
                "time_limits": {k: v.model_dump() for k, v in c.time_limits.items()},
                "default_unit": units[c.unit] if c.unit and c.unit != schema.TERRITORIAL else None,
                "territorial": c.unit == schema.TERRITORIAL,
                "active": True,
            }
            for c in doc.categories
        ],
    )
    for c in doc.categories:
        categories[c.code].check_items.set([items[i] for i in c.check_items])
    m.Category.objects.filter(plan=plan).exclude(code__in=list(categories)).update(active=False)

    plan.routing_rules.all().delete()
    m.RoutingRule.objects.bulk_create(
        [
            m.RoutingRule(
                plan=plan,
                position=position,
                name=r.name,
                match=r.match.model_dump(),
                unit=None if r.unit == schema.TERRITORIAL else units[r.unit],
                territorial=r.unit == schema.TERRITORIAL,
                note=r.note,
            )
            for position, r in enumerate(doc.routing)
        ]
    )
    # Tasks and standards gone from the file go last: categories no longer point at them by now.
    m.Standard.objects.filter(plan=plan).exclude(code__in=list(standards)).delete()
    m.Task.objects.filter(plan=plan).exclude(number__in=list(tasks)).delete()
