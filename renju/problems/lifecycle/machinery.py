"""What every action shares: the locked transaction, the actor check, the one event, photo storage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from renju.accounts.models import User
from renju.plans.active import PlanContext, active_plan
from renju.plans.models import Region
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused
from renju.problems.lifecycle.rules import ACTION_NAMES, MAX_REASON, RULES, _actor_problem
from renju.problems.models import (
    NumberSequence,
    Photo,
    Problem,
    ProblemEvent,
)
from renju.problems.photos import PreparedPhoto, photo_files

# ---------------------------------------------------------------- shared machinery


@contextmanager
def _action(
    problem_id: int, actor: User, action: str, *, at: dt.datetime | None = None
) -> Iterator[tuple[Problem, PlanContext, dt.datetime]]:
    rule = RULES[action]
    ctx = active_plan()
    with transaction.atomic():
        problem = (
            Problem.objects.select_for_update(of=("self",))
            .select_related("category__task", "unit", "suggested_unit", "self_check_unit")
            .get(pk=problem_id)
        )
        refusal = _actor_problem(problem, actor, action, rule)
        if refusal is not None:
            raise ActionForbidden(refusal)
        if problem.status not in rule.states:
            raise TransitionRefused(
                f"{problem.number} 当前状态为「{problem.get_status_display()}」，不能执行「{ACTION_NAMES[action]}」"
            )
        yield problem, ctx, at or timezone.now()


def _transition(
    problem: Problem, actor: User, action: str, to: str, at: dt.datetime, details: dict
) -> ProblemEvent:
    from_status = problem.status
    problem.status = to
    problem.version += 1
    problem.save()
    return ProblemEvent.objects.create(
        problem=problem,
        seq=problem.version,
        action=action,
        actor=actor,
        at=at,
        from_status=from_status,
        to_status=problem.status,
        unit_id=problem.unit_id,
        due_at=problem.due_at,
        details=details,
    )


def _region_from_index(index, region_id: int) -> Region:
    """The leaf region as the index knows it (no query; boundary not loaded, and never saved from here)."""
    node = index.nodes[region_id]
    return Region(id=node.id, code=node.code, name=node.name, kind=node.kind, parent_id=node.parent_id)


def _next_number(ctx: PlanContext, at: dt.datetime) -> str:
    day = at.astimezone(ctx.calendar.tz).strftime("%Y%m%d")
    key = f"{ctx.plan.number_prefix}-{day}"
    table = NumberSequence._meta.db_table
    # One statement that both creates the day's counter and takes the next number, atomically on both databases.
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {table} ("key", "last") VALUES (%s, 1) '
            f'ON CONFLICT ("key") DO UPDATE SET "last" = {table}."last" + 1 RETURNING "last"',
            [key],
        )
        (last,) = cursor.fetchone()
    return f"{key}-{last:04d}"


def _required_text(field: str, value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput.one(field, "required")
    if len(value) > MAX_REASON:
        raise InvalidInput.one(field, f"at most {MAX_REASON} characters")
    return value


def _check_photo_count(photos: Sequence[PreparedPhoto], errors: dict[str, list[str]]) -> None:
    from django.conf import settings

    if len(photos) > settings.RENJU_MAX_PHOTOS:
        errors.setdefault("photos", []).append(f"at most {settings.RENJU_MAX_PHOTOS} photos at once")


@contextmanager
def _photo_cleanup() -> Iterator[list[str]]:
    """Files written for an action that then fails are removed, so a refused action leaves nothing behind."""
    saved: list[str] = []
    try:
        yield saved
    except BaseException:
        for name in saved:
            default_storage.delete(name)
        raise


def _store_photos(problem, event, photos, kind, actor, at, saved: list[str], flags=()) -> list[Photo]:
    from renju.problems.phash_index import phash_columns

    stored = []
    for n, p in enumerate(photos):
        original, thumb = photo_files(p)
        photo = Photo(
            problem=problem, event=event, kind=kind, filename=p.filename, content_type=p.content_type,
            size=len(p.data), sha256=p.sha256, width=p.width, height=p.height, exif=p.exif,
            taken_at=p.taken_at, exif_lat=p.lat, exif_lng=p.lng, uploaded_by=actor, uploaded_at=at,
            flags=flags[n] if flags else [], **phash_columns(p.phash),
        )
        photo.original.save(original.name, original, save=False)
        saved.append(photo.original.name)
        photo.thumbnail.save(thumb.name, thumb, save=False)
        saved.append(photo.thumbnail.name)
        photo.save()
        stored.append(photo)
    return stored


def _iso(moment: dt.datetime) -> str:
    """Times in event details are written in Beijing time, as people read them."""
    return timezone.localtime(moment).isoformat()


def _parse_time(value: str | None, default: dt.datetime | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else default
