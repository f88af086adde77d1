"""One alarm from the video-AI platform: checked, de-duplicated, and turned into a problem — or not.

Outcomes (plan `intake.video`):
- `dropped`: confidence below `min_confidence`; kept for the record, nothing else.
- `joined`: the same camera raised the same alarm type within `join_window_minutes` (either side, edges included) of
  an alarm whose problem is still open: the alarm is linked to that problem, no new problem.
- `created`: a new problem, fast-tracked (直派) to its unit because confidence ≥ `auto_accept_confidence`.
- `review`: a new problem left in the dispatcher's intake queue.

Idempotent: the platform's alarm id is unique per camera. A replay returns the first outcome. Alarms of one camera
are decided one at a time (the camera row is locked; SQLite serialises writers anyway), so two alarms racing in the
join window cannot both open a problem; the unique constraint is the last word if two deliveries of the same alarm
race anyway.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from renju.accounts.models import Role, User
from renju.plans.active import active_plan
from renju.problems import lifecycle
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.problems.lifecycle.rules import CLOCK_SKEW
from renju.problems.models import Photo, Problem, Source, Status
from renju.problems.photos import PreparedPhoto, photo_files, photo_prepare
from renju.video.models import Alarm, Camera
from renju.video.rules import VideoRules, video_rules

# A problem in one of these states is finished: a new alarm there is a new problem.
FINISHED = (Status.CLOSED, Status.REJECTED, Status.MERGED)
SENDERS = (Role.INTEGRATION,)  # and admins, who pass every role check


@dataclass(frozen=True)
class AlarmResult:
    alarm: Alarm
    replayed: bool


def alarm_client_key(camera_code: str, alarm_id: str) -> str:
    """The problem's client_key: the same camera and alarm id always give the same key (≤ 64 characters)."""
    digest = hashlib.sha256(f"{camera_code}\x00{alarm_id}".encode()).hexdigest()[:48]
    return f"video:{digest}"


def alarm_receive(
    *,
    actor: User,
    camera: str,
    alarm_id: str,
    alarm_type: str,
    occurred_at: dt.datetime,
    confidence: float,
    snapshot: bytes | PreparedPhoto | None,
    snapshot_name: str = "snapshot.jpg",
    payload: dict | None = None,
    at: dt.datetime | None = None,
) -> AlarmResult:
    """Record one alarm and decide what becomes of it. InvalidInput names the field; ActionForbidden for others than
    the platform's account. `at` dates the receipt (trusted importers and tests; the API never passes it)."""
    if not actor.is_active or not actor.has_role(*SENDERS):
        raise ActionForbidden("只有视频平台接口账号能推送告警")
    at = at or timezone.now()
    alarm_id = (alarm_id or "").strip()
    errors: dict[str, list[str]] = {}
    if not alarm_id or len(alarm_id) > 64:
        errors["alarm_id"] = ["1 to 64 characters"]
    cam = Camera.objects.filter(code=(camera or "").strip()).order_by().first()
    if cam is None:
        errors["camera"] = [f"no camera with code {camera!r} is registered"]
    if errors:
        raise InvalidInput(errors)
    first = _first(cam, alarm_id)
    if first is not None:
        return AlarmResult(first, replayed=True)  # before anything else: a replay is answered as it was

    rules = video_rules()
    kind = _check(cam, alarm_type, occurred_at, confidence, snapshot, rules, at, errors)
    photo = snapshot if isinstance(snapshot, PreparedPhoto) else None
    if not errors and photo is None:
        try:
            photo = photo_prepare(snapshot, snapshot_name or "snapshot.jpg", field_name="snapshot")
        except InvalidInput as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    alarm = Alarm(camera=cam, external_id=alarm_id, alarm_type=kind.code,
                  category=active_plan().categories[kind.category], confidence=float(confidence),
                  occurred_at=occurred_at, received_at=at, received_by=actor, snapshot_sha256=photo.sha256,
                  payload=payload or {})
    written: list[str] = []
    try:
        with transaction.atomic():
            # The lock that decides this camera's alarms one at a time (the status may have changed meanwhile).
            status = Camera.objects.select_for_update().filter(pk=cam.pk).values_list("status", flat=True).get()
            first = _first(cam, alarm_id)
            if first is not None:
                return AlarmResult(first, replayed=True)
            if status == Camera.Status.RETIRED:
                raise InvalidInput.one("camera", f"camera {cam.code} is retired")
            _decide(alarm, cam, kind, photo, rules, actor, at, written)
            alarm.save()
    except IntegrityError:
        _forget_files(written)
        first = _first(cam, alarm_id)
        if first is not None:  # the same alarm, delivered twice at once: the other delivery won
            return AlarmResult(first, replayed=True)
        raise
    except BaseException:
        _forget_files(written)
        raise
    return AlarmResult(alarm, replayed=False)


def _first(cam: Camera, alarm_id: str) -> Alarm | None:
    """The alarm already received under this id, if any. A cheap probe first: replays are the rare case."""
    found = list(Alarm.objects.filter(camera=cam, external_id=alarm_id).order_by().values_list("id", flat=True)[:1])
    if not found:
        return None
    return Alarm.objects.select_related("camera", "problem").get(pk=found[0])


