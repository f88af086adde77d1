"""The rectification ledger (整改台账): per unit for its handlers, for the whole city for the office."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header

from renju.plans.active import active_plan
from renju.problems.queries.ledger import ledger_items, ledger_xlsx
from renju.web.access import role_required

ROLES = ("dispatcher", "scorer", "leader", "handler", "inspector")


def _items(request):
    unit = active_plan().units.get(request.GET.get("unit", ""))
    return ledger_items(user=request.user, unit_id=unit.id if unit else None, today=timezone.localdate()), unit


@role_required(*ROLES)
def ledger(request):
    items, unit = _items(request)
    return render(request, "web/ledger/list.html", {
        "items": items, "unit": unit, "units": sorted(active_plan().units.values(), key=lambda u: u.position),
        "open": sum(1 for i in items if i["problem"].status == "ledgered"),
        "overdue": sum(i["overdue"] for i in items),
    })


@role_required(*ROLES)
def ledger_export(request):
    items, _unit = _items(request)
    response = HttpResponse(ledger_xlsx(items),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, f"整改台账-{timezone.localdate()}.xlsx")
    return response


urlpatterns = [
    path("ledger/", ledger, name="ledger"),
    path("ledger/export.xlsx", ledger_export, name="ledger_export"),
]
