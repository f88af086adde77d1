"""The notifications page (通知) for every logged-in person, its unread-count fragment, and marking notices read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from renju.notify.notices import notification_mark_read, notifications_mark_all_read
from renju.notify.queries import TABS, inbox, inbox_row, notifications_for, sees_slips, slipping, unread_count


@login_required
def notification_list(request):
    context = inbox(request.user, request.GET.get("tab", "unread"))
    if sees_slips(request.user):
        context["slip"] = slipping(timezone.now())
    return render(request, "notify/list.html", context)


def notification_count(request):
    """The unread count as a small fragment, for an htmx poll (`hx-get` … `hx-trigger="load, every 60s"`)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(request, "notify/_count.html", {"count": unread_count(request.user)})


@login_required
@require_POST
def notification_read(request, notification_id: int):
    notices = notifications_for(request.user)
    notification_mark_read(notices=notices, notification_id=notification_id)
    row = inbox_row(request.user, notification_id)
    if row is None:
        raise Http404("没有这条通知")
    if request.headers.get("HX-Request"):
        # The row, marked read, and the unread total in the heading (an out-of-band swap).
        return render(request, "notify/_read.html", {"row": row, "unread": unread_count(request.user)})
    return redirect(_back(request))


@login_required
@require_POST
def notification_read_all(request):
    notifications_mark_all_read(notices=notifications_for(request.user))
    return redirect(_back(request))


def _back(request) -> str:
    tab = request.POST.get("tab")
    return reverse("web:notifications") + (f"?tab={tab}" if tab in TABS else "")
