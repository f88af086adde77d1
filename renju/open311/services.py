"""Discovery, the service list and service definitions, all read from the active plan in memory.

Each active category of the plan is a service: its code is the service_code, its task's title the group, its
keywords the keywords. Every service has a definition (metadata true) whose attributes are what an outside platform
can usefully tell us beyond place and text: severity, the check item broken, the road class (it changes who is
responsible), the source, when it was found, and its own id for safe retries. What only our staff decide (明查/暗访,
key problem) is not offered.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from renju.open311.errors import Open311Error
from renju.open311.render import Many
from renju.plans.active import PlanContext
from renju.plans.models import Category
from renju.problems.models import Source
from renju.problems.routing import time_limit_for

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ("text/xml", "application/json")
# Sources an outside platform may claim with attribute[source]; the default is the hotline (12345 and the apps
# that feed it are why Open311 is here). Drones, video-AI and self-checks have their own doors.
SOURCES_ALLOWED = (Source.HOTLINE, Source.REFERRAL, Source.INSPECTION)
DEFAULT_SOURCE = Source.HOTLINE
DEFAULT_CONTACT = "人居环境综合整治工作专班（请联系平台管理员）"
DEFAULT_KEY_SERVICE = "接口密钥（api_key）由平台管理员为接口账号签发：renju apitoken 用户名"


def discovery_out(ctx: PlanContext, endpoint_url: str) -> dict:
    changeset = timezone.localtime(ctx.plan.loaded_at).strftime("%Y-%m-%d %H:%M")
    return {
        "changeset": changeset,
        "contact": getattr(settings, "RENJU_OPEN311_CONTACT", "") or DEFAULT_CONTACT,
        "key_service": getattr(settings, "RENJU_OPEN311_KEY_SERVICE", "") or DEFAULT_KEY_SERVICE,
        "endpoints": Many("endpoint", [{
            "specification": SPECIFICATION,
            "url": endpoint_url,
            "changeset": changeset,
            "type": "production",
            "formats": Many("format", FORMATS),
        }]),
    }


def _categories(ctx: PlanContext) -> list[Category]:
    return sorted(ctx.categories.values(), key=lambda c: (c.position, c.code))


def service_out(ctx: PlanContext, category: Category) -> dict:
    task = category.task
    limit = time_limit_for(ctx, category, ctx.severity_codes[0]).label()
    parts = [f"{category.name}。重点任务{task.number}：{task.title}"]
    if category.national_code:
        parts.append(f"国标编码 {category.national_code}")
    parts.append(f"派遣后{limit}内整改")
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": "；".join(parts),
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(category.keywords or []),
        "group": task.title,
    }


def services_out(ctx: PlanContext) -> list[dict]:
    return [service_out(ctx, c) for c in _categories(ctx)]


def category_for(ctx: PlanContext, service_code: str) -> Category:
    category = ctx.categories.get(service_code)
    if category is None:
        raise Open311Error(404, f"service_code {service_code!r} not found")
    return category


def _values(pairs) -> Many:
    return Many("value", [{"key": key, "name": name} for key, name in pairs])


def _attribute(order: int, code: str, datatype: str, description: str, *, values=None, required: bool = False,
               variable: bool = True, datatype_description: str | None = None) -> dict:
    attribute = {
        "variable": variable,
        "code": code,
        "datatype": datatype,
        "required": required,
        "datatype_description": datatype_description,
        "order": order,
        "description": description,
    }
    if values is not None:
        attribute["values"] = _values(values)
    return attribute


def check_items_of(ctx: PlanContext, category: Category) -> list:
    codes = ctx.category_items.get(category.id, set())
    items = [ctx.check_items[c] for c in codes if c in ctx.check_items]
    return sorted(items, key=lambda i: (i.standard.position, i.position, i.code))


def definition_out(ctx: PlanContext, category: Category) -> dict:
    severities = [(s["code"], s["name"]) for s in ctx.plan.severities]
    limits = "；".join(f"{name}：派遣后{time_limit_for(ctx, category, code).label()}内" for code, name in severities)
    attributes = [
        _attribute(1, "severity", "singlevaluelist", f"严重程度，不填为「{severities[0][1]}」", values=severities),
    ]
    items = check_items_of(ctx, category)
    if items:
        attributes.append(_attribute(len(attributes) + 1, "check_item", "singlevaluelist",
                                     "违反的检查项（整治标准条目），可不填",
                                     values=[(i.code, f"{i.standard.name}：{i.text}") for i in items]))
    if ctx.plan.road_classes:
        attributes.append(_attribute(len(attributes) + 1, "road_class", "singlevaluelist",
                                     "所在道路等级，可不填；会影响责任单位（如国省干线由公路部门负责）",
                                     values=sorted(ctx.plan.road_classes.items())))  # jsonb keeps no order
    source_names = dict(Source.choices)
    attributes += [
        _attribute(len(attributes) + 1, "source", "singlevaluelist",
                   f"问题来源，不填为「{source_names[DEFAULT_SOURCE]}」",
                   values=[(s.value, source_names[s]) for s in SOURCES_ALLOWED]),
        _attribute(len(attributes) + 2, "found_at", "datetime", "发现（来电）时间，不填为提交时间",
                   datatype_description="W3C 格式并带时区，如 2023-10-12T09:30:00+08:00"),
        _attribute(len(attributes) + 3, "client_id", "string",
                   "贵方系统中本件的编号：同一编号重复提交只返回第一次建立的那一件（也可用 Idempotency-Key 请求头）",
                   datatype_description="1 到 200 个字符"),
        _attribute(len(attributes) + 4, "time_limit", "string", f"整改时限（{limits}），按工作时间计算",
                   variable=False),
    ]
    return {"service_code": category.code, "attributes": Many("attribute", attributes)}
