"""How problems arrive from each channel (plan section `intake:`): duplicate rules, the 12345 hotline, video-AI
alarms, drone flights and referrals. Values a city tunes without touching code."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Duplicates(_Strict):
    """Same category within this distance and time of another report is suggested as a duplicate."""

    metres: int = Field(30, ge=1, le=2000)
    hours: int = Field(72, ge=1, le=24 * 90)


class Hotline(_Strict):
    unmasked_roles: list[str] = Field(["dispatcher", "admin"], description="who sees callers' names and numbers")
    min_confidence: float = Field(0.35, ge=0, le=1, description="below this the category is left to the dispatcher")
    reply_on_close: bool = True


class AlarmType(_Strict):
    code: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    name: str
    category: str


class Video(_Strict):
    join_window_minutes: int = Field(30, ge=0, le=24 * 60, description="same camera and type within = one problem")
    min_confidence: float = Field(0.5, ge=0, le=1, description="alarms below are recorded and dropped")
    auto_accept_confidence: float = Field(0.85, ge=0, le=1, description="at or above: accepted and dispatched")
    find_minutes: int = Field(5, ge=1, description="5-5-5: alarm → dispatched")
    arrive_minutes: int = Field(5, ge=1, description="5-5-5: dispatched → on site")
    handle_minutes: int = Field(5, ge=1, description="5-5-5: on site → handled")
    alarm_types: list[AlarmType] = []

    @model_validator(mode="after")
    def ordered(self) -> Video:
        if self.auto_accept_confidence < self.min_confidence:
            raise ValueError("auto_accept_confidence must not be below min_confidence")
        codes = [a.code for a in self.alarm_types]
        if len(codes) != len(set(codes)):
            raise ValueError("alarm_types: codes must be unique")
        return self


class Drone(_Strict):
    max_photos_per_flight: int = Field(2000, ge=1, le=20000)
    default_category: str | None = None


class Intake(_Strict):
    duplicates: Duplicates = Duplicates()
    hotline: Hotline = Hotline()
    video: Video = Video()
    drone: Drone = Drone()
