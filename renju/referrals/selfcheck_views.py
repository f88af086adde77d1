"""The unit handler's self-check page (自查自改, `unit/self-check/`): file a problem the unit found itself, on a phone,
and if it was fixed on the spot, the after-photos and a note in the same step.

The page's script sends the form with fetch and reads JSON back (photos stay in the form when something is refused);
without the script the same form posts normally and the page answers with a redirect or the form and its errors.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from renju.intake.selfcheck import self_check_report
from renju.problems.errors import ActionForbidden, InvalidInput
from renju.problems.photos import PreparedPhoto, photo_from_upload
from renju.problems.queries.inspector import report_form_context
from renju.web.access import role_required

FIELD_NAMES = {"category": "问题类型", "lat": "位置", "lng": "位置", "description": "问题描述", "photos": "现场照片",
               "after_photos": "整改后照片", "fix_note": "整改说明", "fixed": "已当场整改", "address": "地址",
               "severity": "严重程度", "check_item": "检查项", "client_key": "上报编号", "found_at": "发现时间"}
# The lifecycle speaks English to API clients; the page says the common ones in Chinese.
MESSAGES = {"required": "必填", "must be a number between -90 and 90": "请在地图上点选问题位置",
            "must be a number between -180 and 180": "请在地图上点选问题位置"}


@role_required("handler")
def self_check(request):
    if request.user.role != "handler" or request.user.unit_id is None:
        raise PermissionDenied("自查上报只对责任单位经办人开放")
    wants_json = "application/json" in request.headers.get("Accept", "")
    if request.method == "POST":
        try:
            problem = self_check_report(actor=request.user, **_fields(request))
        except InvalidInput as exc:
            errors = {k: [MESSAGES.get(m, m) for m in v] for k, v in exc.errors.items()}
            if wants_json:
                return JsonResponse({"detail": "invalid input", "errors": errors}, status=422)
            return _form(request, errors, status=422)
        except ActionForbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        url = reverse("web:problem", kwargs={"problem_id": problem.id})
        if wants_json:
            return JsonResponse({"id": problem.id, "number": problem.number, "status": problem.status,
                                 "status_name": problem.get_status_display(), "url": url}, status=201)
        messages.success(request, f"已上报本单位自查问题 {problem.number}（{problem.get_status_display()}）")
        return redirect(url)
    return _form(request, {})


def _fields(request) -> dict:
    post = request.POST
    errors: dict[str, list[str]] = {}
    lat, lng = _number(post.get("lat")), _number(post.get("lng"))
    if lat is None or lng is None:
        errors["lat"] = ["请在地图上点选问题位置，或允许本机定位"]
    photos = _photos(request, "photos", errors)
    after = _photos(request, "after_photos", errors)
    if errors:
        raise InvalidInput(errors)
    return {
        "category": post.get("category", "").strip(), "lat": lat, "lng": lng,
        "description": post.get("description", ""), "address": post.get("address", "").strip(),
        "severity": post.get("severity") or None, "check_item": post.get("check_item") or None,
        "fixed": post.get("fixed") in ("1", "true", "on"), "fix_note": post.get("fix_note", ""),
        "photos": photos, "after_photos": after, "client_key": post.get("client_key") or None,
    }


def _photos(request, field: str, errors: dict[str, list[str]]) -> list[PreparedPhoto]:
    out = []
    for upload in request.FILES.getlist(field):
        try:
            out.append(photo_from_upload(upload, field_name=field))
        except InvalidInput as exc:
            for k, v in exc.errors.items():
                errors.setdefault(k, []).extend(v)
    return out


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _form(request, errors: dict[str, list[str]], status: int = 200):
    form = report_form_context()
    config = {
        "maxPhotos": settings.RENJU_MAX_PHOTOS,
        "submitUrl": reverse("web:self_check"),
        "regionsUrl": reverse("api-v1:map_regions") + "?kind=town",
        "fieldNames": FIELD_NAMES,
    }
    context = {
        "form": form, "config": config, "unit": request.user.unit, "values": request.POST if errors else {},
        "errors": {k: "；".join(v) for k, v in errors.items()},
        "error_list": [f"{FIELD_NAMES.get(k, k)}：{'；'.join(v)}" for k, v in errors.items()],
        "client_key": request.POST.get("client_key") if errors else uuid.uuid4().hex,
    }
    return render(request, "referrals/selfcheck.html", context, status=status)
