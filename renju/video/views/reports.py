"""Alarms as they came in, and the 5-5-5 report (page and spreadsheet)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header

from renju.problems.models import Problem
from renju.video import page_data
from renju.video.export import timers_xlsx
from renju.video.models import Alarm
from renju.video.queries import stage_cells, timer_report
from renju.video.views.common import VIEWERS, period, period_label
from renju.web.access import role_required


@role_required(*VIEWERS)
def alarm_list(request):
    outcome = request.GET.get("outcome", "")
    camera = request.GET.get("camera", "").strip()
    alarm_type = request.GET.get("type", "")
    rows = Alarm.objects.select_related("camera", "problem").order_by("-occurred_at", "-id")
    if outcome in Alarm.Outcome.values:
        rows = rows.filter(outcome=outcome)
    if camera:
        rows = rows.filter(camera__code=camera)
    if alarm_type:
        rows = rows.filter(alarm_type=alarm_type)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    types = page_data.alarm_type_names()
    for alarm in page:
        alarm.type_name = types.get(alarm.alarm_type, alarm.alarm_type)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "video/alarms.html", {
        "page": page, "outcome": outcome, "camera": camera, "alarm_type": alarm_type,
        "outcomes": Alarm.Outcome.choices, "types": types, "query": query.urlencode(),
    })


@role_required(*VIEWERS, "handler")
def alarm_snapshot(request, alarm_id: int):
    """A joined alarm's own snapshot; a unit sees only those of its own problems."""
    alarm = Alarm.objects.filter(pk=alarm_id).first()
    if alarm is None or not alarm.snapshot:
        raise Http404("no snapshot")
    if request.user.role == "handler" and not Problem.objects.visible_to(request.user).filter(
            pk=alarm.problem_id).exists():
        raise Http404("no snapshot")
    field = alarm.snapshot_thumb if request.GET.get("size") == "thumb" else alarm.snapshot
    return FileResponse(field.open("rb"), content_type="image/jpeg" if field is alarm.snapshot_thumb else None)


def _report(request):
    form, since, until, error = period(request)
    return form, error, timer_report(since=since, until=until, now=timezone.now())


@role_required(*VIEWERS)
def timers_page(request):
    form, error, report = _report(request)

    def rows(items):
        return [{"key": r.key, "name": r.name, "problems": r.problems, "cells": stage_cells(r.stages)} for r in items]

    return render(request, "video/timers.html", {
        "period_form": form, "period_error": error, "period_label": period_label(report["since"], report["until"]),
        "stages": page_data.stage_headers(), "problems": report["problems"],
        "overall": stage_cells(report["overall"]), "cameras": rows(report["cameras"]),
        "units": rows(report["units"]), "query": request.GET.urlencode(),
    })


@role_required(*VIEWERS)
def timers_export(request):
    _form, _error, report = _report(request)
    response = HttpResponse(timers_xlsx(report),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"视频告警5-5-5时效-{period_label(report['since'], report['until']).replace(' ', '')}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


urlpatterns = [
    path("video/alarms/", alarm_list, name="video_alarms"),
    path("video/alarms/<int:alarm_id>/snapshot/", alarm_snapshot, name="video_alarm_snapshot"),
    path("video/timers/", timers_page, name="video_timers"),
    path("video/timers/export.xlsx", timers_export, name="video_timers_export"),
]
