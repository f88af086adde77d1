"""The scorer's assessment pages (考核排名): months and their versions, a month's ranking per group with the scorer's
actions (试算, 发布, 更正, 表扬加分, 核减扣分), one unit's month line by line, and the work team's performance.

Every write goes through `renju.assessment.runs`; these views only read the stored runs and shape them for display.
Handlers see their own unit's page only (drafts included, so a unit can check every point during review).
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import re_path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renju.assessment.models import Adjustment, AssessmentRun, ScoreLine, StaffScore, UnitScore
from renju.assessment.runs import adjustment_add, assessment_draft, assessment_publish
from renju.assessment.stored import run_changes, run_result
from renju.plans.active import active_plan
from renju.problems.errors import ActionForbidden, InvalidInput, TransitionRefused
from renju.web.access import role_required

VIEWERS = ("scorer", "leader")
UNIT_VIEWERS = ("scorer", "leader", "handler")
SCORERS = ("scorer",)
PERIOD = r"(?P<period>\d{4}-(?:0[1-9]|1[0-2]))"

COUNT_LABELS = {
    "found": "发现问题", "due": "应结案", "closed": "结案", "on_time": "按期结案", "rework": "返工问题",
    "rework_events": "返工次数", "overdue": "逾期", "relapse": "反弹", "repeat": "重复发现", "self_check": "自查自改",
    "ledgered": "列入台账", "milestone_overdue": "台账节点逾期",
}
RATE_LABELS = {"closure_rate": "结案率", "on_time_rate": "按期结案率", "rework_rate": "返工率"}
STAFF_ROLES = {"inspector": "巡查员", "dispatcher": "派遣员"}
STAFF_COUNTS = {
    "inspector": {"reports": "上报", "accepted": "立案", "rejected": "不予立案", "verified": "核查",
                  "verified_on_time": "按时核查"},
    "dispatcher": {"dispatched": "派遣", "dispatched_on_time": "按时派遣", "returned": "被退回"},
}
FIELD_NAMES = {"period": "考核月份", "reason": "原因", "unit": "单位", "points": "分数", "rule": "扣分项",
               "problem": "问题编号"}
# The engine's input messages are written for the API (English); the pages show them in Chinese.
MESSAGES = [
    (re.compile(r"^period must look like 2023-10.*$"), "月份应写成 2023-10 这样的格式"),
    (re.compile(r"^unknown unit code ''$"), "请选择单位"),
    (re.compile(r"^unknown unit code '(.+)'$"), r"没有编码为 \1 的单位"),
    (re.compile(r"^must be praise or waive$"), "调整类型应为表扬加分或核减扣分"),
    (re.compile(r"^praise must give more than 0 and at most (\d+) points$"), r"加分应大于 0 且不超过 \1 分"),
    (re.compile(r"^must be one of the plan's deduction rules.*$"), "请选择要核减的扣分项"),
    (re.compile(r"^no problem numbered '(.+)'$"), r"没有编号为 \1 的问题"),
    (re.compile(r"^no assessment run \d+$"), "该草稿已不存在（可能已重新试算），请回到本月页面再确认"),
]


# ---------------------------------------------------------------- helpers: which run, errors, display rows


def _runs(period: str) -> list[AssessmentRun]:
    return list(AssessmentRun.objects.filter(plan=active_plan().plan, period=period)
                .select_related("created_by", "published_by", "replaces").order_by("-version"))


def _shown(runs: list[AssessmentRun], version: str | None) -> AssessmentRun | None:
    """?version=N, else the newest version (a draft under review or correction comes first, with its status)."""
    if version:
        run = next((r for r in runs if str(r.version) == version), None)
        if run is None:
            raise Http404("no such version")
        return run
    return runs[0] if runs else None


def _of_status(runs: list[AssessmentRun], status: str) -> AssessmentRun | None:
    return next((r for r in runs if r.status == status), None)


def _message(text: str) -> str:
    for pattern, replacement in MESSAGES:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return text


def _errors(exc: InvalidInput, fields: tuple[str, ...]) -> dict[str, str]:
    """{field: message} for the fields the form shows; anything else goes under "form" (shown atop the form)."""
    out: dict[str, list[str]] = {}
    for name, reasons in exc.errors.items():
        texts = [f"{FIELD_NAMES.get(name, name)}必填" if r == "required" else _message(r) for r in reasons]
        out.setdefault(name if name in fields else "form", []).extend(texts)
    return {name: "；".join(texts) for name, texts in out.items()}


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _previous_month() -> str:
    first = timezone.localdate().replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def _ranking(result, rules: dict) -> list[dict]:
    ranking = rules.get("ranking", {})
    bottom = f"后{ranking.get('escalate_bottom', 2)}名"
    action = ranking.get("escalation_action", "")
    groups = []
    for code, name, units in result.by_group():
        rows = []
        for u in units:
            marks = [("praised", "表扬", "")] if u.praised else []
            marks += [("bottom", bottom, "")] if u.bottom else []
            marks += [("escalated", "约谈", action)] if u.escalated else []
            rows.append({"u": u, "rank": f"{u.rank}（并列）" if u.tied else str(u.rank), "marks": marks,
                         "rates": [_percent(u.rates.get(k)) for k in RATE_LABELS]})
        groups.append({"code": code, "name": name, "rows": rows,
                       "has_payment": any(u.payment_percent is not None for u in units)})
    return groups


def _breakdown(score: UnitScore, rules: dict) -> dict:
    """The unit's score as sums with their numbers, so a unit can follow every step."""
    base = rules.get("base_score", 100)
    indicators = [
        {"name": i["name"], "weight": i["weight"], "score": score.indicator_scores.get(i["code"], 0.0),
         "product": i["weight"] * score.indicator_scores.get(i["code"], 0.0)}
        for i in rules.get("indicators", [])
    ]
    dw, cw = rules.get("deduction_weight", 1), rules.get("composite_weight", 0)
    return {
        "base": base,
        "deduction_formula": f"{base:g} − {score.deductions:g} + {score.bonus:g} = {score.deduction_score:g}",
        "indicators": indicators,
        "composite_formula": " + ".join(f"{i['weight']:g} × {i['score']:g}" for i in indicators)
        + f" = {score.composite:g}",
        "final_formula": f"{dw:g} × {score.deduction_score:g} + {cw:g} × {score.composite:g} = {score.score:.2f}",
        "deduction_weight": dw, "composite_weight": cw,
    }


