"""到场 for the unit: its video problems waiting for someone on site, one tap each (with the phone's position)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from renju.problems import lifecycle
from renju.problems.access import get_problem_for
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused
from renju.video import page_data
from renju.video.present import period_from
from renju.video.queries import stage_cells, timer_report
from renju.web.access import role_required


@role_required("handler")
def arrive_list(request):
    now = timezone.now()
    since, until = period_from(None, None)
    report = timer_report(since=since, until=until, now=now,
                          unit_id=request.user.unit_id if request.user.role == "handler" else None)
    return render(request, "video/arrive.html", {
        "pending": page_data.pending_arrivals(request.user, now), "stages": page_data.stage_headers(),
        "own": stage_cells(report["overall"]), "problems": report["problems"],
    })


@role_required("handler")
@require_POST
def arrive_act(request, problem_id: int):
    get_problem_for(request.user, problem_id)  # 404 for a problem not theirs
    lat, lng = _number(request.POST.get("lat")), _number(request.POST.get("lng"))
    try:
        problem = lifecycle.problem_arrive(actor=request.user, problem_id=problem_id, lat=lat, lng=lng,
                                           note=request.POST.get("note", "")[:200])
    except InvalidInput as exc:
        messages.error(request, "；".join(m for ms in exc.errors.values() for m in ms))
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    except ActionForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    else:
        messages.success(request, f"{problem.number} 已登记到场（{timezone.localtime():%H:%M}）")
    return redirect("web:video_arrive")


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


urlpatterns = [
    path("video/arrive/", arrive_list, name="video_arrive"),
    path("video/arrive/<int:problem_id>/", arrive_act, name="video_arrive_act"),
]

