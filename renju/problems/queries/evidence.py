"""Read side of the evidence checks: the flags of a problem's after-photos for its page, and the report of flagged
rectifications by unit (counts by kind of doubt per unit, and the list)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.utils import timezone

from renju.plans.active import active_plan
from renju.problems.evidence import FLAG_KINDS
from renju.problems.models import Photo, Problem, ProblemEvent, Status

REPORT_PAGE_SIZE = 50
# A rectify event records its checks under this key (an empty list: checked, nothing doubtful); events written before
# the checks existed have no such key and are counted as not checked.
FLAGS_KEY = "evidence_flags"


def labelled(flags: list[dict]) -> list[dict]:
    """Flags with the short name of their kind, for display."""
    return [{**flag, "kind": FLAG_KINDS.get(flag.get("code", ""), flag.get("code", ""))} for flag in flags or []]


# ---------------------------------------------------------------- the problem page


def evidence_for_page(events: list[ProblemEvent], photos: list[Photo]) -> dict | None:
    """Each rectification of the problem ("rounds", newest first) with its after-photos and their flags, or None
    before the first one. Uses the events and photos the page has already loaded: no query of its own."""
    after_by_event: dict[int, list[Photo]] = {}
    for photo in photos:
        if photo.kind == Photo.Kind.AFTER:
            after_by_event.setdefault(photo.event_id, []).append(photo)
    rounds = []
    for event in events:
        if event.action != "rectify":
            continue
        items = [{"photo": photo, "position": n, "flags": labelled(photo.flags)}
                 for n, photo in enumerate(after_by_event.get(event.id, []), start=1)]
        rounds.append({
            "event": event,
            "checked": FLAGS_KEY in (event.details or {}),
            "photos": items,
            "flagged": [item for item in items if item["flags"]],
        })
    if not rounds:
        return None
    for n, item in enumerate(rounds, start=1):
        item["round"] = n
    return {"rounds": rounds[::-1], "max_metres": settings.RENJU_EVIDENCE_MAX_METRES}


# ---------------------------------------------------------------- the report


@dataclass
class UnitRow:
    unit_id: int | None
    name: str
    code: str
    rectified: int = 0  # rectifications in the period
    checked: int = 0  # of them, with evidence checks recorded
    flagged: int = 0  # of them, with at least one flag
    kinds: Counter = field(default_factory=Counter)  # flag code -> rectifications with that kind of flag

    @property
    def kind_counts(self) -> list[tuple[str, int]]:
        """(flag code, rectifications with it) in the report's column order."""
        return [(code, self.kinds.get(code, 0)) for code in FLAG_KINDS]

    @property
    def share(self) -> str:
        return f"{self.flagged / self.checked:.0%}" if self.checked else "—"


@dataclass
class FlaggedRectification:
    event_id: int
    at: dt.datetime
    problem_id: int
    number: str
    status_name: str
    status: str
    unit_name: str
    category_name: str
    flags: list[dict]
    kinds: list[str]


@dataclass
class EvidenceReport:
    start: dt.date
    end: dt.date
    unit: str
    kind: str
    kinds: list[tuple[str, str]]
    units: list[UnitRow]
    totals: UnitRow
    rows: list[FlaggedRectification]
    page: Page
    unit_options: list[tuple[str, str]]
    errors: dict[str, str] = field(default_factory=dict)


def report_period(start: str | None, end: str | None, *, today: dt.date | None = None
                  ) -> tuple[dt.date, dt.date, dict[str, str]]:
    """The period asked for (dates, both included); by default this month up to today. Bad dates are reported, not
    fatal: the default stands in for them."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    default_start = today.replace(day=1)

    def parse(value: str | None, name: str, default: dt.date) -> dt.date:
        if not value:
            return default
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            errors[name] = f"日期「{value}」无法识别，应为 年-月-日"
            return default

    first, last = parse(start, "start", default_start), parse(end, "end", today)
    if first > last:
        errors["start"] = "开始日期晚于结束日期，已对调"
        first, last = last, first
    return first, last, errors


def evidence_report(
    user, *, start: dt.date, end: dt.date, unit: str = "", kind: str = "", page: int | str = 1
) -> EvidenceReport:
    """Rectifications in [start, end] (local dates) the user may see: per unit, how many were checked, how many
    flagged and with which kinds of doubt; and the flagged ones, newest first, optionally of one unit and one kind.
    Two queries whatever the period holds: per-unit counts in SQL, then the flagged events with their problems."""
    ctx = active_plan()
    kind = kind if kind in FLAG_KINDS else ""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    events = ProblemEvent.objects.filter(
        action="rectify", at__gte=since, at__lt=until, problem__in=Problem.objects.visible_to(user).values("id"),
    )
    flagged_q = Q(**{f"details__{FLAGS_KEY}__0__isnull": False})
    counts = (
        events.order_by().values("problem__unit_id")
        .annotate(rectified=Count("id"), checked=Count("id", filter=Q(details__has_key=FLAGS_KEY)),
                  flagged=Count("id", filter=flagged_q))
    )
    units_by_id = {u.id: u for u in ctx.units.values()}
    rows_by_unit: dict[int | None, UnitRow] = {}
    for row in counts:
        unit_obj = units_by_id.get(row["problem__unit_id"])
        rows_by_unit[row["problem__unit_id"]] = UnitRow(
            unit_id=row["problem__unit_id"], name=unit_obj.name if unit_obj else "（未知单位）",
            code=unit_obj.code if unit_obj else "", rectified=row["rectified"], checked=row["checked"],
            flagged=row["flagged"],
        )
    flagged = list(
        events.filter(flagged_q).order_by("-at", "-id").values_list(
            "id", "at", "problem_id", "problem__number", "problem__status", "problem__unit_id",
            "problem__category_id", "details",
        )
    )
    categories = {c.id: c.name for c in ctx.categories.values()}
    listed: list[FlaggedRectification] = []
    for event_id, at, problem_id, number, status, unit_id, category_id, details in flagged:
        flags = labelled(details.get(FLAGS_KEY, []))
        codes = sorted({f["code"] for f in flags}, key=lambda c: list(FLAG_KINDS).index(c) if c in FLAG_KINDS else 99)
        unit_row = rows_by_unit.get(unit_id)
        if unit_row is not None:
            unit_row.kinds.update(codes)
        if unit and (unit_row is None or unit_row.code != unit):
            continue
        if kind and kind not in codes:
            continue
        listed.append(FlaggedRectification(
            event_id=event_id, at=at, problem_id=problem_id, number=number, status=status,
            status_name=Status(status).label if status in Status.values else status,
            unit_name=unit_row.name if unit_row else "", category_name=categories.get(category_id, ""),
            flags=flags, kinds=[FLAG_KINDS.get(c, c) for c in codes],
        ))
    units = sorted(rows_by_unit.values(), key=lambda r: (-r.flagged, -r.rectified, r.name))
    totals = UnitRow(unit_id=None, name="合计", code="",
                     rectified=sum(r.rectified for r in units), checked=sum(r.checked for r in units),
                     flagged=sum(r.flagged for r in units))
    for r in units:
        totals.kinds.update(r.kinds)
    page_obj = Paginator(listed, REPORT_PAGE_SIZE).get_page(page)
    unit_options = [(u.code, u.name) for u in sorted(ctx.units.values(), key=lambda u: u.position)]
    return EvidenceReport(
        start=start, end=end, unit=unit, kind=kind, kinds=list(FLAG_KINDS.items()),
        units=units, totals=totals, rows=list(page_obj.object_list), page=page_obj, unit_options=unit_options,
    )