def _adjustments(period: str) -> list[Adjustment]:
    plan = active_plan().plan
    names = {r["code"]: r["name"] for r in (plan.assessment or {}).get("deductions", [])}
    adjustments = list(Adjustment.objects.filter(plan=plan, period=period).select_related("unit", "problem",
                                                                                          "created_by"))
    for a in adjustments:
        a.rule_name = names.get(a.rule, a.rule)
    return adjustments


def _plan_units() -> list:
    return sorted(active_plan().units.values(), key=lambda u: u.position)


# ---------------------------------------------------------------- the list of months


@role_required(*UNIT_VIEWERS)
@require_http_methods(["GET", "HEAD", "POST"])
def index(request):
    plan = active_plan().plan
    if request.user.role == "handler":
        newest = (AssessmentRun.objects.filter(plan=plan, status=AssessmentRun.Status.PUBLISHED)
                  .order_by("-period").values_list("period", flat=True).first())
        if newest and request.user.unit_id:
            return redirect("web:assessment_unit", period=newest, code=request.user.unit.code)
        return render(request, "web/assessment/index.html", {"handler_waiting": True, "months": []})
    if request.method == "POST":
        return _draft(request, request.POST.get("period", "").strip(), on_error=_index_page)
    return _index_page(request)


def _index_page(request, errors: dict | None = None, status: int = 200):
    months: dict[str, dict] = {}
    for run in (AssessmentRun.objects.filter(plan=active_plan().plan).select_related("published_by")
                .order_by("-period", "-version")):
        month = months.setdefault(run.period, {"period": run.period, "label": run.label, "newest": run,
                                               "runs": [], "published": None, "draft": None})
        month["runs"].append(run)
        if run.status in (AssessmentRun.Status.PUBLISHED, AssessmentRun.Status.DRAFT):
            month[run.status] = run
    return render(request, "web/assessment/index.html", {
        "months": list(months.values()), "can_score": request.user.has_role(*SCORERS),
        "errors": errors or {}, "form": request.POST if errors else {"period": _previous_month()},
    }, status=status)


