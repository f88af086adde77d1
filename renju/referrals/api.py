"""The referrals channel's API endpoints (registered on the /api/v1/ API): import a sheet, read the batches and their
row-by-row reports."""

from __future__ import annotations

import json

from django.http import HttpResponse
from ninja import Router, Schema
from ninja.responses import NinjaJSONEncoder

from renju.api.schemas import ErrorOut
from renju.problems.errors import ActionForbidden
from renju.referrals.importer import referral_import
from renju.referrals.models import ReferralBatch
from renju.referrals.queries import batch_for, batch_json, may_import, may_view
from renju.referrals.uploads import photos_from_uploads, read_sheet_upload

router = Router(tags=["referrals"])


class ReferralReportLine(Schema):
    row: int
    outcome: str
    reference: str = ""
    problem: dict | None = None
    errors: dict | None = None
    notes: list[str] = []


class ReferralBatchOut(Schema):
    id: int
    filename: str
    sha256: str
    office: str
    imported_by: str
    imported_at: str
    rows: int
    created: int
    existing: int
    refused: int
    columns: dict
    report: list[ReferralReportLine] = []


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
IMPORT_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "the sheet: .xlsx or .csv (UTF-8 or GBK)"},
        "office": {"type": "string", "description": "交办单位 for rows that do not name one"},
        "photos": {"type": "array", "items": {"type": "string", "format": "binary"},
                   "description": "photos the 照片 column names, one by one or as .zip"},
    },
}}}}}


def _json(body: dict | list, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body, cls=NinjaJSONEncoder), status=status, content_type="application/json")


@router.post("/referrals/imports", response={201: ReferralBatchOut, **ERRORS},
             summary="Import a sheet of referred problems",
             description="Each row becomes a problem dispatched to its unit; a row already imported (same office "
                         "and 交办编号) is reported as existing, a bad row as refused with its reasons per field. A "
                         "file that is not a readable sheet with the needed columns is refused (422) and nothing is "
                         "written.",
             openapi_extra=IMPORT_DOC)
def referral_import_create(request):
    if not may_import(request.auth):
        raise ActionForbidden("只有派遣员可以导入上级交办问题")
    upload = request.FILES.get("file")
    data = read_sheet_upload(upload)
    photos = photos_from_uploads(request.FILES.getlist("photos"))
    batch = referral_import(actor=request.auth, filename=upload.name or "", data=data,
                            office=request.POST.get("office", ""), photos=photos)
    return _json(batch_json(batch), status=201)


@router.get("/referrals/imports", response={200: list[ReferralBatchOut], **ERRORS},
            summary="Referral imports, newest first")
def referral_import_list(request, limit: int = 50):
    if not may_view(request.auth):
        raise ActionForbidden("该角色不能查看上级交办导入记录")
    rows = ReferralBatch.objects.select_related("imported_by").defer("report")[: max(1, min(limit, 200))]
    return _json([batch_json(b, with_report=False) for b in rows])


@router.get("/referrals/imports/{batch_id}", response={200: ReferralBatchOut, **ERRORS},
            summary="One referral import with its row-by-row report")
def referral_import_detail(request, batch_id: int):
    return _json(batch_json(batch_for(request.auth, batch_id)))
