"""Pages of the leader role: the one-screen view (一屏观全局), its command-centre wall layout and their data."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from renju.problems.queries.dashboard import dashboard, dashboard_json
from renju.web.access import role_required

VIEWERS = ("leader", "dispatcher", "scorer")


@role_required(*VIEWERS)
def dashboard_page(request):
    return render(request, "web/leader/dashboard.html", dashboard(timezone.now()))


@role_required(*VIEWERS)
def wall(request):
    return render(request, "web/leader/wall.html", dashboard(timezone.now()))


@role_required(*VIEWERS)
def data(request):
    response = JsonResponse(dashboard_json(dashboard(timezone.now())), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("dashboard/", dashboard_page, name="leader_dashboard"),
    path("dashboard/wall/", wall, name="leader_wall"),
    path("dashboard/data.json", data, name="leader_data"),
]
