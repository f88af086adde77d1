"""The problem page every role opens: photos, place, the standard it breaks, history, and the actions this person may
take now. Actions post here and go through `problems.lifecycle` like the API's."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from renju.problems import lifecycle
from renju.problems.access import get_problem_for
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused
from renju.problems.lifecycle import extension_state
from renju.problems.models import ON_THE_CLOCK
from renju.problems.photos import PreparedPhoto, photo_from_upload
from renju.problems.queries.common import problem_page_context
from renju.video.page_data import problem_alarms

ACTIONS = {
    "accept": (lifecycle.problem_accept, ("note",), False),
    "reject": (lifecycle.problem_reject, ("reason",), False),
    "merge": (lifecycle.problem_merge, ("into", "note"), False),
    "dispatch": (lifecycle.problem_dispatch, ("unit", "reason"), False),
    "return": (lifecycle.problem_return, ("reason",), False),
    "rectify": (lifecycle.problem_rectify, ("note",), True),
    "verify": (lifecycle.problem_verify, ("result", "reason"), True),
    "flag_key": (lifecycle.problem_flag_key, ("is_key", "reason"), False),
    "extension_request": (lifecycle.problem_extension_request, ("until", "reason"), False),
    "extension_decide": (lifecycle.problem_extension_decide, ("approve", "note"), False),
    "recheck": (lifecycle.problem_recheck, ("result", "note"), True),
    "ledger": (lifecycle.problem_ledger, ("plan", "milestones"), False),
    "suspend": (lifecycle.problem_suspend, ("reason",), False),
    "resume": (lifecycle.problem_resume, ("note",), False),
    "ledger_progress": (lifecycle.problem_ledger_progress, ("milestone", "note", "done"), True),
    "milestone_verify": (lifecycle.problem_milestone_verify, ("milestone", "result", "reason"), False),
    "fast_track": (lifecycle.problem_fast_track, ("reason",), False),
    "arrive": (lifecycle.problem_arrive, ("note",), False),
}
DONE = {
    "accept": "已立案", "reject": "已不予立案", "merge": "已合并", "dispatch": "已派遣",
    "return": "已退回派遣员", "rectify": "整改情况已提交，等待核查", "verify": "核查结果已提交",
    "flag_key": "重点标记已更新", "recheck": "回头看结果已记录", "ledger": "已列入整改台账",
    "ledger_progress": "台账进展已提交", "milestone_verify": "节点核查结果已提交",
    "suspend": "已暂停计时", "resume": "已恢复计时，期限已顺延",
    "extension_request": "延期申请已提交，等待审批", "extension_decide": "延期审批已完成",
    "fast_track": "已直派给建议单位", "arrive": "已记录到场",
}


@login_required
def problem_page(request, problem_id: int, errors: dict | None = None, status: int = 200):
    problem = get_problem_for(request.user, problem_id)
    context = problem_page_context(problem, request.user)
    context["extension"] = extension_state(problem) if problem.status in ON_THE_CLOCK else None
    context["milestones"] = list(problem.milestones.all())
    # Where it came from, beside the problem: the 12345 order (its own page masks the caller) or the referral.
    context["hotline_order"] = problem.hotline_orders.only("id", "order_no").first()
    context["referral"] = problem.referrals.only("reference", "office").first()
    context["video_alarms"] = problem_alarms(problem) if problem.source == "video" else None
    context["errors"] = errors or {}
    context["form"] = request.POST if errors else {}
    return render(request, "web/problem.html", context, status=status)


def uploaded_photos(request, field: str = "photos") -> list[PreparedPhoto]:
    """Checked photos from a form; InvalidInput names the file that is not acceptable."""
    return [photo_from_upload(upload, field_name=field) for upload in request.FILES.getlist(field)]


@login_required
@require_POST
def problem_act(request, problem_id: int, action: str):
    if action not in ACTIONS:
        raise Http404("no such action")
    get_problem_for(request.user, problem_id)  # 404 first for what the user may not see
    function, fields, takes_photos = ACTIONS[action]
    kwargs = {name: request.POST.get(name, "") for name in fields}
    if action == "dispatch":
        kwargs["unit"] = kwargs["unit"] or None
    if action in ("flag_key", "extension_decide"):
        field = "is_key" if action == "flag_key" else "approve"
        kwargs[field] = kwargs[field] == "1"
    try:
        if action == "extension_request":
            kwargs["until"] = _form_datetime("until", kwargs["until"])
        if action == "ledger":
            kwargs["milestones"] = _milestone_lines(kwargs["milestones"])
        if action in ("ledger_progress", "milestone_verify"):
            kwargs["milestone"] = int(kwargs["milestone"]) if kwargs["milestone"].isdigit() else 0
        if action == "ledger_progress":
            kwargs["done"] = kwargs["done"] == "1"
        if action == "merge":
            kwargs["into"] = _problem_number_to_id(kwargs["into"])
        if takes_photos:
            kwargs["photos"] = uploaded_photos(request)
        function(actor=request.user, problem_id=problem_id, **kwargs)
    except InvalidInput as exc:
        return problem_page(request, problem_id, errors={action: exc.errors}, status=422)
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    except ActionForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    else:
        messages.success(request, DONE[action])
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("web:problem", problem_id=problem_id)


def _milestone_lines(text: str) -> list[dict]:
    """One milestone a line, as offices write them: 节点 | 2026-12-01 | 责任人."""
    milestones = []
    for n, line in enumerate((line for line in text.splitlines() if line.strip()), 1):
        parts = [part.strip() for part in line.replace("｜", "|").split("|")]
        if len(parts) != 3:
            raise InvalidInput.one("milestones", f"第 {n} 行应为“节点 | 日期 | 责任人”")
        try:
            due_on = dt.date.fromisoformat(parts[1])
        except ValueError as exc:
            raise InvalidInput.one("milestones", f"第 {n} 行的日期应写成 2026-12-01") from exc
        milestones.append({"title": parts[0], "due_on": due_on, "responsible": parts[2]})
    return milestones


def _form_datetime(field: str, value: str) -> dt.datetime:
    """A `datetime-local` form value, read in Beijing time."""
    try:
        return timezone.make_aware(dt.datetime.fromisoformat(value))
    except ValueError as exc:
        raise InvalidInput.one(field, "请填写日期和时间") from exc


def _problem_number_to_id(value: str) -> int:
    """The merge form takes the original's number (what people see) or its id."""
    from renju.problems.models import Problem

    value = (value or "").strip()
    if value.isdigit():
        return int(value)
    found = Problem.objects.filter(number=value).values_list("id", flat=True).first()
    if found is None:
        raise InvalidInput.one("into", f"没有编号为 {value or '（空）'} 的问题")
    return found


urlpatterns = [
    path("problems/<int:problem_id>/", problem_page, name="problem"),
    path("problems/<int:problem_id>/<str:action>/", problem_act, name="problem_act"),
]
