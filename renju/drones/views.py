"""Pages of the drone team: flights (list and upload), one flight (track, photos, filing problems)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from renju.drones.access import flight_for
from renju.drones.filing import flight_problem_file
from renju.drones.ingest import FlightFields, UploadReport, flight_upload
from renju.drones.page_data import FilingForm, flight_context, flight_rows, upload_config
from renju.drones.present import flight_photos, flights_counted
from renju.drones.rules import READERS, WRITERS, can_write
from renju.drones.uploads import parse_failure, stream_to_disk, uploaded_files
from renju.problems.errors import InvalidInput
from renju.web.access import role_required

FLIGHTS_PER_PAGE = 30


@require_GET
@role_required(*READERS)
def flights(request):
    page = Paginator(flights_counted().order_by("-uploaded_at", "-id"), FLIGHTS_PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "drones/flights.html", {
        "page": page, "rows": flight_rows(page), "can_write": can_write(request.user), "upload": upload_config(),
    })


@require_GET
@role_required(*READERS)
def flight(request, flight_id: int):
    found = flight_for(request.user, flight_id)
    return render(request, "drones/flight.html", flight_context(found, flight_photos(found), request.user))


def _streamed_upload(view):
    """Files to disk before the CSRF check reads the body; a body refused outright (too many files) changes
    nothing, so it is answered before that check."""

    @csrf_exempt
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            stream_to_disk(request)
            failure = parse_failure(request)
            if failure:
                messages.error(request, failure)
                return redirect(request.path.removesuffix("upload/"))
        return csrf_protect(view)(request, *args, **kwargs)

    return wrapper


@_streamed_upload
@require_POST
@role_required(*WRITERS)
def flight_create(request):
    fields = FlightFields(**{k: request.POST.get(k, "") for k in ("code", "pilot", "drone", "notes")})
    try:
        report = flight_upload(actor=request.user, files=uploaded_files(request), fields=fields)
    except InvalidInput as exc:
        for field_errors in exc.errors.values():
            for message in field_errors[:10]:
                messages.error(request, message)
        return redirect("web:drone_flights")
    _report_message(request, report)
    return redirect("web:drone_flight", flight_id=report.flight.id)


@_streamed_upload
@require_POST
@role_required(*WRITERS)
def flight_add(request, flight_id: int):
    found = flight_for(request.user, flight_id, write=True)
    try:
        report = flight_upload(actor=request.user, files=uploaded_files(request), flight=found)
    except InvalidInput as exc:
        for field_errors in exc.errors.values():
            for message in field_errors[:10]:
                messages.error(request, message)
        return redirect("web:drone_flight", flight_id=found.id)
    _report_message(request, report)
    return redirect("web:drone_flight", flight_id=report.flight.id)


def _report_message(request, report: UploadReport) -> None:
    if report.replay:
        messages.info(request, f"这些照片已上传过（架次 {report.flight.code}），没有新增")
    else:
        messages.success(request, f"新增照片 {len(report.added)} 张，跳过重复 {len(report.skipped)} 张，"
                                  f"未导入 {len(report.refused)} 个文件（原因见上传记录）")


@require_POST
@role_required(*WRITERS)
def flight_file(request, flight_id: int):
    found = flight_for(request.user, flight_id, write=True)
    form = _filing_form(request.POST)
    try:
        arguments = _filing_arguments(form)
        filed = flight_problem_file(actor=request.user, flight=found, **arguments)
    except InvalidInput as exc:
        context = flight_context(found, flight_photos(found), request.user, form=form, errors=exc.errors)
        return render(request, "drones/flight.html", context, status=422)
    problem = filed.problem
    if filed.created:
        messages.success(request, f"已生成问题 {problem.number}（{len(form.photo_ids)} 张照片）")
    else:
        messages.info(request, f"这些照片已上报为问题 {problem.number}，未重复上报")
    return redirect("web:drone_flight", flight_id=found.id)


def _filing_form(post) -> FilingForm:
    ids = []
    for value in post.getlist("photo_ids"):
        if value.strip().isdigit():
            ids.append(int(value))
    return FilingForm(
        photo_ids=ids, category=post.get("category", ""), severity=post.get("severity", ""),
        description=post.get("description", ""), point=post.get("point", "first"),
        point_photo_id=post.get("point_photo_id", ""), lat=post.get("lat", "").strip(), lng=post.get("lng", "").strip(),
        is_key=post.get("is_key") in ("1", "on", "true"),
    )


def _filing_arguments(form: FilingForm) -> dict:
    args: dict = {"photo_ids": form.photo_ids, "category": form.category or None, "severity": form.severity or None,
                  "description": form.description, "is_key": form.is_key}
    if form.point == "map":
        try:
            args["lat"], args["lng"] = float(form.lat), float(form.lng)
        except ValueError:
            raise InvalidInput.one("lat", "请在地图上点选问题位置") from None
    elif form.point == "photo":
        if not form.point_photo_id.isdigit():
            raise InvalidInput.one("point_photo_id", "请选择用哪张照片的位置")
        args["point_photo_id"] = int(form.point_photo_id)
    return args
