"""Pages. For now a landing page; the role workspaces come with the workspaces issue."""

from django.shortcuts import render

from renju.plans.models import Plan


def home(request):
    plan = Plan.objects.filter(is_active=True).first()
    return render(request, "web/home.html", {"plan": plan})
