"""Pages of the handler role: the unit's inbox (待办问题) with its own figures on top."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from renju.plans.active import active_plan
from renju.problems.queries.handler import INBOX_LIMIT, TABS, handler_unit, inbox_rows, unit_summary
from renju.web.access import role_required


@role_required("handler")
def inbox(request):
    now = timezone.now()
    tab = request.GET.get("tab", "todo")
    tab = tab if tab in TABS else "todo"
    unit = handler_unit(request.user, request.GET.get("unit"))
    context = {
        "tab": tab, "unit": unit, "limit": INBOX_LIMIT,
        "soon_seconds": settings.RENJU_DUE_SOON_HOURS * 3600, "soon_hours": f"{settings.RENJU_DUE_SOON_HOURS}小时内",
    }
    if unit is not None:
        context["summary"] = unit_summary(request.user, unit.id, now)
        context["rows"] = inbox_rows(request.user, unit.id, tab, now)
    if request.user.role != "handler":  # an admin looks at one unit's inbox at a time
        context["units"] = sorted(active_plan().units.values(), key=lambda u: u.position)
    return render(request, "web/handler/inbox.html", context)


urlpatterns = [
    path("unit/", inbox, name="handler_inbox"),
]
