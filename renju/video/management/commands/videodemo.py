"""`renju videodemo`: demo cameras and a fortnight of video alarms (safe to run again; see renju.video.demo)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from renju.video.demo import video_demo_ensure


class Command(BaseCommand):
    help = "Create demo cameras and two weeks of video-AI alarms handled through the lifecycle (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cameras", type=int, default=60)
        parser.add_argument("--days", type=int, default=14)

    def handle(self, *args, **options) -> None:
        result = video_demo_ensure(cameras=options["cameras"], days=options["days"])
        self.stdout.write(f"video demo: {result['cameras']} cameras, {result['alarms']} new alarms")
