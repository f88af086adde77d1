"""`renju videodetect CAMERA IMAGE…`: run the configured detector on frames and feed its findings to the alarm intake.

For a model run beside Renju (frames saved by a recorder, say): each file is one frame; its alarms are filed as the
given integration account, exactly as if the platform had pushed them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from renju.accounts.models import User
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.video.detector import detect_and_receive, detector_load


class Command(BaseCommand):
    help = "Run the video detector (RENJU_VIDEO_DETECTOR) on image files and file what it finds as alarms."

    def add_arguments(self, parser) -> None:
        parser.add_argument("camera", help="the camera's code in the registry")
        parser.add_argument("images", nargs="+", help="image files (JPEG, PNG or WebP), one frame each")
        parser.add_argument("--user", required=True, help="the integration account the alarms are filed as")
        parser.add_argument("--at", help="when the frames were taken (ISO 8601 with offset); default: the file's "
                                         "modification time")
        parser.add_argument("--detector", help="module:Class, instead of RENJU_VIDEO_DETECTOR")

    def handle(self, *args, **options) -> None:
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {options['user']!r}")
        try:
            detector = detector_load(options["detector"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for name in options["images"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file")
            taken = self._time(options["at"], path)
            try:
                result = detect_and_receive(actor=actor, camera=options["camera"], frame_id=path.stem[:40],
                                            occurred_at=taken, image=path.read_bytes(), filename=path.name,
                                            detector=detector)
            except (InvalidInput, ActionForbidden) as exc:
                raise CommandError(f"{name}: {exc}") from exc
            found = ", ".join(f"{r.alarm.alarm_type} {r.alarm.get_outcome_display()}"
                              + (f" {r.alarm.problem.number}" if r.alarm.problem else "")
                              + (" (已收到过)" if r.replayed else "") for r in result.alarms) or "无告警"
            ignored = f"; 方案未配置的类型: {', '.join(result.ignored)}" if result.ignored else ""
            self.stdout.write(f"{name}: {found}{ignored}")

    @staticmethod
    def _time(value: str | None, path: Path) -> dt.datetime:
        if not value:
            return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.get_current_timezone())
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise CommandError(f"--at {value!r}: not an ISO 8601 date and time") from exc
        if moment.tzinfo is None:
            raise CommandError("--at needs a time zone offset, e.g. 2026-03-02T09:00:00+08:00")
        return moment
