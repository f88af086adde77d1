"""Pages of the referrals channel: the imported batches with the upload form, one batch's row-by-row report, and the
import template. Views only translate; the import is renju.referrals.importer."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from renju.problems.errors import ActionForbidden, InvalidInput
from renju.referrals.importer import referral_import
from renju.referrals.queries import OUTCOMES, batch_for, batch_page, may_import, report_view
from renju.referrals.sheet import LABELS, MAX_BYTES, MAX_ROWS
from renju.referrals.template_sheet import template_csv, template_xlsx
from renju.referrals.uploads import photos_from_uploads, read_sheet_upload
from renju.web.access import role_required

VIEWERS = ("dispatcher", "leader", "scorer")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@role_required(*VIEWERS)
def batches(request):
    errors: dict[str, list[str]] = {}
    office = ""
    if request.method == "POST":
        if not may_import(request.user):
            raise PermissionDenied("只有派遣员可以导入上级交办问题")
        office = request.POST.get("office", "").strip()
        try:
            upload = request.FILES.get("file")
            data = read_sheet_upload(upload)
            photos = photos_from_uploads(request.FILES.getlist("photos"))
            batch = referral_import(actor=request.user, filename=upload.name or "", data=data, office=office,
                                    photos=photos)
        except InvalidInput as exc:
            errors = exc.errors
        except ActionForbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            messages.success(request, f"已导入 {batch.filename}：新登记 {batch.created} 件，"
                                      f"已登记过 {batch.existing} 件，未导入 {batch.refused} 件")
            return redirect("web:referral_batch", batch_id=batch.id)
    context = {
        "page": batch_page(request.GET.get("page", 1)), "can_import": may_import(request.user), "office": office,
        "errors": [{"field": LABELS.get(k, k), "messages": v} for k, v in errors.items()],
        "max_mb": f"{MAX_BYTES / 1024 / 1024:g}", "max_rows": MAX_ROWS,
    }
    return render(request, "referrals/batches.html", context, status=422 if errors else 200)


@role_required(*VIEWERS)
def batch(request, batch_id: int):
    view = report_view(batch_for(request.user, batch_id), request.GET.get("outcome", ""))
    return render(request, "referrals/batch.html", {"view": view, "outcomes": OUTCOMES,
                                                    "here": reverse("web:referral_batch", args=[batch_id])})


@role_required(*VIEWERS)
def template(request):
    if request.GET.get("format") == "csv":
        body, content_type, name = template_csv(), "text/csv; charset=utf-8", "referral-template.csv"
    else:
        body, content_type, name = template_xlsx(), XLSX, "referral-template.xlsx"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
