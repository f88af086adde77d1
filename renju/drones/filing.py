"""Turn drone photos into one problem: the team picks photos, a category and a severity, and the photos become the
problem's before-photos through `problem_report` (source "drone").

Idempotent twice over: the client key comes from the flight and the photos' hashes (the same submission from the
same person returns the problem already filed), and the photos are locked and marked with their problem, so two
people filing the same photos at once get one problem.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from renju.accounts.models import User
from renju.drones.models import DroneFlight, DronePhoto
from renju.drones.places import place_name
from renju.drones.rules import can_write, drone_rules
from renju.plans.active import active_plan
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.problems.lifecycle import problem_report
from renju.problems.models import Problem, Source
from renju.problems.photos import PreparedPhoto, photo_prepare


@dataclass
class Filed:
    problem: Problem
    created: bool  # False: these photos had already been filed as this problem


def flight_problem_file(
    *, actor: User, flight: DroneFlight, photo_ids: Sequence[int], category: str | None = None,
    severity: str | None = None, description: str = "", lat: float | None = None, lng: float | None = None,
    point_photo_id: int | None = None, address: str = "", is_key: bool = False,
) -> Filed:
    """File one problem from `photo_ids` (in the order given: the first placed one is the default point)."""
    if not can_write(actor):
        raise ActionForbidden("只有无人机飞行队（现场检查人员、派遣员）可以将航拍照片上报为问题")
    photos = _selected(flight, photo_ids)
    done = _already_filed(photos)
    if done is not None:
        return Filed(done, created=False)
    category = category or drone_rules().default_category
    if not category:
        raise InvalidInput.one("category", "请选择问题类型")
    lat, lng = _point(flight, photos, lat, lng, point_photo_id)
    prepared = [_prepared(p) for p in photos]
    key = _client_key(flight, photos)
    times = [p.taken_at for p in photos if p.taken_at]
    with transaction.atomic():
        locked = list(DronePhoto.objects.select_for_update().filter(pk__in=[p.pk for p in photos]))
        done = _already_filed(locked)  # another request filed them while these were being read
        if done is not None:
            return Filed(done, created=False)
        problem = problem_report(
            actor=actor, category=category, lat=lat, lng=lng, source=Source.DRONE, severity=severity or None,
            description=description.strip() or _description(flight, photos, category, lat, lng),
            address=address.strip() or place_name(lat, lng), found_at=min(times) if times else None,
            is_key=is_key, photos=prepared, client_key=key,
        )
        DronePhoto.objects.filter(pk__in=[p.pk for p in photos]).update(problem=problem)
    return Filed(problem, created=True)


def _selected(flight: DroneFlight, photo_ids: Sequence[int]) -> list[DronePhoto]:
    ids = list(dict.fromkeys(int(i) for i in photo_ids))
    if not ids:
        raise InvalidInput.one("photo_ids", "请至少选择一张照片")
    if len(ids) > settings.RENJU_MAX_PHOTOS:
        raise InvalidInput.one("photo_ids", f"一个问题最多 {settings.RENJU_MAX_PHOTOS} 张照片，已选 {len(ids)} 张")
    found = {p.pk: p for p in DronePhoto.objects.filter(flight=flight, pk__in=ids).select_related("problem")}
    errors = [f"照片 {i} 不属于架次 {flight.code}" for i in ids if i not in found]
    errors += [f"{found[i].filename} 无法读取，不能作为问题照片（{found[i].error}）" for i in ids
               if i in found and found[i].error]
    if errors:
        raise InvalidInput({"photo_ids": errors})
    return [found[i] for i in ids]


def _already_filed(photos: list[DronePhoto]) -> Problem | None:
    """The problem these photos were filed as (all of them), None if none is; a refusal if only some are used."""
    used = {p.problem_id for p in photos}
    if used == {None}:
        return None
    if len(used) == 1:
        return Problem.objects.get(pk=used.pop())
    numbers = Problem.objects.in_bulk([pk for pk in used if pk])
    raise InvalidInput({"photo_ids": [f"{p.filename} 已用于问题 {numbers[p.problem_id].number}"
                                      for p in photos if p.problem_id]})


def _point(flight: DroneFlight, photos: list[DronePhoto], lat, lng, point_photo_id) -> tuple[float, float]:
    if lat is not None or lng is not None:
        if lat is None or lng is None:
            raise InvalidInput.one("lat" if lat is None else "lng", "经纬度需同时给出")
        return float(lat), float(lng)
    if point_photo_id is not None:
        source = DronePhoto.objects.filter(flight=flight, pk=point_photo_id).first()
        if source is None:
            raise InvalidInput.one("point_photo_id", f"照片 {point_photo_id} 不属于架次 {flight.code}")
        if not source.placed:
            raise InvalidInput.one("point_photo_id", f"{source.filename} 没有位置信息")
        return source.lat, source.lng
    for photo in photos:
        if photo.placed:
            return photo.lat, photo.lng
    raise InvalidInput.one("lat", "所选照片都没有位置信息：请在地图上点选位置，或选用另一张照片的位置")


def _prepared(photo: DronePhoto) -> PreparedPhoto:
    """The stored original checked and hashed like any problem photo. Its place and time are the drone's reading
    (DJI's XMP), which plain EXIF may lack."""
    with photo.original.open("rb") as f:
        data = f.read()
    prepared = photo_prepare(data, photo.filename, field_name="photo_ids")
    if prepared.lat is None and photo.placed:
        prepared.lat, prepared.lng = photo.lat, photo.lng
    prepared.taken_at = prepared.taken_at or photo.taken_at
    return prepared


def _client_key(flight: DroneFlight, photos: list[DronePhoto]) -> str:
    digest = hashlib.sha256("|".join([flight.code, *sorted(p.sha256 for p in photos)]).encode()).hexdigest()
    return f"drone:{digest[:58]}"


def _description(flight: DroneFlight, photos: list[DronePhoto], category: str, lat: float, lng: float) -> str:
    category_obj = active_plan().categories.get(category)
    what = category_obj.name if category_obj else category
    times = [p.taken_at for p in photos if p.taken_at]
    when = f"{timezone.localtime(min(times)):%Y-%m-%d %H:%M} " if times else ""
    where = place_name(lat, lng) or f"{lat:.5f}, {lng:.5f}"
    return f"无人机航拍发现{what}：{where}，{when}拍摄（架次 {flight.code}，照片 {len(photos)} 张）"