def _check(cam, alarm_type, occurred_at, confidence, snapshot, rules: VideoRules, at, errors):
    if cam.status == Camera.Status.RETIRED:
        errors.setdefault("camera", []).append(f"camera {cam.code} is retired")
    kind = rules.alarm_types.get(alarm_type or "")
    if kind is None:
        known = ", ".join(rules.alarm_types) or "none configured"
        errors.setdefault("alarm_type", []).append(f"unknown alarm type {alarm_type!r}; the plan maps {known}")
    elif kind.category not in active_plan().categories:
        errors.setdefault("alarm_type", []).append(f"alarm type {alarm_type!r} maps to an inactive category")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        errors.setdefault("confidence", []).append("must be a number from 0 to 1")
    if not isinstance(occurred_at, dt.datetime) or occurred_at.tzinfo is None:
        errors.setdefault("occurred_at", []).append("must be a date and time with a time zone offset")
    elif occurred_at > at + CLOCK_SKEW:
        errors.setdefault("occurred_at", []).append("is in the future")
    if snapshot is None or snapshot == b"":
        errors.setdefault("snapshot", []).append("required: the alarm's picture (JPEG)")
    return kind


def _decide(alarm: Alarm, cam: Camera, kind, photo: PreparedPhoto, rules: VideoRules, actor, at, written) -> None:
    if alarm.confidence < rules.min_confidence:
        alarm.outcome = Alarm.Outcome.DROPPED
        return
    target = _join_target(cam, kind.code, alarm.occurred_at, rules.join_window)
    if target is not None:
        alarm.outcome, alarm.problem = Alarm.Outcome.JOINED, target
        original, thumb = photo_files(photo)
        alarm.snapshot.save(original.name, original, save=False)
        written.append(alarm.snapshot.name)
        alarm.snapshot_thumb.save(thumb.name, thumb, save=False)
        written.append(alarm.snapshot_thumb.name)
        return
    key = alarm_client_key(cam.code, alarm.external_id)
    filed = Problem.objects.filter(reporter=actor, client_key=key).order_by().first()
    if filed is None:
        problem = _report(alarm, cam, kind, photo, actor, at, key)
        # Remember the files just written, so a rollback further on leaves none behind.
        written.extend(n for pair in Photo.objects.filter(problem=problem).values_list("original", "thumbnail")
                       for n in pair)
    else:  # filed by an earlier delivery whose alarm row is gone (never removed by the app): take it up again
        problem = filed
    alarm.outcome, alarm.problem = Alarm.Outcome.REVIEW, problem
    if alarm.confidence >= rules.auto_accept_confidence and problem.status == Status.REPORTED:
        reason = (f"视频AI告警置信度 {alarm.confidence:.2f}，达到自动立案派遣阈值 "
                  f"{rules.auto_accept_confidence:.2f}")
        try:
            alarm.problem = lifecycle.problem_fast_track(actor=actor, problem_id=problem.id, reason=reason, at=at)
            alarm.outcome = Alarm.Outcome.CREATED
        except InvalidInput as exc:  # no unit is suggested for the place: a dispatcher has to choose
            alarm.payload = {**alarm.payload, "fast_track_refused": str(exc)}


def _join_target(cam: Camera, alarm_type: str, occurred_at: dt.datetime, window: dt.timedelta) -> Problem | None:
    """The open problem of the nearest-in-time alarm of this camera and type within the window, if any."""
    near = (
        Alarm.objects.filter(camera=cam, alarm_type=alarm_type, problem__isnull=False,
                             occurred_at__gte=occurred_at - window, occurred_at__lte=occurred_at + window)
        .exclude(problem__status__in=FINISHED)
        .order_by("-occurred_at")
        .values_list("problem_id", "occurred_at")[:20]
    )
    best = min(near, key=lambda row: abs(row[1] - occurred_at), default=None)
    if best is None:
        return None
    # Only what the answer shows: the number and state.
    return Problem.objects.only("id", "number", "status").get(pk=best[0])


def _report(alarm: Alarm, cam: Camera, kind, photo: PreparedPhoto, actor: User, at: dt.datetime, key: str) -> Problem:
    channel = f" 通道{cam.channel}" if cam.channel else ""
    description = (f"视频AI告警：{kind.name}（{cam.name}{channel}，置信度 {alarm.confidence:.2f}，"
                   f"告警编号 {alarm.external_id}）")
    try:
        return lifecycle.problem_report(
            actor=actor, category=kind.category, lat=cam.lat, lng=cam.lng, description=description,
            source=Source.VIDEO, address=(cam.address or cam.name)[:300], found_at=alarm.occurred_at,
            road_class=cam.road_class, photos=[photo], client_key=key,
            at=at,
        )
    except InvalidInput as exc:
        # The problem's fields come from the camera and the alarm: name those, not the problem's own fields.
        renamed = {"lat": "camera", "lng": "camera", "road_class": "camera", "found_at": "occurred_at",
                   "photos": "snapshot", "category": "alarm_type"}
        errors: dict[str, list[str]] = {}
        for name, messages in exc.errors.items():
            errors.setdefault(renamed.get(name, name), []).extend(messages)
        raise InvalidInput(errors) from exc


def _forget_files(names: list[str]) -> None:
    """Files written for an alarm whose transaction rolled back: nothing of a refused alarm stays behind."""
    for name in names:
        default_storage.delete(name)