def _draft(request, period: str, *, on_error):
    if not request.user.has_role(*SCORERS):
        raise PermissionDenied("只有考核测算人员能试算")
    try:
        run = assessment_draft(actor=request.user, plan=active_plan().plan, period=period,
                               reason=request.POST.get("reason", ""))
    except InvalidInput as exc:
        return on_error(request, errors={"draft": _errors(exc, ("period", "reason"))}, status=422)
    except (ActionForbidden, TransitionRefused) as exc:
        return on_error(request, errors={"draft": {"form": str(exc)}}, status=409)
    kind = "更正草稿" if run.replaces_id else "试算结果"
    messages.success(request, f"已生成{run.label}第{run.version}版{kind}，请核对后发布")
    return redirect("web:assessment_month", period=run.period)


# ---------------------------------------------------------------- one month


@role_required(*VIEWERS)
@require_GET
def month(request, period: str):
    return _month_page(request, period)


def _month_page(request, period: str, errors: dict | None = None, status: int = 200):
    runs = _runs(period)
    run = _shown(runs, request.GET.get("version"))
    context = {
        "period": period, "label": f"{period[:4]}年{int(period[5:])}月", "runs": runs, "run": run,
        "draft": _of_status(runs, AssessmentRun.Status.DRAFT),
        "published": _of_status(runs, AssessmentRun.Status.PUBLISHED),
        "can_score": request.user.has_role(*SCORERS), "errors": errors or {},
        "form": request.POST if errors else {},
        "adjustments": _adjustments(period), "units": _plan_units(), "year": period[:4],
        "deduction_rules": (active_plan().plan.assessment or {}).get("deductions", []),
    }
    if run is not None:
        rules = run.rules or {}
        context.update({
            "groups": _ranking(run_result(run, with_lines=False), rules), "rate_labels": RATE_LABELS.values(),
            "changes": run_changes(run) if run.replaces_id else [],
            "escalation_action": rules.get("ranking", {}).get("escalation_action", ""),
        })
    return render(request, "web/assessment/month.html", context, status=status)


@role_required(*SCORERS)
@require_POST
def redraft(request, period: str):
    return _draft(request, period, on_error=lambda req, **kw: _month_page(req, period, **kw))


@role_required(*SCORERS)
@require_http_methods(["GET", "HEAD", "POST"])
def publish(request, period: str):
    """发布 in two steps: this page says what will be published (and whether the cutoff has passed); its form
    publishes exactly the draft that was shown."""
    runs = _runs(period)
    draft = _of_status(runs, AssessmentRun.Status.DRAFT)
    error = ""
    if request.method == "POST":
        try:
            run = assessment_publish(actor=request.user, run_id=int(request.POST.get("run") or 0))
        except InvalidInput as exc:
            error = "；".join(_message(m) for msgs in exc.errors.values() for m in msgs)
        except (TransitionRefused, ActionForbidden) as exc:
            error = str(exc)
        else:
            messages.success(request, f"{run.label}第{run.version}版已发布")
            return redirect("web:assessment_month", period=period)
    if draft is None and not error:
        raise Http404("no draft to publish")
    return render(request, "web/assessment/publish.html", {
        "period": period, "draft": draft, "published": _of_status(runs, AssessmentRun.Status.PUBLISHED),
        "error": error, "early": draft is not None and timezone.now() < draft.cutoff,
    }, status=409 if error else 200)


