"""Problems: file one, list and read them, and one POST per lifecycle action. Views only translate."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from django.db.models import Q
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import Field

from renju.api.body import read_body
from renju.api.present import LIST_FIELDS, Names, problem_detail_out, problem_row_out
from renju.api.schemas import (
    AcceptIn,
    ArriveIn,
    DispatchIn,
    ErrorOut,
    ExtensionDecideIn,
    ExtensionRequestIn,
    FlagKeyIn,
    MergeIn,
    NoteIn,
    ProblemDetailOut,
    ProblemIn,
    ProblemPage,
    ReasonIn,
    RectifyIn,
    VerifyIn,
)
from renju.plans.active import active_plan
from renju.plans.geo import region_index
from renju.plans.models import Region
from renju.problems import lifecycle
from renju.problems.access import get_photo_for, get_problem_for
from renju.problems.errors import InvalidInput
from renju.problems.models import Problem, ProblemEvent, Source, Status

router = Router(tags=["problems"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _body_doc(schema, files: bool) -> dict:
    """OpenAPI for endpoints that take JSON or multipart (fields plus `photos` files)."""
    # Inline: these bodies are read by hand (JSON or multipart), so ninja never adds them to the components.
    ref = schema.model_json_schema(ref_template="#/components/schemas/{model}")
    content = {"application/json": {"schema": ref}}
    if files:
        multipart = {
            "allOf": [ref, {"type": "object", "properties": {
                "photos": {"type": "array", "items": {"type": "string", "format": "binary"}}}}]
        }
        content["multipart/form-data"] = {"schema": multipart}
    return {"requestBody": {"required": True, "content": content}}


def _json(body: dict, status: int = 200) -> HttpResponse:
    """A response built from our own trusted dicts: the schema documents it, re-validating it would only cost time."""
    return HttpResponse(json.dumps(body, cls=NinjaJSONEncoder), status=status, content_type="application/json")


def _detail(request, problem_id: int) -> HttpResponse:
    return _detail_of(get_problem_for(request.auth, problem_id))


def _detail_of(problem: Problem, *, has_photos: bool = True, status: int = 200) -> HttpResponse:
    events = list(ProblemEvent.objects.filter(problem=problem).select_related("actor"))
    photos = list(problem.photos.all()) if has_photos else []
    return _json(problem_detail_out(problem, events, photos), status)


# ---------------------------------------------------------------- create, list, read


@router.post("/problems", response={201: ProblemDetailOut, **ERRORS}, summary="File a problem",
             openapi_extra=_body_doc(ProblemIn, files=True))
def problem_create(request):
    data, photos = read_body(request, ProblemIn)
    if data.client_key:
        filed = Problem.objects.filter(reporter=request.auth, client_key=data.client_key).first()
        if filed is not None:
            return _detail_of(filed)  # a retried delivery: 200 with the problem filed the first time
    problem = lifecycle.problem_report(actor=request.auth, photos=photos, **data.model_dump())
    # The problem in hand carries its category, region and units; a report without files has no photos to fetch.
    return _detail_of(problem, has_photos=bool(photos), status=201)


class ProblemFilters(Schema):
    status: str | None = Field(None, description="one or more states, comma-separated")
    unit: str | None = Field(None, description="unit code")
    category: str | None = Field(None, description="category code")
    region: str | None = Field(None, description="region code; includes every region inside it")
    source: str | None = None
    overdue: bool | None = None
    key: bool | None = Field(None, description="key problems only (true) or none of them (false)")
    reported_from: dt.date | None = None
    reported_to: dt.date | None = Field(None, description="inclusive")
    number: str | None = None
    cursor: str | None = Field(None, description="next_cursor of the previous page")
    limit: int = Field(50, ge=1, le=200)


@router.get("/problems", response={200: ProblemPage, **ERRORS}, summary="List problems, newest first")
def problem_list(request, filters: Query[ProblemFilters]):
    rows = _apply_filters(Problem.objects.visible_to(request.auth), filters)
    page = list(rows.order_by("-reported_at", "-id").values(*LIST_FIELDS)[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    now = timezone.now()
    names = Names(page)
    body = {
        "items": [problem_row_out(row, names, now) for row in page],
        "next_cursor": _encode_cursor(page[-1]) if more else None,
        "limit": filters.limit,
    }
    return _json(body)


def _apply_filters(rows, f: ProblemFilters):
    errors: dict[str, list[str]] = {}
    if f.status:
        states = [s.strip() for s in f.status.split(",") if s.strip()]
        unknown = [s for s in states if s not in Status.values]
        if unknown:
            errors["status"] = [f"unknown state(s) {', '.join(unknown)}; use {', '.join(Status.values)}"]
        rows = rows.filter(status__in=states)
    if f.source:
        if f.source not in Source.values:
            errors["source"] = [f"must be one of {', '.join(Source.values)}"]
        rows = rows.filter(source=f.source)
    ctx = active_plan()
    if f.unit:
        unit = ctx.units.get(f.unit)
        if unit is None:
            errors["unit"] = [f"unknown unit code {f.unit!r}"]
        else:
            rows = rows.filter(unit_id=unit.id)
    if f.category:
        category = ctx.categories.get(f.category)
        if category is None:
            errors["category"] = [f"unknown category code {f.category!r}"]
        else:
            rows = rows.filter(category_id=category.id)
    if f.region:
        region_id = Region.objects.filter(code=f.region).values_list("id", flat=True).first()
        if region_id is None:
            errors["region"] = [f"unknown region code {f.region!r}"]
        else:
            rows = rows.filter(region_id__in=region_index().descendant_ids(region_id))
    if f.overdue is not None:
        rows = rows.overdue() if f.overdue else rows.not_overdue()
    if f.key is not None:
        rows = rows.filter(is_key=f.key)
    tz = ctx.calendar.tz
    if f.reported_from:
        rows = rows.filter(reported_at__gte=dt.datetime.combine(f.reported_from, dt.time(), tzinfo=tz))
    if f.reported_to:
        end = dt.datetime.combine(f.reported_to + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        rows = rows.filter(reported_at__lt=end)
    if f.reported_from and f.reported_to and f.reported_to < f.reported_from:
        errors["reported_to"] = ["is before reported_from"]
    if f.number:
        rows = rows.filter(number=f.number.strip())
    if f.cursor:
        at, last_id = _decode_cursor(f.cursor)
        # The first condition is implied by the second; it lets the index scan start at the cursor.
        rows = rows.filter(reported_at__lte=at).filter(Q(reported_at__lt=at) | Q(reported_at=at, id__lt=last_id))
    if errors:
        raise InvalidInput(errors)
    return rows


def _encode_cursor(row: dict) -> str:
    raw = f"{row['reported_at'].isoformat()}|{row['id']}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, last_id = raw.split("|", 1)
        moment = dt.datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError
        return moment, int(last_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput.one("cursor", "not a cursor this API returned") from exc


@router.get("/problems/{problem_id}", response={200: ProblemDetailOut, **ERRORS},
            summary="One problem, with its history and photos")
def problem_read(request, problem_id: int):
    return _detail(request, problem_id)


@router.get("/photos/{photo_id}/original", url_name="photo_original", summary="A photo as uploaded (EXIF kept)",
            response={200: None, **ERRORS})
def photo_original(request, photo_id: int):
    photo = get_photo_for(request.auth, photo_id)
    return FileResponse(photo.original.open("rb"), content_type=photo.content_type)


@router.get("/photos/{photo_id}/thumbnail", url_name="photo_thumbnail", summary="A photo's thumbnail (JPEG)",
            response={200: None, **ERRORS})
def photo_thumbnail(request, photo_id: int):
    photo = get_photo_for(request.auth, photo_id)
    return FileResponse(photo.thumbnail.open("rb"), content_type="image/jpeg")


# ---------------------------------------------------------------- lifecycle actions


def _act(request, problem_id: int, schema, action, files: bool = False) -> dict:
    get_problem_for(request.auth, problem_id)  # 404 before anything else if the caller may not see it
    data, photos = read_body(request, schema)
    kwargs = data.model_dump()
    if files:
        kwargs["photos"] = photos
    elif photos:
        raise InvalidInput.one("photos", "this action takes no photos")
    return _detail_of(action(actor=request.auth, problem_id=problem_id, **kwargs))


ACTION_RESPONSES = {200: ProblemDetailOut, **ERRORS}


# One POST per lifecycle action: (action, body schema, takes photos, summary). Each calls `lifecycle.problem_<action>`.
ACTIONS = [
    ("accept", AcceptIn, False, "立案 accept"),
    ("reject", ReasonIn, False, "不予立案 reject"),
    ("merge", MergeIn, False, "合并 merge into a duplicate"),
    ("dispatch", DispatchIn, False, "派遣 dispatch to a unit"),
    ("return", ReasonIn, False, "退回 return to dispatchers"),
    ("rectify", RectifyIn, True, "整改 report fixed, with photos"),
    ("verify", VerifyIn, True, "核查 verify: pass closes, fail = rework"),
    ("flag_key", FlagKeyIn, False, "重点问题 flag or unflag"),
    ("extension_request", ExtensionRequestIn, False, "延期申请 the unit asks for more time"),
    ("extension_decide", ExtensionDecideIn, False, "延期审批 approve or refuse"),
    ("suspend", ReasonIn, False, "暂停计时 stop the clock"),
    ("resume", NoteIn, False, "恢复计时 restart the clock"),
    ("fast_track", ReasonIn, False, "直派 accept and dispatch to the suggested unit at once"),
    ("arrive", ArriveIn, False, "到场 the unit is on site (optional position)"),
]


def _register_action(action: str, schema, files: bool, summary: str) -> None:
    function = getattr(lifecycle, f"problem_{action}")

    def view(request, problem_id: int):
        return _act(request, problem_id, schema, function, files=files)

    view.__name__ = f"problem_{action}"
    router.post(f"/problems/{{problem_id}}/{action}", response=ACTION_RESPONSES, summary=summary,
                operation_id=f"problem_{action}", openapi_extra=_body_doc(schema, files=files))(view)


for _spec in ACTIONS:
    _register_action(*_spec)
