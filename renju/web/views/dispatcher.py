"""Pages of the dispatcher role: the intake queues, acted on row by row without leaving the list (htmx swaps the
row), bulk dispatch to the suggested units, and the problem search with its map and spreadsheet export.

Every change goes through `problems.lifecycle`. Accepting and dispatching are two lifecycle actions (two events);
the list's "立案并派遣" runs both in one outer transaction, so a refused dispatch leaves the report as it was.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from renju.problems import lifecycle
from renju.problems.access import get_problem_for
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused
from renju.problems.export import problems_csv, problems_xlsx
from renju.problems.models import Problem, Status
from renju.problems.queries.dispatcher import (
    QUEUES,
    parse_page,
    parse_queue,
    parse_search,
    problem_id_for,
    queue_counts,
    queue_page,
    queue_tabs,
    rows_by_ids,
    search,
    search_form_options,
    search_queryset,
    units_grouped,
)
from renju.web.access import role_required

SEARCH_ROLES = ("dispatcher", "scorer", "leader")
BULK_LIMIT = 200

# ---------------------------------------------------------------- the actions a row offers


class Refused(Exception):
    """An action refused with a message for the row (and the form field it concerns, to show it beside it)."""

    def __init__(self, message: str, form: str = "") -> None:
        super().__init__(message)
        self.form = form


FIELD_NAMES = {"reason": "原因", "unit": "单位", "into": "合并到", "category": "问题类型", "severity": "严重程度",
               "note": "说明"}
# The lifecycle's input messages are written for the API (English); the list shows them in Chinese.
MESSAGES = [
    (re.compile(r"^required when dispatching to another unit than the suggested (.+)$"),
     r"派往非建议单位（建议：\1）时必须填写改派原因"),
    (re.compile(r"^required when re-dispatching to the unit that returned it$"),
     "再次派往退回该问题的单位时必须填写原因"),
    (re.compile(r"^no unit is suggested for this problem; name one$"), "该问题没有建议单位，请选择派往单位"),
    (re.compile(r"^unknown unit code (.+)$"), r"没有编码为 \1 的单位"),
    (re.compile(r"^a problem cannot be merged into itself$"), "不能合并到问题本身"),
    (re.compile(r"^no problem with id (\d+)$"), r"没有这个问题（\1）"),
    (re.compile(r"^(\S+) is (\S+); merge into its original$"), r"\1 \2，请合并到它的原问题"),
    (re.compile(r"^at most (\d+) characters$"), r"最多 \1 个字"),
    (re.compile(r"^required$"), "必填"),
]


def _input_message(exc: InvalidInput) -> str:
    parts = []
    for name, reasons in exc.errors.items():
        for reason in reasons:
            text = reason
            for pattern, replacement in MESSAGES:
                if pattern.match(reason):
                    text = pattern.sub(replacement, reason)
                    break
            parts.append(text if text != "必填" else f"{FIELD_NAMES.get(name, name)}必填")
    return "；".join(parts)


def _accept_then_dispatch(user, problem_id: int, unit: str | None, reason: str) -> Problem:
    """立案 then 派遣: two lifecycle actions and two events, all or nothing."""
    with transaction.atomic():
        status = Problem.objects.filter(pk=problem_id).values_list("status", flat=True).first()
        if status == Status.REPORTED:
            lifecycle.problem_accept(actor=user, problem_id=problem_id)
        return lifecycle.problem_dispatch(actor=user, problem_id=problem_id, unit=unit, reason=reason)


def _do_dispatch(user, problem_id: int, data) -> str:
    problem = _accept_then_dispatch(user, problem_id, None, "")
    return f"已派遣至 {problem.unit.name}"


def _do_override(user, problem_id: int, data) -> str:
    unit = (data.get("unit") or "").strip()
    if not unit:
        raise Refused("请选择派往单位", "override")
    problem = _accept_then_dispatch(user, problem_id, unit, data.get("reason") or "")
    return f"已派遣至 {problem.unit.name}"


def _do_reject(user, problem_id: int, data) -> str:
    lifecycle.problem_reject(actor=user, problem_id=problem_id, reason=data.get("reason") or "")
    return "已不予立案"


def _do_merge(user, problem_id: int, data) -> str:
    into_text = (data.get("into") or "").strip()
    if not into_text:
        raise Refused("请填写要合并到的问题编号", "merge")
    into = problem_id_for(into_text)
    if into is None:
        raise Refused(f"没有编号为 {into_text} 的问题", "merge")
    problem = lifecycle.problem_merge(actor=user, problem_id=problem_id, into=into)
    return f"已合并到 {problem.merged_into.number}"


ROW_ACTIONS = {"dispatch": _do_dispatch, "override": _do_override, "reject": _do_reject, "merge": _do_merge}


def _run(user, problem_id: int, action: str, data) -> dict:
    """Run one row action: {'ok': bool, 'message': str, 'form': which form the message belongs to}."""
    try:
        return {"ok": True, "message": ROW_ACTIONS[action](user, problem_id, data), "form": ""}
    except Refused as exc:
        return {"ok": False, "message": str(exc), "form": exc.form or action}
    except InvalidInput as exc:
        return {"ok": False, "message": _input_message(exc), "form": action}
    except (TransitionRefused, ActionForbidden) as exc:
        return {"ok": False, "message": str(exc), "form": ""}


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _intake_url(queue: str, page: int = 1) -> str:
    url = f"{reverse('web:dispatcher_intake')}?queue={queue}"
    return f"{url}&page={page}" if page > 1 else url


# ---------------------------------------------------------------- pages


@role_required("dispatcher")
@require_GET
def intake(request):
    queue = queue_page(parse_queue(request.GET.get("queue")), parse_page(request.GET.get("page")))
    return render(request, "web/dispatcher/intake.html", {
        "q": queue, "units": units_grouped(), "due_soon_hours": settings.RENJU_DUE_SOON_HOURS,
    })


@role_required("dispatcher")
@require_GET
def tabs(request):
    """The queue tabs alone: re-drawn after an action so their counts stay true."""
    current = parse_queue(request.GET.get("queue"))
    context = {"tabs": queue_tabs(current, queue_counts()), "current": current}
    return render(request, "web/dispatcher/_tabs.html", context)


@role_required("dispatcher")
@require_POST
def act(request, problem_id: int, action: str):
    if action not in ROW_ACTIONS:
        raise Http404("no such action")
    get_problem_for(request.user, problem_id)  # 404 for what the user may not see, before anything else
    queue = parse_queue(request.POST.get("queue"))
    outcome = _run(request.user, problem_id, action, request.POST)
    if not _is_htmx(request):
        (messages.success if outcome["ok"] else messages.error)(request, outcome["message"])
        return redirect(_intake_url(queue, parse_page(request.POST.get("page"))))
    rows = rows_by_ids([problem_id], queue)
    row = rows[0]
    row["outcome"] = outcome
    row["form_values"] = {} if outcome["ok"] else request.POST
    response = render(request, "web/dispatcher/_row.html", {"row": row, "queue": queue, "units": units_grouped()})
    response["HX-Trigger"] = "queueChanged"
    return response


@role_required("dispatcher")
@require_POST
def bulk(request):
    """Accept (where needed) and dispatch each selected problem to its suggested unit, each in its own transaction:
    one refusal does not undo the others; every row says what happened to it."""
    queue = parse_queue(request.POST.get("queue"))
    page = parse_page(request.POST.get("page"))
    selected = _ids(request.POST.getlist("ids"))[:BULK_LIMIT]
    visible = set(Problem.objects.visible_to(request.user).filter(pk__in=selected).values_list("id", flat=True))
    outcomes = {}
    for problem_id in selected:
        if problem_id not in visible:
            continue
        outcomes[problem_id] = _run(request.user, problem_id, "dispatch", {})
    done = sum(1 for o in outcomes.values() if o["ok"])
    summary = {"done": done, "failed": len(outcomes) - done, "selected": len(selected)}
    if not _is_htmx(request):
        if not selected:
            messages.error(request, "请先勾选要派遣的问题")
        else:
            messages.success(request, f"批量派遣：成功 {summary['done']} 件，未成功 {summary['failed']} 件")
            for outcome in outcomes.values():
                if not outcome["ok"]:
                    messages.error(request, outcome["message"])
        return redirect(_intake_url(queue, page))
    shown = _ids(request.POST.getlist("shown")) or selected
    rows = rows_by_ids(shown, queue)
    for row in rows:
        row["outcome"] = outcomes.get(row["id"])
    counts = queue_counts()
    context = {
        "q": {"queue": queue, "label": dict(QUEUES)[queue], "rows": rows, "page": page, "decision": True,
              "tabs": queue_tabs(queue, counts)},
        "units": units_grouped(), "summary": summary,
    }
    response = render(request, "web/dispatcher/_intake_table.html", context)
    response["HX-Trigger"] = "queueChanged"
    return response


def _ids(values: list[str]) -> list[int]:
    out = []
    for value in values:
        if value.isdigit() and int(value) not in out:
            out.append(int(value))
    return out


@role_required(*SEARCH_ROLES)
@require_GET
def search_page(request):
    filters = parse_search(request.GET)
    result = search(request.user, filters, parse_page(request.GET.get("page")))
    querystring = filters.querystring()
    return render(request, "web/dispatcher/search.html", {
        "result": result,
        "filters": filters,
        "options": search_form_options(),
        "querystring": querystring,
        "page_base": f"{querystring}&" if querystring else "",
        "status_names": dict(Status.choices),
        "can_act": request.user.has_role("dispatcher"),
    })


@role_required(*SEARCH_ROLES)
@require_GET
def export(request, fmt: str):
    filters = parse_search(request.GET)
    rows = search_queryset(request.user, filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        body = problems_xlsx(rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        body = problems_csv(rows)
        content_type = "text/csv; charset=utf-8"
    else:
        raise Http404("no such format")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"问题清单-{stamp}.{fmt}")
    return response


urlpatterns = [
    path("dispatch/", intake, name="dispatcher_intake"),
    path("dispatch/tabs/", tabs, name="dispatcher_tabs"),
    path("dispatch/bulk/", bulk, name="dispatcher_bulk"),
    path("dispatch/<int:problem_id>/<str:action>/", act, name="dispatcher_act"),
    path("search/", search_page, name="dispatcher_search"),
    path("search/export.<str:fmt>", export, name="dispatcher_export"),
]
