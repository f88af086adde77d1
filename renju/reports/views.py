"""Report downloads: /reports/<kind>/?period=2023-W41&unit=yatou&problem=RC-…&format=docx|xlsx|pdf.

Thin: check who may have the report and which unit or problem they may name, then hand over to the registry.
Handlers get only their own unit's notice slips and supervision notices, and only problems they may see (another
unit's is a 404, as everywhere); the city-wide reports are for the work team and leaders (a handler gets 403).
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest

from renju.accounts.models import Role
from renju.problems.models import Problem
from renju.reports.common import ReportNotFound, problem_by_reference, unit_by_code
from renju.reports.periods import parse_period
from renju.reports.registry import REPORTS, ReportNotAvailable, produce


@login_required
def report_download(request: HttpRequest, kind: str) -> HttpResponse:
    report = REPORTS.get(kind)
    if report is None:
        raise Http404("no such report")
    user = request.user
    if user.role not in report.roles and user.role != Role.ADMIN:
        raise PermissionDenied("该报表不对您的角色开放")
    visible = Problem.objects.visible_to(user)
    try:
        period_text = request.GET.get("period", "").strip()
        period = parse_period(period_text) if period_text else None
        unit = unit_by_code(request.GET["unit"]) if request.GET.get("unit") else None
        problem = problem_by_reference(request.GET["problem"], visible) if request.GET.get("problem") else None
        if user.role == Role.HANDLER:
            if unit is not None and unit.id != user.unit_id:
                raise ReportNotFound("no such unit")  # another unit's documents do not exist for a handler
            if problem is None and report.takes_unit:
                unit = user.unit
        base = getattr(settings, "RENJU_BASE_URL", "") or request.build_absolute_uri("/")
        output = produce(kind, period, unit=unit, problem=problem, fmt=request.GET.get("format") or None,
                         base_url=base, visible=visible)
    except ReportNotFound as exc:
        raise Http404(str(exc)) from None
    except ReportNotAvailable as exc:
        return HttpResponse(str(exc), status=501, content_type="text/plain; charset=utf-8")
    except ValueError as exc:  # ReportError and a period that does not parse: the request is wrong, say how
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    response = HttpResponse(output.data, content_type=output.content_type)
    response["Content-Disposition"] = attachment(output.filename, fallback=f"{kind}.{output.filename.rsplit('.')[-1]}")
    response["Cache-Control"] = "private, no-store"  # names, places and photos of problems: not for shared caches
    return response


def attachment(filename: str, fallback: str) -> str:
    """Content-Disposition with the Chinese name (RFC 5987/6266 filename*) and an ASCII name for old clients."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
