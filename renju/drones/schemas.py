"""The drones API's request and response shapes (they document the OpenAPI and validate what comes in)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import ConfigDict, Field


class FlightCounts(Schema):
    photos: int
    placed: int = Field(description="readable photos with a position")
    unplaced: int = Field(description="readable photos without a position (无位置信息)")
    unreadable: int
    filed: int = Field(description="photos already used in a problem")
    problems: int


class FlightOut(Schema):
    id: int
    code: str = Field(description="架次编号")
    pilot: str
    drone: str
    notes: str
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    uploaded_by: str
    uploaded_at: dt.datetime
    counts: FlightCounts | None
    url: str = Field(description="the flight's page")


class ProblemRef(Schema):
    id: int
    number: str


class PhotoOut(Schema):
    id: int
    filename: str
    sha256: str
    size: int
    width: int | None
    height: int | None
    taken_at: dt.datetime | None
    lat: float | None
    lng: float | None
    altitude: float | None = Field(description="metres above sea level (DJI AbsoluteAltitude, else EXIF GPS)")
    relative_altitude: float | None = Field(description="metres above the take-off point (DJI XMP)")
    gimbal_yaw: float | None
    gimbal_pitch: float | None
    flight_yaw: float | None
    position_source: str | None = Field(description="xmp or exif")
    time_source: str | None = Field(description="exif (with its UTC offset), exif_local (plan's zone), gps (UTC)")
    place: str
    warnings: list[str]
    error: str | None = Field(description="why the picture could not be decoded; such photos cannot be filed")
    problem: ProblemRef | None
    thumbnail_url: str | None
    original_url: str


class FileNote(Schema):
    file: str
    reason: str


class UploadOut(Schema):
    id: int
    uploaded_by: str
    uploaded_at: dt.datetime
    received: int
    added: int
    skipped: list[FileNote]
    refused: list[FileNote]


class UploadReportOut(Schema):
    flight: FlightOut
    created: bool = Field(description="this upload created the flight")
    replay: bool = Field(description="nothing new: every photo was already there")
    received: int
    added: list[PhotoOut]
    skipped: list[FileNote] = Field(description="already in this or another flight (same sha256)")
    refused: list[FileNote]


class FlightDetailOut(FlightOut):
    photos: list[PhotoOut]
    uploads: list[UploadOut]


class FlightPage(Schema):
    items: list[FlightOut]
    total: int
    limit: int
    offset: int


class FlightFieldsIn(Schema):
    """Form fields sent with the files (multipart/form-data)."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field("", max_length=64, description="架次编号; blank: UAV-YYYYMMDD-NN. An existing code adds to it.")
    pilot: str = Field("", max_length=50)
    drone: str = Field("", max_length=100, description="机型")
    notes: str = Field("", max_length=2000)


class FileProblemIn(Schema):
    model_config = ConfigDict(extra="forbid")
    photo_ids: list[int] = Field(min_length=1, description="photos of this flight; the first placed one is the point")
    category: str | None = Field(None, description="category code; default: the plan's intake.drone.default_category")
    severity: str | None = None
    description: str = Field("", description="blank: written from the place and time")
    lat: float | None = Field(None, description="a chosen point (with lng) instead of a photo's position")
    lng: float | None = None
    point_photo_id: int | None = Field(None, description="use this photo's position (any photo of the flight)")
    address: str = Field("", max_length=300)
    is_key: bool = False


class FiledOut(Schema):
    problem: ProblemRef
    created: bool = Field(description="false: these photos had been filed already; this is that problem")
    status: str
    url: str
