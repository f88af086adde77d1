"""Read side of the dispatcher's pages: the intake queues (with what each row needs to be acted on where it stands:
suggested unit, the deadline it would get, possible duplicates, the unit's return reason) and the problem search.

Every list here runs a fixed number of queries whatever its length: a page of rows is one query, and what the rows
need besides (first photo, duplicates nearby, return reasons) is one query each for the whole page; names of
categories, units and regions come from the in-memory plan and region index.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Exists, Min, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from renju.plans.active import PlanContext, active_plan
from renju.plans.geo import distance_m, region_index
from renju.plans.models import Category, Unit
from renju.problems.duplicates import duplicate_window
from renju.problems.models import ON_THE_CLOCK, Photo, Problem, ProblemEvent, Source, Status
from renju.problems.queries.common import duration_label
from renju.problems.queries.followup import pending_extension_requests
from renju.problems.routing import time_limit_for

if TYPE_CHECKING:
    from renju.accounts.models import User

PAGE_SIZE = 50
MAP_LIMIT = 5000
DUPLICATES_SHOWN = 5
# A page's duplicate candidates are one query; this bounds it where a place is flooded with reports.
DUPLICATE_CANDIDATES_CAP = 2000
TOWN_KINDS = ("town", "street", "area")
FINISHED = (Status.CLOSED, Status.REJECTED, Status.MERGED)

QUEUES: list[tuple[str, str]] = [
    ("reported", "待受理"),
    ("accepted", "待派遣"),
    ("returned", "退回"),
    ("due_soon", "即将到期"),
    ("overdue", "已超期"),
    ("extension", "延期申请"),
    ("key", "重点问题"),
]
QUEUE_KEYS = [key for key, _ in QUEUES]
# Queues of problems waiting for a dispatcher's decision (rows with actions), against those on a unit's clock.
DECISION_QUEUES = {"reported", "accepted", "returned"}

STATUS_NAMES = dict(Status.choices)
SOURCE_NAMES = dict(Source.choices)

ROW_FIELDS = (
    "id", "number", "status", "is_key", "source", "category_id", "severity", "description", "lat", "lng", "address",
    "region_id",
    "suggested_unit_id", "unit_id", "merged_into_id", "reported_at", "dispatched_at", "due_at", "rectified_at",
    "closed_at",
)


# ---------------------------------------------------------------- names from the caches


class _Names:
    """Categories and units for the ids on a page, from the in-memory plan; retired ones (dropped by a newer plan)
    cost one query only when a page holds any."""

    def __init__(self, rows: list[dict]) -> None:
        ctx = active_plan()
        self.ctx = ctx
        self.categories: dict[int, Category] = dict(ctx.categories_by_id)
        self.units: dict[int, Unit] = dict(ctx.units_by_id)
        missing = {r["category_id"] for r in rows} - self.categories.keys()
        if missing:
            self.categories.update(Category.objects.select_related("task").in_bulk(missing))
        unit_ids = {r[k] for r in rows for k in ("unit_id", "suggested_unit_id") if r.get(k)}
        if unit_ids - self.units.keys():
            self.units.update(Unit.objects.in_bulk(unit_ids - self.units.keys()))

    def unit(self, unit_id: int | None) -> Unit | None:
        return self.units.get(unit_id) if unit_id else None


def place_chain(region_id: int) -> list[str]:
    """The names from the town, street or area down to the grid (no query)."""
    return [n.name for n in reversed(region_index().ancestors(region_id)) if n.kind != "city"]


def place_short(region_id: int) -> str:
    """Where, in two names: the town or street (an area only where no town or street is inside it), and the
    village or community."""
    nodes = [n for n in reversed(region_index().ancestors(region_id)) if n.kind not in ("city", "grid")]
    if any(n.kind in ("town", "street") for n in nodes):
        nodes = [n for n in nodes if n.kind != "area"]
    return " / ".join(n.name for n in nodes[:2])


def units_grouped() -> list[dict]:
    """Active units by ranking group, in the plan's order: what a unit <select> offers (no query)."""
    groups: dict[str, dict] = {}
    for unit in sorted(active_plan().units.values(), key=lambda u: u.position):
        name = unit.group.name if unit.group else "其他"
        groups.setdefault(name, {"name": name, "units": []})["units"].append(unit)
    return list(groups.values())


