"""The camera registry's pages: list with alarm counts and 5-5-5 figures, detail, edit, import and map."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from renju.problems.errors import ActionForbidden, InvalidInput
from renju.video import page_data
from renju.video.camera_import import camera_import
from renju.video.cameras import camera_create, camera_update
from renju.video.forms import CameraForm, ImportForm
from renju.video.models import Camera
from renju.video.views.common import EDITORS, VIEWERS, period, period_label
from renju.web.access import role_required


@role_required(*VIEWERS)
def camera_list(request):
    form, since, until, error = period(request)
    filters = page_data.camera_filters(request.GET)
    page = Paginator(page_data.cameras_queryset(filters), page_data.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "video/cameras.html", {
        "rows": page_data.camera_rows(list(page), since=since, until=until, now=timezone.now()),
        "page": page, "filters": filters, "period_form": form, "period_error": error,
        "period_label": period_label(since, until), "stages": page_data.stage_headers(),
        "towns": page_data.towns(), "counts": page_data.registry_counts(), "statuses": Camera.Status.choices,
        "can_edit": request.user.has_role(*EDITORS), "query": query.urlencode(),
    })


def _camera(code: str) -> Camera:
    camera = Camera.objects.select_related("region__parent").filter(code=code).first()
    if camera is None:
        raise Http404("no such camera")
    return camera


@role_required(*VIEWERS)
def camera_page(request, code: str):
    camera = _camera(code)
    form, since, until, error = period(request)
    return render(request, "video/camera.html", {
        "camera": camera, "period_form": form, "period_error": error, "period_label": period_label(since, until),
        "stages": page_data.stage_headers(), "can_edit": request.user.has_role(*EDITORS),
        **page_data.camera_detail(camera, since=since, until=until, now=timezone.now()),
    })


@role_required(*EDITORS)
def camera_new(request):
    form = CameraForm(request.POST or None, initial={"status": Camera.Status.ONLINE})
    if request.method == "POST" and form.is_valid():
        try:
            camera = camera_create(actor=request.user, values=form.cleaned_data)
        except (InvalidInput, ActionForbidden) as exc:
            _refuse(form, exc)
        else:
            messages.success(request, f"已登记摄像头 {camera.code}")
            return redirect("web:video_camera", code=camera.code)
    return render(request, "video/camera_form.html", {"form": form, "camera": None},
                  status=422 if form.errors else 200)


@role_required(*EDITORS)
def camera_edit(request, code: str):
    camera = _camera(code)
    initial = {name: getattr(camera, name) for name in ("code", "name", "channel", "lat", "lng", "address",
                                                        "road_class", "status")}
    form = CameraForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            change = camera_update(actor=request.user, code=camera.code, changes=changes)
        except (InvalidInput, ActionForbidden) as exc:
            _refuse(form, exc)
        else:
            messages.success(request, "没有改动" if change.action == "unchanged" else f"已保存摄像头 {camera.code}")
            return redirect("web:video_camera", code=camera.code)
    return render(request, "video/camera_form.html", {"form": form, "camera": camera},
                  status=422 if form.errors else 200)


def _refuse(form: CameraForm, exc: Exception) -> None:
    if isinstance(exc, InvalidInput):
        form.add_refusal(exc)
    else:
        form.add_error(None, str(exc))


@role_required(*EDITORS)
def camera_import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > 5 * 1024 * 1024:
                raise InvalidInput.one("file", f"{upload.size} bytes, larger than the {5 * 1024 * 1024} allowed")
            report = camera_import(actor=request.user, data=upload.read(), filename=upload.name or "")
        except InvalidInput as exc:
            form.add_error("file", "；".join(m for ms in exc.errors.values() for m in ms))
        else:
            if report.written:
                messages.success(request, "导入完成：新增 {created}，更新 {updated}，未变 {unchanged}".format(
                    **report.counts))
    status = 422 if form.errors or (report and not report.written) else 200
    return render(request, "video/camera_import.html", {"form": form, "report": report}, status=status)


@role_required(*VIEWERS)
def camera_map(request):
    return render(request, "video/camera_map.html", {"counts": page_data.registry_counts()})


@role_required(*VIEWERS)
def camera_map_data(request):
    since = timezone.now() - dt.timedelta(days=7)
    response = JsonResponse(page_data.map_rows(since), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("video/cameras/", camera_list, name="video_cameras"),
    path("video/cameras/map/", camera_map, name="video_camera_map"),
    path("video/cameras/map.json", camera_map_data, name="video_camera_map_data"),
    path("video/cameras/new/", camera_new, name="video_camera_new"),
    path("video/cameras/import/", camera_import_page, name="video_camera_import"),
    path("video/cameras/<str:code>/", camera_page, name="video_camera"),
    path("video/cameras/<str:code>/edit/", camera_edit, name="video_camera_edit"),
]
