"""Evidence you can trust: the after-photos a unit sends with a rectification, checked against the problem.

Three questions per after-photo, each answered from what the photo itself carries:

- place: was it taken near the problem? Its EXIF GPS position within `RENJU_EVIDENCE_MAX_METRES` (default 150 m) of
  the problem's position; a photo with no position cannot say.
- time: was it taken after the problem was sent to the unit? Its EXIF time after the dispatch (after the failed
  verification, for rework), and not later than the moment it is sent; a photo with no time cannot say.
- reuse: is it a picture already on another problem? Its perceptual hash within `DUPLICATE_MAX_BITS` of a photo of
  any other problem (renju.problems.phash_index): the same picture resized, re-compressed or lightly edited is found.

A doubtful answer becomes a flag `{"code", "message"}` (a few codes add the figures behind the message). Flags are
stored on the photo and in the rectify event and shown to whoever verifies, with their reasons: evidence is never
silently accepted, and never silently refused either. A flag refuses nothing, because each has honest causes (a
phone with location off, a camera clock set wrong, the same corner photographed for two problems) that only the
inspector on site can tell from cheating.

The checks are pure functions of the photo's facts and the problem's; `after_photo_flags` puts them together for
`lifecycle.problem_rectify`, with the one lookup that needs the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.utils import timezone

from renju.plans.geo import distance_m
from renju.problems.phash_index import PhashMatch, phash_lookup

# Phone and camera clocks drift and EXIF times are whole seconds written by the device, not the server: a photo
# stamped a few minutes before the dispatch was most likely taken after it. Five minutes forgives that drift and
# still catches a photo from before the problem was sent (which is hours or days, not minutes, earlier).
CLOCK_TOLERANCE = dt.timedelta(minutes=5)
# Resizing to half and re-saving at JPEG quality 60 moves a pHash by 0–4 bits on the test scenes (up to ~10 on
# nearly featureless ones); two unrelated photos differ in ~32 bits, and the chance that one of them comes within 8 by
# accident is about 3e-10, so about 1 in 3,500 lookups among 1,000,000 stored photos would flag by pure chance.
# Photos of the same spot from the same angle can come closer than unrelated ones: that is doubtful enough to show.
DUPLICATE_MAX_BITS = 8

# Flag codes and the short names the report's columns use.
FLAG_KINDS: dict[str, str] = {
    "no_position": "无拍摄位置",
    "far": "拍摄位置偏离",
    "no_time": "无拍摄时间",
    "too_early": "拍摄早于派遣",
    "future": "拍摄时间超前",
    "duplicate": "疑似重复照片",
}


def place_flags(
    photo_lat: float | None, photo_lng: float | None, lat: float, lng: float, *, max_metres: float
) -> list[dict]:
    """Doubts about where the photo was taken, against the problem's position (lat, lng)."""
    if photo_lat is None or photo_lng is None:
        return [{"code": "no_position", "message": "照片没有拍摄位置（EXIF 中无 GPS 信息），无法确认在现场拍摄"}]
    metres = distance_m(photo_lat, photo_lng, lat, lng)
    if metres <= max_metres:
        return []
    return [{"code": "far", "metres": round(metres),
             "message": f"拍摄位置距问题位置 {_distance_label(metres)}，超过允许的 {max_metres:g} 米"}]


def time_flags(
    taken_at: dt.datetime | None, *, since: dt.datetime | None, since_name: str, submitted_at: dt.datetime
) -> list[dict]:
    """Doubts about when the photo was taken: before `since` (the dispatch, named `since_name` in the message) or
    after it was submitted, each beyond the clock tolerance."""
    if taken_at is None:
        return [{"code": "no_time", "message": f"照片没有拍摄时间（EXIF 中无时间），无法确认拍摄于{since_name}之后"}]
    if since is not None and taken_at < since - CLOCK_TOLERANCE:
        return [{"code": "too_early",
                 "message": f"拍摄于 {_when(taken_at)}，早于{since_name}时间 {_when(since)}"}]
    if taken_at > submitted_at + CLOCK_TOLERANCE:
        return [{"code": "future",
                 "message": f"拍摄时间 {_when(taken_at)} 晚于提交时间 {_when(submitted_at)}，相机时间可能有误"}]
    return []


def duplicate_flags(matches: Sequence[PhashMatch]) -> list[dict]:
    """One flag per other problem holding a photo that looks the same, nearest first."""
    flags = []
    for match in matches:
        how = ("相同" if match.distance == 0 else "几乎相同" if match.distance <= 4 else "高度相似") + (
            f"（64 位图像指纹相差 {match.distance} 位）" if match.distance else "")
        flags.append({"code": "duplicate", "problem_id": match.problem_id, "number": match.number,
                      "photo_id": match.photo_id, "distance": match.distance,
                      "message": f"与问题 {match.number} 的照片{how}"})
    return flags


def after_photo_flags(problem, photos: Sequence, *, at: dt.datetime) -> list[list[dict]]:
    """The flags of each after-photo (`PreparedPhoto`s, in order) sent at `at` to rectify `problem`.

    Call it before the rectification changes the problem: for rework it looks up when the verification failed."""
    since, since_name = _since(problem)
    max_metres = settings.RENJU_EVIDENCE_MAX_METRES
    out = []
    for photo in photos:
        flags = place_flags(photo.lat, photo.lng, problem.lat, problem.lng, max_metres=max_metres)
        flags += time_flags(photo.taken_at, since=since, since_name=since_name, submitted_at=at)
        if photo.phash is not None:
            flags += duplicate_flags(phash_lookup(photo.phash, max_distance=DUPLICATE_MAX_BITS,
                                                  exclude_problem_id=problem.id))
        out.append(flags)
    return out


def event_flags(photos: Sequence, flags: Sequence[list[dict]]) -> list[dict]:
    """The flags as the rectify event records them: each with the photo's position in the upload and file name."""
    return [{"photo": n, "filename": photo.filename, **flag}
            for n, (photo, photo_flags) in enumerate(zip(photos, flags, strict=True), start=1) for flag in photo_flags]


def _since(problem) -> tuple[dt.datetime | None, str]:
    """From when an after-photo is plausible: the dispatch, or for rework the verification that failed."""
    from renju.problems.models import ProblemEvent, Status

    if problem.status == Status.REWORK:
        failed_at = (ProblemEvent.objects.filter(problem_id=problem.id, action="verify", to_status=Status.REWORK)
                     .order_by("-seq").values_list("at", flat=True).first())
        if failed_at is not None and (problem.dispatched_at is None or failed_at > problem.dispatched_at):
            return failed_at, "核查不通过（返工）"
    if problem.self_check_unit_id is not None:
        # A unit's own find is often fixed on the spot: an after-photo from the moment it was found is plausible.
        return problem.found_at, "发现"
    return problem.dispatched_at, "派遣"


def _distance_label(metres: float) -> str:
    return f"{round(metres)} 米" if metres < 1000 else f"{metres / 1000:.1f} 公里"


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