def _clock(status: str, due_at: dt.datetime | None, now: dt.datetime) -> dict | None:
    if status not in ON_THE_CLOCK or due_at is None:
        return None
    seconds = int((due_at - now).total_seconds())
    state = "late" if seconds < 0 else "soon" if seconds < settings.RENJU_DUE_SOON_HOURS * 3600 else "ok"
    return {"seconds": seconds, "label": duration_label(abs(seconds)), "state": state}


# ---------------------------------------------------------------- intake queues


@dataclass
class QueuePage:
    queue: str
    label: str
    tabs: list[dict]
    rows: list[dict]
    page: int
    pages: int
    total: int
    decision: bool = field(default=False)


def _queue_filter(queue: str, now: dt.datetime) -> Q:
    soon = now + dt.timedelta(hours=settings.RENJU_DUE_SOON_HOURS)
    return {
        "reported": Q(status=Status.REPORTED),
        "accepted": Q(status=Status.ACCEPTED),
        "returned": Q(status=Status.RETURNED),
        "due_soon": Q(status__in=ON_THE_CLOCK, due_at__gte=now, due_at__lt=soon),
        "overdue": Q(status__in=ON_THE_CLOCK, due_at__lt=now),
        "extension": Q(Exists(pending_extension_requests())),
        "key": Q(is_key=True) & ~Q(status__in=FINISHED),
    }[queue]


def _queue_order(queue: str) -> list[str]:
    if queue in DECISION_QUEUES:
        return ["-is_key", "-reported_at", "-id"]  # key problems first, then the newest
    return ["-is_key", "due_at", "id"]  # key problems first; then the nearest (or most overdue) deadline


def queue_counts(now: dt.datetime | None = None) -> dict[str, int]:
    """How many problems wait in each queue, in one query."""
    now = now or timezone.now()
    waiting = (Status.REPORTED, Status.ACCEPTED, Status.RETURNED, Status.RECTIFIED, Status.LEDGERED, *ON_THE_CLOCK)
    counts = Problem.objects.filter(status__in=waiting).aggregate(
        **{key: Count("id", filter=_queue_filter(key, now)) for key in QUEUE_KEYS}
    )
    return {key: counts[key] or 0 for key in QUEUE_KEYS}


def queue_tabs(current: str, counts: dict[str, int]) -> list[dict]:
    return [{"key": key, "label": label, "count": counts[key], "current": key == current} for key, label in QUEUES]


def parse_queue(value: str | None) -> str:
    return value if value in QUEUE_KEYS else "reported"


def parse_page(value: object) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def queue_page(queue: str, page: int = 1, now: dt.datetime | None = None) -> QueuePage:
    """One page of a queue, with everything its rows show: four queries whatever the page holds (the counts, the
    page, its first photos, and its duplicates or return reasons)."""
    now = now or timezone.now()
    queue = parse_queue(queue)
    counts = queue_counts(now)
    total = counts[queue]
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_SIZE
    values = list(
        Problem.objects.filter(_queue_filter(queue, now)).order_by(*_queue_order(queue))
        .values(*ROW_FIELDS)[start:start + PAGE_SIZE]
    )
    rows = build_rows(values, now, queue=queue)
    return QueuePage(queue=queue, label=dict(QUEUES)[queue], tabs=queue_tabs(queue, counts), rows=rows, page=page,
                     pages=pages, total=total, decision=queue in DECISION_QUEUES)


def rows_by_ids(ids: list[int], queue: str, now: dt.datetime | None = None) -> list[dict]:
    """The rows for these problems as they are now, in the given order (a row re-drawn after an action)."""
    now = now or timezone.now()
    found = {r["id"]: r for r in Problem.objects.filter(pk__in=ids).values(*ROW_FIELDS)}
    return build_rows([found[i] for i in ids if i in found], now, queue=parse_queue(queue))


