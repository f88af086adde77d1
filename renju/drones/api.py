"""The drones channel's API endpoints (registered on the /api/v1/ API): upload a flight, read it, file problems."""

from __future__ import annotations

import json
from functools import wraps

from django.http import FileResponse, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import NinjaJSONEncoder
from pydantic import Field, ValidationError

from renju.api.body import errors_by_field
from renju.api.schemas import ErrorOut
from renju.drones.access import flight_for, photo_for, require_reader, require_writer
from renju.drones.filing import flight_problem_file
from renju.drones.ingest import FlightFields, flight_upload
from renju.drones.models import DroneUpload
from renju.drones.present import flight_out, flight_photos, flights_counted, photo_out, report_out, upload_out
from renju.drones.schemas import (
    FiledOut,
    FileProblemIn,
    FlightDetailOut,
    FlightFieldsIn,
    FlightPage,
    UploadReportOut,
)
from renju.drones.uploads import parse_failure, stream_to_disk, uploaded_files
from renju.problems.errors import InvalidInput

router = Router(tags=["drones"])


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}
UPLOAD_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "allOf": [FlightFieldsIn.model_json_schema(), {"type": "object", "properties": {"files": {
        "type": "array", "items": {"type": "string", "format": "binary"},
        "description": "JPEG photos (.jpg/.jpeg) and/or zips of them; at most 100 files a request"}}}],
}}}}}


def _streamed(run):
    """Files go to disk as they arrive, and a body that is too big is answered in this API's error format."""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        stream_to_disk(request)
        failure = parse_failure(request)
        if failure:
            return JsonResponse({"detail": "upload refused", "errors": {"files": [failure]}}, status=413)
        return run(request, *args, **kwargs)

    return wrapper


def _fields(request) -> FlightFields:
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise InvalidInput.one("body", "请用 multipart/form-data 上传文件（字段 files）")
    try:
        data = FlightFieldsIn.model_validate({key: request.POST.get(key) for key in request.POST})
    except ValidationError as exc:
        raise InvalidInput(errors_by_field(exc.errors())) from exc
    return FlightFields(**data.model_dump())


def _json(body: dict, status: int) -> HttpResponse:
    """Our own trusted dicts, written once: the schemas document them; validating thousands of photos again would
    only cost time."""
    return HttpResponse(json.dumps(body, cls=NinjaJSONEncoder), status=status, content_type="application/json")


@router.post("/drones/flights", response={200: UploadReportOut, 201: UploadReportOut, **ERRORS},
             summary="Upload a flight: photos and/or zips (multipart)", openapi_extra=UPLOAD_DOC)
@decorate_view(_streamed)
def drone_flight_upload(request):
    """Creates the flight (201), or adds to the flight named by `code` (201 when photos were added). Sending the same
    files again adds nothing and answers 200 with `replay: true`. Every file is accounted for in `added`, `skipped`
    or `refused`; when nothing at all can be taken the answer is 422 and nothing is written."""
    require_writer(request.auth)
    report = flight_upload(actor=request.auth, files=uploaded_files(request), fields=_fields(request))
    return _json(report_out(report), 201 if report.added else 200)


@router.post("/drones/flights/{flight_id}/photos", response={200: UploadReportOut, 201: UploadReportOut, **ERRORS},
             summary="Add photos or zips to a flight (multipart)", openapi_extra=UPLOAD_DOC)
@decorate_view(_streamed)
def drone_flight_add(request, flight_id: int):
    flight = flight_for(request.auth, flight_id, write=True)
    if set(request.POST) - {"csrfmiddlewaretoken"}:
        raise InvalidInput({k: ["unknown field"] for k in set(request.POST) - {"csrfmiddlewaretoken"}})
    report = flight_upload(actor=request.auth, files=uploaded_files(request), flight=flight)
    return _json(report_out(report), 201 if report.added else 200)


class FlightQuery(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


@router.get("/drones/flights", response={200: FlightPage, **ERRORS}, summary="Flights, newest upload first")
def drone_flight_list(request, query: Query[FlightQuery]):
    require_reader(request.auth)
    rows = flights_counted().order_by("-uploaded_at", "-id")
    page = rows[query.offset: query.offset + query.limit]
    return {"items": [flight_out(f) for f in page], "total": rows.count(), "limit": query.limit,
            "offset": query.offset}


@router.get("/drones/flights/{flight_id}", response={200: FlightDetailOut, **ERRORS},
            summary="A flight with every photo's metadata (time order) and its uploads")
def drone_flight_read(request, flight_id: int):
    flight = flight_for(request.auth, flight_id)
    uploads = DroneUpload.objects.filter(flight=flight).select_related("uploaded_by")
    body = flight_out(flight)
    body["photos"] = [photo_out(p) for p in flight_photos(flight)]
    body["uploads"] = [upload_out(u) for u in uploads]
    return _json(body, 200)


@router.post("/drones/flights/{flight_id}/problems", response={200: FiledOut, 201: FiledOut, **ERRORS},
             summary="File one problem from some of the flight's photos")
def drone_flight_problem(request, flight_id: int, body: FileProblemIn):
    """201 with the new problem; 200 with the same problem when these photos were filed already."""
    flight = flight_for(request.auth, flight_id, write=True)
    filed = flight_problem_file(actor=request.auth, flight=flight, **body.model_dump())
    problem = filed.problem
    out = {"problem": {"id": problem.id, "number": problem.number}, "created": filed.created,
           "status": problem.status, "url": reverse("web:problem", kwargs={"problem_id": problem.id})}
    return _json(out, 201 if filed.created else 200)


@router.get("/drones/photos/{photo_id}/thumbnail", url_name="drone_photo_thumbnail", response={200: None, **ERRORS},
            summary="A drone photo's thumbnail (JPEG)")
def drone_photo_thumbnail(request, photo_id: int):
    photo = photo_for(request.auth, photo_id)
    if not photo.thumbnail:
        raise InvalidInput.one("photo_id", "这张照片无法读取，没有缩略图")
    return FileResponse(photo.thumbnail.open("rb"), content_type="image/jpeg")


@router.get("/drones/photos/{photo_id}/original", url_name="drone_photo_original", response={200: None, **ERRORS},
            summary="A drone photo as uploaded (EXIF and XMP kept)")
def drone_photo_original(request, photo_id: int):
    photo = photo_for(request.auth, photo_id)
    return FileResponse(photo.original.open("rb"), content_type="image/jpeg", filename=photo.filename.split("/")[-1])