@role_required(*SCORERS)
@require_POST
def adjust(request, period: str):
    kind = request.POST.get("kind", "")
    if kind not in Adjustment.Kind.values:
        raise Http404("no such adjustment")
    fields = ("unit", "points", "reason") if kind == "praise" else ("unit", "rule", "problem", "reason")
    points = 0.0
    if kind == "praise":
        try:
            points = float(request.POST.get("points", ""))
        except ValueError:
            return _month_page(request, period, errors={kind: {"points": "请填写加分分数（数字）"}}, status=422)
    try:
        adjustment_add(actor=request.user, plan=active_plan().plan, period=period, unit=request.POST.get("unit", ""),
                       kind=kind, reason=request.POST.get("reason", ""), points=points,
                       rule=request.POST.get("rule", ""), problem=request.POST.get("problem", "").strip())
    except InvalidInput as exc:
        return _month_page(request, period, errors={kind: _errors(exc, fields)}, status=422)
    except (ActionForbidden, TransitionRefused) as exc:
        return _month_page(request, period, errors={kind: {"form": str(exc)}}, status=409)
    messages.success(request, f"已记录{Adjustment.Kind(kind).label}，将在下一次试算中生效")
    return redirect(reverse("web:assessment_month", kwargs={"period": period}) + "#adjustments")


# ---------------------------------------------------------------- one unit, the work team


@role_required(*UNIT_VIEWERS)
@require_GET
def unit(request, period: str, code: str):
    plan_unit = active_plan().units.get(code)
    if plan_unit is None or (request.user.role == "handler" and request.user.unit_id != plan_unit.id):
        raise Http404("no such unit")  # another unit's page does not exist for a handler
    runs = _runs(period)
    run = _shown(runs, request.GET.get("version"))
    if run is None:
        raise Http404("month not assessed")
    score = get_object_or_404(UnitScore, run=run, unit_id=plan_unit.id)
    lines = list(ScoreLine.objects.filter(run=run, unit_id=plan_unit.id).order_by("at", "id"))
    rules = run.rules or {}
    ranking = rules.get("ranking", {})
    months = (AssessmentRun.objects.filter(plan=active_plan().plan).order_by("-period")
              .values_list("period", flat=True).distinct())
    return render(request, "web/assessment/unit.html", {
        "period": period, "run": run, "runs": runs, "unit": plan_unit, "score": score, "lines": lines,
        "breakdown": _breakdown(score, rules),
        "counts": [(label, score.counts.get(key, 0)) for key, label in COUNT_LABELS.items()],
        "rates": [(label, _percent(score.rates.get(key))) for key, label in RATE_LABELS.items()],
        "total_counted": sum(x.counted for x in lines),
        "bottom_label": f"后{ranking.get('escalate_bottom', 2)}名",
        "escalation_action": ranking.get("escalation_action", ""),
        "months": list(months), "can_rank": request.user.role != "handler",
    })


@role_required(*VIEWERS)
@require_GET
def staff(request, period: str):
    runs = _runs(period)
    run = _shown(runs, request.GET.get("version"))
    if run is None:
        raise Http404("month not assessed")
    rules = (run.rules or {}).get("staff") or {}
    tables = []
    scores = list(StaffScore.objects.filter(run=run).select_related("user").order_by("role", "-score", "user_id"))
    for role, role_name in STAFF_ROLES.items():
        indicators = rules.get(role, [])
        counts = STAFF_COUNTS[role]
        rows = [{"user": s.user, "counts": [s.counts.get(k, 0) for k in counts],
                 "indicators": [_percent(s.indicators.get(i["code"])) for i in indicators],
                 "score": s.score, "grade": s.grade} for s in scores if s.role == role]
        tables.append({"role": role, "name": role_name, "counts": counts.values(),
                       "indicators": [f"{i['name']}（权重 {i['weight']:g}）" for i in indicators], "rows": rows})
    return render(request, "web/assessment/staff.html", {"period": period, "run": run, "runs": runs,
                                                         "tables": tables})


urlpatterns = [
    re_path(r"^assessment/$", index, name="assessment"),
    re_path(rf"^assessment/{PERIOD}/$", month, name="assessment_month"),
    re_path(rf"^assessment/{PERIOD}/draft/$", redraft, name="assessment_draft"),
    re_path(rf"^assessment/{PERIOD}/publish/$", publish, name="assessment_publish"),
    re_path(rf"^assessment/{PERIOD}/adjustments/$", adjust, name="assessment_adjust"),
    re_path(rf"^assessment/{PERIOD}/units/(?P<code>[\w-]+)/$", unit, name="assessment_unit"),
    re_path(rf"^assessment/{PERIOD}/staff/$", staff, name="assessment_staff"),
]
