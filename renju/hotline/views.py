"""Pages of the hotline channel: the orders list, one order with its suggestion and reply, placing an order by hand,
settling its category, the spreadsheet import, and the export. Callers are masked per role everywhere
(`renju.hotline.privacy`); a unit handler sees only the orders of its own problems."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from renju.hotline import present
from renju.hotline.intake import hotline_order_place, hotline_order_settle
from renju.hotline.queries import QUEUES, order_for, order_out, queue_counts, queue_rows
from renju.hotline.replies import reply_retry
from renju.hotline.spreadsheet import MAX_IMPORT_BYTES, SpreadsheetError, hotline_import
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused
from renju.web.access import role_required

READERS = ("dispatcher", "handler", "leader", "scorer")
PER_PAGE = 50


@role_required(*READERS)
def orders(request):
    queue = request.GET.get("queue", "all")
    queue = queue if queue in QUEUES else "all"
    page = Paginator(queue_rows(request.user, queue), PER_PAGE).get_page(request.GET.get("page"))
    counts = queue_counts(request.user)
    return render(request, "hotline/list.html", {
        "queue": queue,
        "tabs": [{"name": n, "label": label, "count": counts[n]} for n, (label, _c) in QUEUES.items()],
        "page": page,
        "rows": [present.order_row(o, request.user) for o in page.object_list],
        "is_dispatcher": request.user.role in ("dispatcher", "admin"),
    })


@role_required(*READERS)
def order_detail(request, order_id: int, errors: dict | None = None, status: int = 200):
    order = order_for(request.user, order_id)
    return render(request, "hotline/detail.html", present.detail_context(order, request.user, errors or {}),
                  status=status)


def _refused(request, order_id: int, form: str, exc: Exception):
    message = present.refusal_message(exc)
    return order_detail(request, order_id, errors={form: message}, status=422 if isinstance(exc, InvalidInput) else
                        409 if isinstance(exc, TransitionRefused) else 403)


@require_POST
@role_required("dispatcher")
def order_place(request, order_id: int):
    order = order_for(request.user, order_id)
    try:
        lat, lng = present.point_from_form(request.POST)
        hotline_order_place(actor=request.user, order_id=order.id, lat=lat, lng=lng,
                            region_code=request.POST.get("region", "").strip())
    except (InvalidInput, ActionForbidden) as exc:
        return _refused(request, order.id, "place", exc)
    messages.success(request, "已定位并立为问题")
    return redirect("web:hotline_order", order_id=order.id)


@require_POST
@role_required("dispatcher")
def order_settle(request, order_id: int):
    order = order_for(request.user, order_id)
    try:
        hotline_order_settle(actor=request.user, order_id=order.id, category=request.POST.get("category", ""),
                             note=request.POST.get("note", ""))
    except (InvalidInput, ActionForbidden, TransitionRefused) as exc:
        return _refused(request, order.id, "settle", exc)
    messages.success(request, "已核定问题类型并立案")
    return redirect("web:hotline_order", order_id=order.id)


@require_POST
@role_required("dispatcher")
def order_reply_retry(request, order_id: int):
    order = order_for(request.user, order_id)
    if reply_retry(order, timezone.now()):
        messages.success(request, "已重新排队回复，将在下次任务运行时发送")
    return redirect("web:hotline_order", order_id=order.id)


@role_required("dispatcher")
def import_page(request):
    report, error = None, ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要导入的文件"
        elif upload.size > MAX_IMPORT_BYTES:
            error = f"文件过大：{upload.size / 1024 / 1024:.1f} MB，最多 {MAX_IMPORT_BYTES // 1024 // 1024} MB"
        else:
            try:
                report = hotline_import(actor=request.user, data=upload.read(), filename=upload.name)
            except SpreadsheetError as exc:
                error = str(exc)
    return render(request, "hotline/import.html", {
        "report": report, "error": error, "max_mb": MAX_IMPORT_BYTES // 1024 // 1024,
        "summary": present.import_summary(report) if report else None,
    }, status=422 if error and request.method == "POST" else 200)


@role_required(*READERS)
def orders_export(request):
    queue = request.GET.get("queue", "all")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(present.EXPORT_HEADER)
    for order in queue_rows(request.user, queue if queue in QUEUES else "all")[:10000]:
        writer.writerow(present.export_row(order_out(order, request.user)))
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"12345工单-{timezone.localdate()}.csv")
    return response
