"""What a unit handler's inbox shows: the unit's problems by tab, soonest deadline first, and the unit's own figures.

Every list is one query (thumbnails and the inspector's rework reason come from correlated subqueries, names from
the in-memory plan and region index), so the page costs the same with 5 problems or 5,000.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.fields.json import KT

from renju.plans.active import active_plan
from renju.plans.geo import region_index
from renju.plans.models import Unit
from renju.problems.models import ON_THE_CLOCK, Photo, Problem, ProblemEvent, Source, Status
from renju.problems.queries.common import countdown, on_time_rate
from renju.problems.queries.dashboard import month_start, rate_label

# tab code → (label, what it lists)
TABS = {
    "todo": "待整改",
    "verify": "待核查",
    "closed": "已销号",
    "self": "本单位自查",
}
CLOSED_DAYS = 30
# A list page shows at most this many rows; the summary above it still counts them all.
INBOX_LIMIT = 200
OPEN_STATES = (Status.DISPATCHED, Status.REWORK, Status.RECTIFIED)


def handler_unit(user, unit_code: str | None = None) -> Unit | None:
    """The unit whose inbox `user` sees: a handler's own unit; others (admins) may pick one by code."""
    if user.role == "handler":
        return user.unit
    units = active_plan().units
    if unit_code and unit_code in units:
        return units[unit_code]
    return min(units.values(), key=lambda u: u.position, default=None)


def _tab_filter(tab: str, unit_id: int, now: dt.datetime) -> Q:
    if tab == "verify":
        return Q(unit_id=unit_id, status=Status.RECTIFIED)
    if tab == "closed":
        return Q(unit_id=unit_id, status=Status.CLOSED, closed_at__gte=now - dt.timedelta(days=CLOSED_DAYS))
    if tab == "self":
        return Q(self_check_unit_id=unit_id, source=Source.SELF_CHECK)
    return Q(unit_id=unit_id, status__in=ON_THE_CLOCK)


TAB_ORDER = {
    "todo": ("-is_key", F("due_at").asc(nulls_last=True), "id"),  # key problems first (重点问题), then by deadline
    "verify": ("-rectified_at", "-id"),
    "closed": ("-closed_at", "-id"),
    "self": ("-reported_at", "-id"),
}


def inbox_rows(user, unit_id: int, tab: str, now: dt.datetime, limit: int = INBOX_LIMIT) -> list[dict]:
    """One tab of the unit's problems, as rows ready to display (one query)."""
    if tab not in TABS:
        tab = "todo"
    first_photo = Photo.objects.filter(problem=OuterRef("pk"), kind=Photo.Kind.BEFORE).order_by("id").values("id")[:1]
    last_failure = (
        ProblemEvent.objects.filter(problem=OuterRef("pk"), action="verify", to_status=Status.REWORK)
        .order_by("-seq")
        .annotate(reason=KT("details__reason"))
        .values("reason")[:1]
    )
    problems = (
        Problem.objects.visible_to(user)
        .filter(_tab_filter(tab, unit_id, now))
        .annotate(photo_id=Subquery(first_photo), rework_reason=Subquery(last_failure))
        .select_related("category", "unit")
        .order_by(*TAB_ORDER[tab])[:limit]
    )
    index = region_index()
    rows = []
    for problem in problems:
        rows.append({
            "problem": problem,
            "photo_id": problem.photo_id,
            "place": problem.address or _place(index, problem.region_id),
            "region": _place(index, problem.region_id),
            "countdown": countdown(problem, now),
            "overdue": problem.is_overdue(now),
            "rework_reason": problem.rework_reason if problem.status == Status.REWORK else "",
        })
    return rows


def _place(index, region_id: int) -> str:
    """The town/street and village/community a grid lies in (the grid's own name says little to a person)."""
    chain = [n for n in reversed(index.ancestors(region_id)) if n.kind not in ("city", "grid")]
    return " ".join(n.name for n in chain[-2:]) or index.nodes[region_id].name


def unit_summary(user, unit_id: int, now: dt.datetime) -> dict:
    """The unit's own figures: open, due soon, overdue, on-time rate and closed this month, and each tab's count."""
    since = month_start(now)
    soon = now + dt.timedelta(hours=settings.RENJU_DUE_SOON_HOURS)
    mine = Q(unit_id=unit_id)
    on_clock = mine & Q(status__in=ON_THE_CLOCK)
    row = (
        Problem.objects.visible_to(user)
        .filter(Q(unit_id=unit_id) | Q(self_check_unit_id=unit_id))
        .aggregate(
            open=Count("id", filter=mine & Q(status__in=OPEN_STATES)),
            due_soon=Count("id", filter=on_clock & Q(due_at__gte=now, due_at__lt=soon)),
            overdue=Count("id", filter=on_clock & Q(due_at__lt=now)),
            closed_month=Count("id", filter=mine & Q(status=Status.CLOSED, closed_at__gte=since, closed_at__lte=now)),
            **{f"tab_{tab}": Count("id", filter=_tab_filter(tab, unit_id, now)) for tab in TABS},
        )
    )
    rate = on_time_rate(Q(problem__unit_id=unit_id), since, now + dt.timedelta(microseconds=1))
    return {
        "open": row["open"],
        "due_soon": row["due_soon"],
        "overdue": row["overdue"],
        "closed_month": row["closed_month"],
        "on_time_rate": rate["rate"],
        "on_time_rate_label": rate_label(rate["rate"]),
        "rectified_month": rate["total"],
        "on_time_month": rate["on_time"],
        "tabs": [{"code": tab, "label": label, "count": row[f"tab_{tab}"]} for tab, label in TABS.items()],
    }