def build_rows(values: list[dict], now: dt.datetime, *, queue: str) -> list[dict]:
    """Rows for the intake tables: one query for thumbnails, and one for duplicates or return reasons."""
    names = _Names(values)
    ctx = names.ctx
    ids = [v["id"] for v in values]
    thumbs = _first_photos(ids)
    deciding = [v for v in values if v["status"] in (Status.REPORTED, Status.ACCEPTED)]
    duplicates = _duplicates(deciding) if queue in ("reported", "accepted") else {}
    returns = _return_reasons(ids, names) if queue == "returned" else {}
    deadlines: dict = {}  # the deadline from now depends only on the time limit
    rows = []
    for v in values:
        category = names.categories[v["category_id"]]
        chain = place_chain(v["region_id"])
        limit = time_limit_for(ctx, category, v["severity"])
        if limit not in deadlines:
            deadlines[limit] = ctx.calendar.deadline(now, limit)
        row = {
            **v,
            "status_name": STATUS_NAMES.get(v["status"], v["status"]),
            "source_name": SOURCE_NAMES.get(v["source"], v["source"]),
            "category": category,
            "suggested_unit": names.unit(v["suggested_unit_id"]),
            "unit": names.unit(v["unit_id"]),
            "time_limit": limit.label(),
            "deadline_if_now": deadlines[limit],
            "place": place_short(v["region_id"]),
            "place_full": " / ".join(chain),
            "thumb_id": thumbs.get(v["id"]),
            "duplicates": duplicates.get(v["id"], []),
            "returned": returns.get(v["id"]),
            "clock": _clock(v["status"], v["due_at"], now),
            "open": v["status"] in (Status.REPORTED, Status.ACCEPTED, Status.RETURNED),
        }
        rows.append(row)
    return rows


def _first_photos(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        Photo.objects.filter(problem_id__in=ids, kind=Photo.Kind.BEFORE).order_by()
        .values("problem_id").annotate(first=Min("id")).values_list("problem_id", "first")
    )


def _duplicates(values: list[dict]) -> dict[int, list[dict]]:
    """Possible duplicates of each row by the plan's rule (renju.problems.duplicates), for a whole page in one
    query: a box around each row (same category, within the window either side), matched in Python by distance."""
    if not values:
        return {}
    rule = duplicate_window()
    boxes = Q()
    for v in values:
        lat_pad, lng_pad = rule.box(v["lat"])
        boxes |= Q(category_id=v["category_id"], lat__range=(v["lat"] - lat_pad, v["lat"] + lat_pad),
                   lng__range=(v["lng"] - lng_pad, v["lng"] + lng_pad),
                   reported_at__range=(v["reported_at"] - rule.span, v["reported_at"] + rule.span))
    candidates = list(
        Problem.objects.filter(boxes).exclude(status__in=(Status.MERGED, Status.REJECTED)).order_by()
        .values_list("id", "number", "lat", "lng", "status", "reported_at", "category_id", "source")
        [:DUPLICATE_CANDIDATES_CAP]
    )
    by_category: dict[int, list[tuple]] = {}
    for c in candidates:
        by_category.setdefault(c[6], []).append(c)
    found: dict[int, list[dict]] = {}
    for v in values:
        matches = []
        for other_id, number, lat, lng, status, reported_at, _cat, source in by_category.get(v["category_id"], ()):
            if other_id == v["id"] or abs(reported_at - v["reported_at"]) > rule.span:
                continue
            metres = distance_m(v["lat"], v["lng"], lat, lng)
            if metres <= rule.metres:
                matches.append({
                    "id": other_id, "number": number, "metres": round(metres), "status": status,
                    "status_name": STATUS_NAMES.get(status, status), "source": SOURCE_NAMES.get(source, source),
                    "hours": round(abs((v["reported_at"] - reported_at).total_seconds()) / 3600, 1),
                })
        if matches:
            found[v["id"]] = sorted(matches, key=lambda d: (d["metres"], d["id"]))[:DUPLICATES_SHOWN]
    return found


