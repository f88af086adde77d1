"""The video channel's API endpoints (registered on the /api/v1/ API): the camera registry, the AI platform's alarm
push, a detector run on one frame, and the 5-5-5 figures. Views only translate; the work is in the modules beside.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from renju.accounts.models import Role
from renju.api.schemas import ErrorOut, In
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.video import alarm_body
from renju.video.camera_import import camera_import
from renju.video.cameras import camera_create, camera_update
from renju.video.detector import detect_and_receive
from renju.video.intake import alarm_receive
from renju.video.models import Alarm, Camera
from renju.video.present import alarm_out, camera_out, period_from, timers_out

router = Router(tags=["video"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
REGISTRY = (Role.INTEGRATION,)  # and admins
READERS = (Role.INTEGRATION, Role.DISPATCHER, Role.LEADER, Role.SCORER)


def _allow(user, roles: tuple[str, ...]) -> None:
    if not user.has_role(*roles):
        raise ActionForbidden(f"角色「{user.get_role_display()}」不能使用此接口")


# ---------------------------------------------------------------- cameras


class CameraIn(In):
    code: str = Field(description="the platform's device id (letters, digits, _ . : -)", max_length=64)
    name: str = Field(max_length=100)
    channel: str = Field("", max_length=32)
    lat: float = Field(ge=-90, le=90, description="WGS-84; must fall inside a region of the plan's city")
    lng: float = Field(ge=-180, le=180)
    address: str = Field("", max_length=300)
    road_class: str = Field("", description="a road class code of the plan, or empty")
    status: str = Field("online", description="online, offline or retired")


class CameraPatch(In):
    name: str | None = Field(None, max_length=100)
    channel: str | None = Field(None, max_length=32)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    address: str | None = Field(None, max_length=300)
    road_class: str | None = None
    status: str | None = Field(None, description="retired refuses the camera's alarms from now on")


class CameraOut(Schema):
    code: str
    name: str
    channel: str
    lat: float
    lng: float
    address: str
    road_class: str
    status: str
    region: dict
    updated_at: dt.datetime


class CameraPage(Schema):
    items: list[CameraOut]
    total: int
    limit: int
    offset: int


class CameraFilters(Schema):
    status: str | None = Field(None, description="online, offline or retired")
    q: str | None = Field(None, description="code or name contains")
    limit: int = Field(200, ge=1, le=2000)
    offset: int = Field(0, ge=0)


def _json_doc(schema) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema.model_json_schema()}}}}


def _json_body(request, schema):
    from renju.api.body import read_body

    data, photos = read_body(request, schema)
    if photos:
        raise InvalidInput.one("photos", "this endpoint takes no files")
    return data


@router.get("/video/cameras", response={200: CameraPage, **ERRORS}, summary="The camera registry")
def camera_list(request, filters: Query[CameraFilters]):
    _allow(request.auth, REGISTRY)
    rows = Camera.objects.select_related("region")
    if filters.status:
        if filters.status not in Camera.Status.values:
            raise InvalidInput.one("status", f"must be one of {', '.join(Camera.Status.values)}")
        rows = rows.filter(status=filters.status)
    if filters.q:
        from django.db.models import Q

        rows = rows.filter(Q(code__icontains=filters.q) | Q(name__icontains=filters.q))
    total = rows.count()
    page = rows.order_by("code")[filters.offset:filters.offset + filters.limit]
    return {"items": [camera_out(c) for c in page], "total": total, "limit": filters.limit, "offset": filters.offset}


@router.post("/video/cameras", response={201: CameraOut, **ERRORS}, summary="Register a camera",
             openapi_extra=_json_doc(CameraIn))
def camera_post(request):
    _allow(request.auth, REGISTRY)
    data = _json_body(request, CameraIn)
    return Status(201, camera_out(camera_create(actor=request.auth, values=data.model_dump())))


class ImportRowOut(Schema):
    row: int
    code: str
    action: str
    errors: dict[str, list[str]] = {}


class ImportOut(Schema):
    detail: str = ""
    errors: dict[str, list[str]] = {}
    written: bool
    counts: dict[str, int]
    rows: list[ImportRowOut]


@router.post("/video/cameras/import", response={**ERRORS, 200: ImportOut, 422: ImportOut},
             summary="Import cameras from a CSV or XLSX file (field `file`); all rows or none",
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "properties": {"file": {"type": "string", "format": "binary"}},
                 "required": ["file"]}}}}})
def camera_import_post(request):
    _allow(request.auth, REGISTRY)
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput.one("file", "required: a .csv or .xlsx file as multipart field 'file'")
    if upload.size > 5 * 1024 * 1024:
        raise InvalidInput.one("file", f"{upload.size} bytes, larger than the {5 * 1024 * 1024} allowed")
    report = camera_import(actor=request.auth, data=upload.read(), filename=upload.name or "")
    body = {"written": report.written, "counts": report.counts,
            "rows": [{"row": r.row, "code": r.code, "action": r.action, "errors": r.errors} for r in report.rows]}
    if not report.written:
        refused = {f"row {r.row}": [f"{k}: {', '.join(v)}" for k, v in r.errors.items()]
                   for r in report.rows if r.errors}
        return Status(422, {"detail": "nothing imported: some rows are refused", "errors": refused, **body})
    return body


@router.get("/video/cameras/{code}", response={200: CameraOut, **ERRORS}, summary="One camera")
def camera_get(request, code: str):
    _allow(request.auth, REGISTRY)
    camera = Camera.objects.select_related("region").filter(code=code).first()
    if camera is None:
        from django.http import Http404

        raise Http404
    return camera_out(camera)


@router.patch("/video/cameras/{code}", response={200: CameraOut, **ERRORS},
              summary="Change a camera (status=retired retires it)",
              openapi_extra=_json_doc(CameraPatch))
def camera_patch(request, code: str):
    _allow(request.auth, REGISTRY)
    if not Camera.objects.filter(code=code).exists():
        from django.http import Http404

        raise Http404
    data = _json_body(request, CameraPatch)
    change = camera_update(actor=request.auth, code=code, changes=data.model_dump(exclude_unset=True))
    return camera_out(Camera.objects.select_related("region").get(pk=change.camera.pk))


# ---------------------------------------------------------------- alarms


class AlarmOut(Schema):
    alarm_id: str
    camera: str
    alarm_type: str
    confidence: float
    occurred_at: dt.datetime
    received_at: dt.datetime
    outcome: str
    outcome_label: str
    replayed: bool = False
    problem: dict | None = None


@router.post("/video/alarms", response={200: AlarmOut, 201: AlarmOut, **ERRORS},
             summary="An alarm pushed by the video-AI platform (JSON with base64 snapshot, or multipart)",
             description="201 when the alarm is new; 200 with `replayed: true` when the same camera and alarm_id "
                         "were received before (the first outcome is returned, nothing is written). Outcomes: "
                         "created (problem filed and dispatched), review (problem filed, waits for a dispatcher), "
                         "joined (linked to the open problem of the same camera and type within the plan's "
                         "window), dropped (confidence below the plan's minimum).",
             openapi_extra=alarm_body.OPENAPI)
def alarm_post(request):
    _allow(request.auth, (Role.INTEGRATION,))
    data, snapshot, name = alarm_body.read_alarm(request)
    result = alarm_receive(actor=request.auth, camera=data.camera, alarm_id=data.alarm_id,
                           alarm_type=data.alarm_type, occurred_at=data.occurred_at, confidence=data.confidence,
                           snapshot=snapshot, snapshot_name=name, payload=alarm_body.payload_of(data))
    return Status(200 if result.replayed else 201, alarm_out(result.alarm, replayed=result.replayed))


class AlarmFilters(Schema):
    camera: str | None = None
    outcome: str | None = None
    since: dt.datetime | None = Field(None, description="occurred at or after")
    limit: int = Field(100, ge=1, le=1000)


@router.get("/video/alarms", response={200: list[AlarmOut], **ERRORS}, summary="Recent alarms, newest first")
def alarm_list(request, filters: Query[AlarmFilters]):
    _allow(request.auth, READERS)
    rows = Alarm.objects.select_related("camera", "problem")
    if filters.camera:
        rows = rows.filter(camera__code=filters.camera)
    if filters.outcome:
        if filters.outcome not in Alarm.Outcome.values:
            raise InvalidInput.one("outcome", f"must be one of {', '.join(Alarm.Outcome.values)}")
        rows = rows.filter(outcome=filters.outcome)
    if filters.since:
        rows = rows.filter(occurred_at__gte=filters.since)
    return [alarm_out(a) for a in rows.order_by("-occurred_at", "-id")[: filters.limit]]


class DetectOut(Schema):
    detections: list[dict]
    alarms: list[AlarmOut]
    ignored: list[str]


@router.post("/video/detect", response={200: DetectOut, **ERRORS},
             summary="Run the configured detector on one frame and feed what it finds to the alarm intake",
             description="Fields as for /video/alarms without alarm_type and confidence (the detector gives "
                         "them); `frame_id` names the frame (alarm ids become `frame_id:alarm_type`). The "
                         "detector is RENJU_VIDEO_DETECTOR (module:Class); none is shipped.",
             openapi_extra=alarm_body.DETECT_OPENAPI)
def detect_post(request):
    _allow(request.auth, (Role.INTEGRATION,))
    data, snapshot, name = alarm_body.read_frame(request)
    result = detect_and_receive(actor=request.auth, camera=data.camera, frame_id=data.frame_id,
                                occurred_at=data.occurred_at, image=snapshot, filename=name)
    return {"detections": [{"alarm_type": d.alarm_type, "confidence": d.confidence,
                            "box": list(d.box) if d.box else None} for d in result.detections],
            "alarms": [alarm_out(r.alarm, replayed=r.replayed) for r in result.alarms],
            "ignored": result.ignored}


# ---------------------------------------------------------------- 5-5-5


class TimerFilters(Schema):
    date_from: dt.date | None = Field(None, alias="from", description="first day (Beijing), default 30 days ago")
    date_to: dt.date | None = Field(None, alias="to", description="last day, inclusive; default today")


@router.get("/video/timers", response={200: dict, **ERRORS},
            summary="5-5-5 figures (find, arrive, handle) overall, per camera and per unit for a period")
def timers_get(request, filters: Query[TimerFilters]):
    _allow(request.auth, READERS)
    since, until = period_from(filters.date_from, filters.date_to)
    from renju.video.queries import timer_report

    return timers_out(timer_report(since=since, until=until, now=timezone.now()))

