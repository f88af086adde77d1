"""The detector behind the video channel: a picture in, what it shows out. No model ships with Renju.

Today the AI platform detects and pushes its alarms; when the city wants to run a model of its own, it implements
`Detector` (any class with `detect(image: bytes) -> list[Detection]`) and names it in the environment:
`RENJU_VIDEO_DETECTOR="package.module:ClassName"` (constructed once per process, without arguments). Frames go
through `detect_and_receive`, which feeds each finding to the same alarm intake as a pushed alarm, so joining,
thresholds, idempotency and the 5-5-5 timers work the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import os
import threading
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from django.conf import settings

from renju.accounts.models import User
from renju.problems.errors import InvalidInput
from renju.problems.photos import photo_prepare
from renju.video.intake import AlarmResult, alarm_receive

DEFAULT = "renju.video.detector:NullDetector"


@dataclass(frozen=True)
class Detection:
    alarm_type: str  # the platform's alarm code, as in the plan's `intake.video.alarm_types`
    confidence: float  # 0..1
    box: tuple[int, int, int, int] | None = None  # x, y, width, height in pixels


@runtime_checkable
class Detector(Protocol):
    def detect(self, image: bytes) -> list[Detection]: ...


class NullDetector:
    """The default: finds nothing (no model is installed)."""

    def detect(self, image: bytes) -> list[Detection]:
        return []


class FixedDetector:
    """Finds the same thing in every picture: for tests and for checking the wiring end to end."""

    def __init__(self, alarm_type: str = "garbage_exposed", confidence: float = 0.9) -> None:
        self.alarm_type, self.confidence = alarm_type, confidence

    def detect(self, image: bytes) -> list[Detection]:
        return [Detection(self.alarm_type, self.confidence, (0, 0, 16, 16))]


_lock = threading.Lock()
_loaded: dict[str, Detector] = {}


def detector_path() -> str:
    return getattr(settings, "RENJU_VIDEO_DETECTOR", "") or os.environ.get("RENJU_VIDEO_DETECTOR", "") or DEFAULT


def detector_load(path: str | None = None) -> Detector:
    """The detector named `module:Class` (default: the setting), built once per process."""
    path = path or detector_path()
    with _lock:
        if path not in _loaded:
            module_name, _, class_name = path.partition(":")
            try:
                cls = getattr(importlib.import_module(module_name), class_name)
            except (ImportError, AttributeError, ValueError) as exc:
                raise ValueError(f"RENJU_VIDEO_DETECTOR={path!r}: cannot import {class_name!r} "
                                 f"from {module_name!r} ({exc})") from exc
            detector = cls()
            if not isinstance(detector, Detector):
                raise ValueError(f"RENJU_VIDEO_DETECTOR={path!r} has no detect(image) method")
            _loaded[path] = detector
        return _loaded[path]


@dataclass
class FrameResult:
    detections: list[Detection]
    alarms: list[AlarmResult] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # alarm types the plan does not map (model knows more)


def detect_and_receive(
    *, actor: User, camera: str, frame_id: str, occurred_at: dt.datetime, image: bytes,
    filename: str = "frame.jpg", detector: Detector | None = None,
) -> FrameResult:
    """Run the detector on one frame and feed each kind of finding to the alarm intake as one alarm.

    The alarm id is the frame id and the alarm type, so running the same frame again changes nothing; several boxes
    of one type in a frame are one alarm (the most confident), with every box kept in its payload."""
    frame_id = (frame_id or "").strip() or hashlib.sha256(image).hexdigest()[:32]
    detector = detector or detector_load()
    from renju.video.rules import video_rules

    known = video_rules().alarm_types
    detections = list(detector.detect(image))
    best: dict[str, Detection] = {}
    boxes: dict[str, list] = {}
    result = FrameResult(detections)
    for d in detections:
        if not 0 <= d.confidence <= 1:
            raise InvalidInput.one("confidence", f"the detector gave {d.confidence} for {d.alarm_type}")
        if d.alarm_type not in known:
            if d.alarm_type not in result.ignored:
                result.ignored.append(d.alarm_type)
            continue
        boxes.setdefault(d.alarm_type, []).append(list(d.box) if d.box else None)
        if d.alarm_type not in best or d.confidence > best[d.alarm_type].confidence:
            best[d.alarm_type] = d
    # Checked and decoded once for all the frame's alarms (a corrupt frame is refused before any is recorded).
    photo = photo_prepare(image, filename, field_name="snapshot") if best else None
    for alarm_type, d in sorted(best.items()):
        alarm_id = f"{frame_id}:{alarm_type}"
        if len(alarm_id) > 64:
            alarm_id = "f:" + hashlib.sha256(alarm_id.encode()).hexdigest()[:62]
        result.alarms.append(alarm_receive(
            actor=actor, camera=camera, alarm_id=alarm_id, alarm_type=alarm_type, occurred_at=occurred_at,
            confidence=d.confidence, snapshot=photo,
            payload={"detector": type(detector).__name__, "frame_id": frame_id, "boxes": boxes[alarm_type]},
        ))
    return result
