"""The report of flagged rectifications by unit: after-photos whose place, time or originality is in doubt, counted
by kind of doubt per unit, and listed so a dispatcher, scorer, leader or inspector can follow each one up."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

from renju.problems.queries.evidence import evidence_report, report_period
from renju.web.access import role_required


@role_required("dispatcher", "scorer", "leader", "inspector")
def report(request):
    start, end, errors = report_period(request.GET.get("from"), request.GET.get("to"))
    result = evidence_report(
        request.user, start=start, end=end, unit=request.GET.get("unit", ""), kind=request.GET.get("kind", ""),
        page=request.GET.get("page", 1),
    )
    result.errors = errors
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "web/evidence/report.html", {
        "result": result, "base": params.urlencode() + "&" if params else "",
        "period": f"from={start.isoformat()}&to={end.isoformat()}",
    })


urlpatterns = [
    path("evidence/", report, name="evidence_report"),
]