def _return_reasons(ids: list[int], names: _Names) -> dict[int, dict]:
    """The latest return of each problem: who sent it back, when and why."""
    if not ids:
        return {}
    latest: dict[int, dict] = {}
    events = ProblemEvent.objects.filter(problem_id__in=ids, action="return").order_by("problem_id", "seq")
    for problem_id, at, details in events.values_list("problem_id", "at", "details"):
        unit = names.ctx.units.get(details.get("unit", ""))
        latest[problem_id] = {"at": at, "reason": details.get("reason", ""),
                              "unit": unit.name if unit else details.get("unit", "")}
    return latest


def problem_id_for(value: str) -> int | None:
    """The id of the problem a dispatcher names by its number (what people see) or by its id."""
    value = (value or "").strip()
    if value.isdigit():
        return int(value)
    if not value:
        return None
    return Problem.objects.filter(number__iexact=value).values_list("id", flat=True).first()


# ---------------------------------------------------------------- search


OVERDUE_CHOICES = [("", "不限"), ("yes", "已超期"), ("no", "未超期")]
STATUS_CHOICES = [("", "全部"), ("open", "未办结"), *Status.choices]


@dataclass
class SearchFilters:
    number: str = ""
    q: str = ""
    unit: str = ""
    region: str = ""
    category: str = ""
    source: str = ""
    status: str = ""
    reported_from: dt.date | None = None
    reported_to: dt.date | None = None
    overdue: str = ""
    key: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    def querystring(self) -> str:
        """The filters as a query string (for page links and exports); empty values left out."""
        params = QueryDict(mutable=True)
        for name in ("number", "q", "unit", "region", "category", "source", "status", "overdue"):
            if getattr(self, name):
                params[name] = getattr(self, name)
        if self.reported_from:
            params["reported_from"] = self.reported_from.isoformat()
        if self.reported_to:
            params["reported_to"] = self.reported_to.isoformat()
        if self.key:
            params["key"] = "1"
        return params.urlencode()


def parse_search(params: QueryDict) -> SearchFilters:
    """Filters from a query string; a value that makes no sense is dropped and named in `errors`."""
    ctx = active_plan()
    f = SearchFilters()
    text = {name: (params.get(name) or "").strip() for name in
            ("number", "q", "unit", "region", "category", "source", "status", "overdue")}
    f.number, f.q = text["number"][:40], text["q"][:100]
    checks = {
        "unit": (text["unit"] in ctx.units, "没有这个单位"),
        "region": (text["region"] in region_index().by_code, "没有这个区域"),
        "category": (text["category"] in ctx.categories, "没有这个问题类型"),
        "source": (text["source"] in Source.values, "没有这个来源"),
        "status": (text["status"] in {c for c, _ in STATUS_CHOICES}, "没有这个状态"),
        "overdue": (text["overdue"] in {c for c, _ in OVERDUE_CHOICES}, "请选择是否超期"),
    }
    for name, (ok, message) in checks.items():
        if not text[name]:
            continue
        if ok:
            setattr(f, name, text[name])
        else:
            f.errors[name] = message
    for name in ("reported_from", "reported_to"):
        raw = (params.get(name) or "").strip()
        if raw:
            try:
                setattr(f, name, dt.date.fromisoformat(raw))
            except ValueError:
                f.errors[name] = "日期格式应为 YYYY-MM-DD"
    if f.reported_from and f.reported_to and f.reported_to < f.reported_from:
        f.errors["reported_to"] = "结束日期早于开始日期"
        f.reported_to = None
    f.key = params.get("key") in ("1", "on", "true")
    return f


