"""Reports of one problem from several sources: the duplicate suggestion with its evidence, and what a merge keeps.

The rule is the plan's (`intake.duplicates`): the same category within `metres` and `hours` of another report
that is not itself rejected or merged. Both edges count as a match (exactly `metres` apart, exactly `hours`
apart). The window looks both ways: a hotline call an hour after an inspector's report is as much a duplicate as
one an hour before.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from renju.plans.active import active_plan
from renju.plans.geo import distance_m
from renju.problems.models import Photo, Problem, Status

DEFAULT_METRES, DEFAULT_HOURS = 30, 72
SHOWN = 5


@dataclass(frozen=True)
class Window:
    metres: int
    hours: int

    @property
    def span(self) -> dt.timedelta:
        return dt.timedelta(hours=self.hours)

    def box(self, lat: float) -> tuple[float, float]:
        """Half-sizes (degrees of latitude, of longitude) of the box that holds the circle."""
        lat_pad = self.metres / 111_000 * 1.01
        return lat_pad, lat_pad / max(0.1, math.cos(math.radians(lat)))


@dataclass(frozen=True)
class Duplicate:
    problem: Problem
    metres: int
    hours: float
    photo_ids: tuple[int, ...]  # the other report's before-photos, to show beside this one's


def duplicate_window() -> Window:
    rules = (active_plan().plan.intake or {}).get("duplicates", {})
    return Window(int(rules.get("metres", DEFAULT_METRES)), int(rules.get("hours", DEFAULT_HOURS)))


def duplicate_candidates(problem: Problem, *, window: Window | None = None, limit: int = SHOWN) -> list[Duplicate]:
    """Other live reports of the same category near this one in place and time, nearest first, with evidence."""
    window = window or duplicate_window()
    lat_pad, lng_pad = window.box(problem.lat)
    rows = (
        Problem.objects.filter(
            category_id=problem.category_id,
            lat__range=(problem.lat - lat_pad, problem.lat + lat_pad),
            lng__range=(problem.lng - lng_pad, problem.lng + lng_pad),
            found_at__range=(problem.found_at - window.span, problem.found_at + window.span),
        )
        .exclude(pk=problem.pk)
        .exclude(status__in=(Status.MERGED, Status.REJECTED))
        .select_related("reporter")[:200]
    )
    found = []
    for other in rows:
        metres = distance_m(problem.lat, problem.lng, other.lat, other.lng)
        if metres <= window.metres:
            hours = abs((problem.found_at - other.found_at).total_seconds()) / 3600
            found.append((metres, other, hours))
    found.sort(key=lambda f: (f[0], f[1].id))
    chosen = found[:limit]
    photos = _before_photos([o.id for _, o, _ in chosen])
    return [Duplicate(o, round(m), round(h, 1), photos.get(o.id, ())) for m, o, h in chosen]


@dataclass(frozen=True)
class MergedReport:
    problem: Problem
    photo_ids: tuple[int, ...]


def merged_reports(problem: Problem) -> list[MergedReport]:
    """Every report merged into this problem, with its reporter, source and photos: merging loses nobody's report."""
    merged = list(Problem.objects.filter(merged_into=problem).select_related("reporter").order_by("found_at", "id"))
    photos = _before_photos([m.id for m in merged])
    return [MergedReport(m, photos.get(m.id, ())) for m in merged]


def _before_photos(problem_ids: list[int]) -> dict[int, tuple[int, ...]]:
    out: dict[int, list[int]] = {}
    if problem_ids:
        for pid, photo_id in (Photo.objects.filter(problem_id__in=problem_ids, kind=Photo.Kind.BEFORE)
                              .order_by("problem_id", "id").values_list("problem_id", "id")):
            out.setdefault(pid, []).append(photo_id)
    return {k: tuple(v[:3]) for k, v in out.items()}
