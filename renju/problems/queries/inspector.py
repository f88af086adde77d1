"""Read side of the inspector's pages: what the report form needs from the plan, the inspector's own reports, and
the rectified problems waiting for an on-site check, nearest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from renju.plans.active import active_plan
from renju.plans.geo import distance_m, region_index
from renju.problems.models import Photo, Problem, ProblemEvent, Source, Status, Visit
from renju.problems.queries.common import countdown
from renju.problems.queries.evidence import labelled

MINE_PAGE_SIZE = 50
VERIFY_PAGE_SIZE = 50
# Region kinds too broad to help someone find a place on foot: the place shown is the street/town and below.
BROAD_KINDS = {"city", "area"}


# ---------------------------------------------------------------- the report form


def report_form_context() -> dict:
    """What the report form embeds so it can pick a category offline: every active category of the plan with its
    national code, pinyin initials, keywords, task and the check items it may cite; severities, visit kinds and
    road classes. Everything comes from the in-memory plan."""
    ctx = active_plan()
    categories = []
    for category in sorted(ctx.categories.values(), key=lambda c: c.position):
        codes = ctx.category_items.get(category.id, set())
        items = sorted((ctx.check_items[code] for code in codes if code in ctx.check_items),
                       key=lambda i: (i.standard.position, i.position))
        categories.append({
            "code": category.code,
            "name": category.name,
            "national_code": category.national_code or "",
            "initials": ctx.initials.get(category.id, ""),
            "keywords": list(category.keywords or []),
            "task": {"number": category.task.number, "title": category.task.title},
            "check_items": [{"code": i.code, "text": i.text, "standard": i.standard.name} for i in items],
        })
    return {
        "categories": categories,
        "severities": [{"code": s["code"], "name": s["name"]} for s in ctx.plan.severities],
        "visits": [{"code": code, "name": name} for code, name in Visit.choices],
        "road_classes": [{"code": code, "name": name} for code, name in ctx.plan.road_classes.items()],
        "source": Source.INSPECTION,
        "max_photos": settings.RENJU_MAX_PHOTOS,
    }


# ---------------------------------------------------------------- my reports


@dataclass
class MineRow:
    problem: Problem
    place: str
    thumbnail_id: int | None
    deadline: dict  # {"text", "state" (ok/soon/late/done/""), "detail"}
    severity_name: str


@dataclass
class MinePage:
    rows: list[MineRow]
    page: Page
    status: str
    tabs: list[dict] = field(default_factory=list)
    total: int = 0


def place_name(region_id: int) -> str:
    """The street or town down to the grid, from the in-memory region index (no query)."""
    chain = [n.name for n in reversed(region_index().ancestors(region_id)) if n.kind not in BROAD_KINDS]
    return " / ".join(chain)


def _first_photo(kind: str) -> Subquery:
    return Subquery(Photo.objects.filter(problem=OuterRef("pk"), kind=kind).order_by("id").values("id")[:1])


def my_reports(user, *, status: str = "", page: int | str = 1, now: dt.datetime | None = None) -> MinePage:
    """The problems `user` reported, newest first, 50 a page, optionally of one status; with counts per status for
    the filter tabs. Three queries whatever the page holds: counts, page count, page rows."""
    now = now or timezone.now()
    ctx = active_plan()
    own = Problem.objects.filter(reporter=user)
    counts = dict(own.order_by().values_list("status").annotate(n=Count("id")))
    total = sum(counts.values())
    if status not in Status.values:
        status = ""
    tabs = [{"code": "", "name": "全部", "count": total}] + [
        {"code": code, "name": name, "count": counts[code]} for code, name in Status.choices if counts.get(code)
    ]
    if status and not counts.get(status):
        tabs.append({"code": status, "name": Status(status).label, "count": 0})
    rows = own.filter(status=status) if status else own
    rows = (
        rows.select_related("category", "unit", "suggested_unit")
        .annotate(thumbnail_id=_first_photo(Photo.Kind.BEFORE))
        .order_by("-reported_at", "-id")
    )
    paginator = Paginator(rows, MINE_PAGE_SIZE)
    # The count is known from the tabs; telling the paginator saves it a COUNT query.
    paginator.count = counts.get(status, 0) if status else total
    page_obj = paginator.get_page(page)
    out = [
        MineRow(problem=p, place=place_name(p.region_id), thumbnail_id=p.thumbnail_id,
                deadline=deadline_summary(p, now), severity_name=ctx.plan.severity_name(p.severity))
        for p in page_obj.object_list
    ]
    return MinePage(rows=out, page=page_obj, status=status, tabs=tabs, total=total)


def deadline_summary(problem: Problem, now: dt.datetime) -> dict:
    """One line on where the problem stands against its deadline, as the list shows it."""
    due = _short(problem.due_at)
    clock = countdown(problem, now)
    if clock is not None:
        text = f"已超期 {clock['label']}" if clock["state"] == "late" else f"剩余 {clock['label']}"
        return {"text": text, "state": clock["state"], "detail": f"截止 {due}"}
    if problem.status == Status.CLOSED:
        return {"text": "已销号", "state": "done", "detail": _short(problem.closed_at)}
    if problem.status == Status.RECTIFIED:
        return {"text": "已整改，待核查", "state": "", "detail": _short(problem.rectified_at)}
    if problem.status in (Status.REJECTED, Status.MERGED):
        return {"text": "—", "state": "", "detail": ""}
    if problem.status == Status.RETURNED:
        return {"text": "待重新派遣", "state": "", "detail": ""}
    return {"text": "待派遣", "state": "", "detail": ""}


def _short(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%m-%d %H:%M") if value else ""


# ---------------------------------------------------------------- the verification queue


@dataclass
class VerifyItem:
    problem: Problem
    place: str
    metres: float | None
    before_id: int | None
    after_id: int | None
    note: str
    evidence_flags: list[dict] = field(default_factory=list)  # doubts about the latest after-photos, with reasons

    @property
    def distance_label(self) -> str:
        if self.metres is None:
            return ""
        if self.metres < 1000:
            return f"{round(self.metres)} 米"
        return f"{self.metres / 1000:.1f} 公里"


@dataclass
class VerifyQueue:
    items: list[VerifyItem]
    page: Page
    total: int
    by_distance: bool


def parse_position(lat: str | None, lng: str | None) -> tuple[float, float] | None:
    """A (lat, lng) from query parameters, or None when either is missing or not a plausible coordinate."""
    try:
        lat_f, lng_f = float(lat), float(lng)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat_f <= 90 and -180 <= lng_f <= 180):
        return None
    return lat_f, lng_f


def verify_queue(user, *, position: tuple[float, float] | None = None, page: int | str = 1) -> VerifyQueue:
    """Rectified problems the user may see, nearest to `position` first (else the longest-waiting first), with the
    first before- and after-photo and the unit's note. Four queries whatever the queue holds."""
    # At most a few hundred problems wait for checking at once: their coordinates are fetched in one query and
    # sorted here, which both databases do the same way without a spatial extension.
    waiting = list(
        Problem.objects.visible_to(user).filter(status=Status.RECTIFIED)
        .order_by("rectified_at", "id").values_list("id", "lat", "lng")
    )
    metres: dict[int, float] = {}
    if position is not None:
        lat, lng = position
        metres = {pid: distance_m(lat, lng, plat, plng) for pid, plat, plng in waiting}
        waiting.sort(key=lambda row: metres[row[0]])  # stable: equal distances keep the oldest first
    paginator = Paginator([row[0] for row in waiting], VERIFY_PAGE_SIZE)
    page_obj = paginator.get_page(page)
    ids = list(page_obj.object_list)
    problems = Problem.objects.filter(pk__in=ids).select_related("category", "unit").annotate(
        before_id=_first_photo(Photo.Kind.BEFORE), after_id=_latest_photo(Photo.Kind.AFTER),
    ).in_bulk(ids) if ids else {}
    latest = _latest_rectifications(ids)
    items = [
        VerifyItem(problem=problems[pid], place=place_name(problems[pid].region_id), metres=metres.get(pid),
                   before_id=problems[pid].before_id, after_id=problems[pid].after_id,
                   note=latest.get(pid, ("", []))[0], evidence_flags=latest.get(pid, ("", []))[1])
        for pid in ids if pid in problems
    ]
    return VerifyQueue(items=items, page=page_obj, total=len(waiting), by_distance=position is not None)


def _latest_photo(kind: str) -> Subquery:
    # The latest after-photo belongs to the latest rectification (a reworked problem has had more than one).
    return Subquery(Photo.objects.filter(problem=OuterRef("pk"), kind=kind).order_by("-id").values("id")[:1])


def _latest_rectifications(ids: list[int]) -> dict[int, tuple[str, list[dict]]]:
    """The note and the evidence flags of each problem's latest rectification, which the inspector checks against."""
    latest: dict[int, tuple[str, list[dict]]] = {}
    if not ids:
        return latest
    events = ProblemEvent.objects.filter(problem_id__in=ids, action="rectify").order_by("problem_id", "seq")
    for problem_id, details in events.values_list("problem_id", "details"):
        details = details or {}
        latest[problem_id] = (details.get("note", ""), labelled(details.get("evidence_flags", [])))
    return latest
