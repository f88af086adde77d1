"""Who may do what with drone flights, and the limits on what a flight may hold (from the plan and settings)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from renju.accounts.models import Role, User
from renju.drones.archive import ZipLimits
from renju.plans.active import active_plan

# The drone team (无人机飞行队) are work-team staff: inspectors and dispatchers upload flights and file problems.
WRITERS = (Role.INSPECTOR, Role.DISPATCHER)
# Leaders and scorers follow what the drones found; they change nothing.
READERS = (*WRITERS, Role.LEADER, Role.SCORER)
# Room in a zip for what a DJI card holds beside the photos (folders, .MRK/.SRT/.MP4 sidecars), refused one by one.
ZIP_EXTRA_ENTRIES = 200


def can_read(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.has_role(*READERS)


def can_write(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.has_role(*WRITERS)


@dataclass(frozen=True)
class DroneRules:
    max_photos_per_flight: int
    default_category: str | None
    max_photo_bytes: int

    @property
    def zip_limits(self) -> ZipLimits:
        return ZipLimits(
            max_entries=self.max_photos_per_flight * 2 + ZIP_EXTRA_ENTRIES,
            max_total_bytes=self.max_photos_per_flight * self.max_photo_bytes,
            max_file_bytes=self.max_photo_bytes,
        )


def drone_rules() -> DroneRules:
    """The plan's `intake.drone` section (validated when the plan was loaded) and the per-photo size limit, which is
    the one every problem photo obeys: a drone photo must be fileable as a problem's before-photo."""
    section = (active_plan().plan.intake or {}).get("drone") or {}
    return DroneRules(
        max_photos_per_flight=int(section.get("max_photos_per_flight") or 2000),
        default_category=section.get("default_category") or None,
        max_photo_bytes=settings.RENJU_MAX_PHOTO_BYTES,
    )
