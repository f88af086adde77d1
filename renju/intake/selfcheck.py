"""自查自改: a unit files a problem it found itself and, when it fixed it on the spot, its proof in the same step.

A self-check is the unit's own at once (the lifecycle dispatches it to the unit that filed it) and counts for scoring
with the plan's `self_check_factor` (renju.assessment.scoring). "已当场整改" runs the report and the rectification in
one transaction: a refused rectification (no after-photo, no note, a bad file) leaves no problem behind either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from renju.accounts.models import Role, User
from renju.problems import lifecycle
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.problems.lifecycle.rules import CLOCK_SKEW, MAX_REASON
from renju.problems.models import Photo, Problem, Source
from renju.problems.photos import PreparedPhoto

# An on-the-spot fix takes minutes to hours; a before-photo older than this is not "found now", so its time is not
# taken as the finding time.
FOUND_WINDOW = dt.timedelta(hours=24)


def self_check_report(
    *,
    actor: User,
    category: str,
    lat: float,
    lng: float,
    description: str,
    photos: Sequence[PreparedPhoto],
    address: str = "",
    severity: str | None = None,
    check_item: str | None = None,
    fixed: bool = False,
    fix_note: str = "",
    after_photos: Sequence[PreparedPhoto] = (),
    client_key: str | None = None,
    at: dt.datetime | None = None,
) -> Problem:
    """File a unit's own finding (dispatched to the unit at once); with `fixed`, rectify it in the same transaction.

    Sending the same `client_key` again returns the problem filed the first time, rectified or not, and does
    nothing more."""
    if actor.role != Role.HANDLER or actor.unit_id is None:
        raise ActionForbidden("只有责任单位经办人可以上报本单位自查问题")
    errors: dict[str, list[str]] = {}
    if not photos:
        errors["photos"] = ["至少一张现场照片"]
    fix_note = (fix_note or "").strip()
    if fixed:
        if not after_photos:
            errors["after_photos"] = ["已当场整改的，至少一张整改后照片"]
        if not fix_note:
            errors["fix_note"] = ["已当场整改的，请说明整改情况"]
        elif len(fix_note) > MAX_REASON:
            errors["fix_note"] = [f"最多 {MAX_REASON} 个字"]
        if len(after_photos) > settings.RENJU_MAX_PHOTOS:
            errors["after_photos"] = [f"最多 {settings.RENJU_MAX_PHOTOS} 张"]
    elif after_photos or fix_note:
        errors["fixed"] = ["有整改后照片或整改说明时，请勾选「已当场整改」"]
    if errors:
        raise InvalidInput(errors)

    at = at or timezone.now()
    if client_key:
        filed = Problem.objects.filter(reporter=actor, client_key=client_key).first()
        if filed is not None:
            return filed
    files: list[str] = []
    try:
        with transaction.atomic():
            problem = lifecycle.problem_report(
                actor=actor, category=category, lat=lat, lng=lng, description=description,
                source=Source.SELF_CHECK, address=address, severity=severity, check_item=check_item,
                found_at=found_time(photos, at), photos=photos, client_key=client_key, at=at,
            )
            if problem.reported_at != at:
                return problem  # the same key filed by a request running beside this one
            if fixed:
                files += _files_of(problem)
                problem = lifecycle.problem_rectify(actor=actor, problem_id=problem.id, note=fix_note,
                                                    photos=after_photos, at=at)
    except BaseException:
        _remove(files)
        raise
    return problem


def found_time(photos: Sequence[PreparedPhoto], at: dt.datetime) -> dt.datetime:
    """When it was found: the earliest before-photo's own time if it is recent and not ahead of now, else now."""
    recent = [p.taken_at for p in photos
              if p.taken_at is not None and at - FOUND_WINDOW <= p.taken_at <= at + CLOCK_SKEW]
    return min([*recent, at])


def _files_of(problem: Problem) -> list[str]:
    names: list[str] = []
    for original, thumb in Photo.objects.filter(problem=problem).values_list("original", "thumbnail"):
        names += [original, thumb]
    return names


def _remove(files: list[str]) -> None:
    for name in files:
        default_storage.delete(name)