def search_queryset(user: User, f: SearchFilters, now: dt.datetime | None = None) -> QuerySet:
    """The problems `user` may see that match the filters, newest first."""
    now = now or timezone.now()
    ctx = active_plan()
    rows = Problem.objects.visible_to(user)
    if f.number:
        rows = rows.filter(number__icontains=f.number)
    if f.q:
        rows = rows.filter(Q(description__icontains=f.q) | Q(address__icontains=f.q))
    if f.unit:
        rows = rows.filter(unit_id=ctx.units[f.unit].id)
    if f.region:
        index = region_index()
        rows = rows.filter(region_id__in=index.descendant_ids(index.by_code[f.region].id))
    if f.category:
        rows = rows.filter(category_id=ctx.categories[f.category].id)
    if f.source:
        rows = rows.filter(source=f.source)
    if f.status == "open":
        rows = rows.exclude(status__in=FINISHED)
    elif f.status:
        rows = rows.filter(status=f.status)
    tz = ctx.calendar.tz
    if f.reported_from:
        rows = rows.filter(reported_at__gte=dt.datetime.combine(f.reported_from, dt.time(), tzinfo=tz))
    if f.reported_to:
        rows = rows.filter(reported_at__lt=dt.datetime.combine(f.reported_to + dt.timedelta(days=1), dt.time(),
                                                               tzinfo=tz))
    if f.overdue == "yes":
        rows = rows.overdue(now)
    elif f.overdue == "no":
        rows = rows.not_overdue(now)
    if f.key:
        rows = rows.filter(is_key=True)
    return rows.order_by("-is_key", "-reported_at", "-id")  # key problems show first everywhere


@dataclass
class SearchResult:
    filters: SearchFilters
    rows: list[dict]
    total: int
    page: int
    pages: int
    map_rows: list[list]
    map_truncated: bool

    @property
    def first_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + len(self.rows)


def search(user: User, f: SearchFilters, page: int = 1, now: dt.datetime | None = None) -> SearchResult:
    """A page of the matching problems and the map points of the whole result: three queries."""
    now = now or timezone.now()
    rows_q = search_queryset(user, f, now)
    total = rows_q.count()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_SIZE
    values = list(rows_q.values(*ROW_FIELDS)[start:start + PAGE_SIZE])
    names = _Names(values)
    rows = []
    for v in values:
        category = names.categories[v["category_id"]]
        chain = place_chain(v["region_id"])
        clock = _clock(v["status"], v["due_at"], now)
        rows.append({
            **v,
            "status_name": STATUS_NAMES.get(v["status"], v["status"]),
            "source_name": SOURCE_NAMES.get(v["source"], v["source"]),
            "category": category,
            "unit": names.unit(v["unit_id"]),
            "suggested_unit": names.unit(v["suggested_unit_id"]),
            "place": place_short(v["region_id"]),
            "place_full": " / ".join(chain),
            "clock": clock,
            "overdue": bool(clock and clock["state"] == "late"),
            "open": v["status"] in (Status.REPORTED, Status.ACCEPTED, Status.RETURNED),
        })
    points = [
        [pid, round(lat, 6), round(lng, 6), status, 1 if key else 0]
        for pid, lat, lng, status, key in rows_q.values_list("id", "lat", "lng", "status", "is_key")[:MAP_LIMIT + 1]
    ]
    return SearchResult(filters=f, rows=rows, total=total, page=page, pages=pages, map_rows=points[:MAP_LIMIT],
                        map_truncated=len(points) > MAP_LIMIT)


def search_form_options() -> dict:
    """What the search form's selects offer (no query: plan and region index in memory)."""
    ctx: PlanContext = active_plan()
    index = region_index()
    towns = sorted((n for n in index.nodes.values() if n.kind in TOWN_KINDS), key=lambda n: n.code)
    categories = sorted(ctx.categories.values(), key=lambda c: c.position)
    return {
        "units": units_grouped(),
        "towns": towns,
        "categories": categories,
        "sources": Source.choices,
        "statuses": STATUS_CHOICES,
        "overdue": OVERDUE_CHOICES,
    }
