"""Pages of the inspector role, phone first: report a problem (works offline, sends when the network returns), my
reports, and the rectified problems waiting for an on-site check, nearest first."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from renju.problems.queries.followup import recheck_queue
from renju.problems.queries.inspector import my_reports, parse_position, report_form_context, verify_queue
from renju.web.access import role_required


@role_required("inspector")
def report(request):
    form = report_form_context()
    config = {
        "user": request.user.username,
        "source": form["source"],
        "maxPhotos": form["max_photos"],
        "createUrl": reverse("api-v1:problem_create"),
        "previewUrl": reverse("api-v1:routing_preview"),
        "regionsUrl": reverse("api-v1:map_regions") + "?kind=town",
        # The page of a new problem: the script puts its id in place of the 0.
        "problemUrl": reverse("web:problem", kwargs={"problem_id": 0}),
    }
    return render(request, "web/inspector/report.html", {"form": form, "config": config})


@role_required("inspector")
def mine(request):
    result = my_reports(request.user, status=request.GET.get("status", ""), page=request.GET.get("page", 1))
    return render(request, "web/inspector/mine.html", {"result": result})


@role_required("inspector")
def verify(request):
    position = parse_position(request.GET.get("lat"), request.GET.get("lng"))
    queue = verify_queue(request.user, position=position, page=request.GET.get("page", 1))
    return render(request, "web/inspector/verify_queue.html", {
        "queue": queue, "position": position, "here": request.get_full_path(),
    })


@role_required("inspector")
def rechecks(request):
    queue = recheck_queue(request.user, timezone.localdate())
    return render(request, "web/inspector/rechecks.html", {"queue": queue, "here": request.get_full_path()})


urlpatterns = [
    path("inspector/rechecks/", rechecks, name="inspector_rechecks"),
    path("inspector/report/", report, name="inspector_report"),
    path("inspector/mine/", mine, name="inspector_mine"),
    path("inspector/verify/", verify, name="inspector_verify_queue"),
]
