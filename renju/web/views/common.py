"""Pages every role shares: the landing redirect and the problem page."""

from __future__ import annotations

from django.shortcuts import redirect, render

from renju.plans.models import Plan

HOME_BY_ROLE = {
    "inspector": "web:inspector_report",
    "dispatcher": "web:dispatcher_intake",
    "handler": "web:handler_inbox",
    "leader": "web:leader_dashboard",
    "scorer": "web:leader_dashboard",
    "admin": "web:dispatcher_intake",
}


def home(request):
    if request.user.is_authenticated:
        return redirect(HOME_BY_ROLE.get(request.user.role, "web:leader_dashboard"))
    plan = Plan.objects.filter(is_active=True).first()
    return render(request, "web/home.html", {"plan": plan})
