"""What every report needs: who issues it, how its number reads, where the web app is, names of places and units.

Deployment settings (all optional, read with getattr so a deployment sets them without code changes):
    RENJU_BASE_URL          the web app's address as units reach it, for QR codes (default http://127.0.0.1:8000)
    RENJU_REPORT_ISSUER     the issuing office; default from the plan's name: 荣成市全域人居环境综合整治
                            + 工作专班办公室
    RENJU_REPORT_DOC_PREFIX the office's 发文字号 abbreviation; default the city's first character + 人居办 (荣人居办)
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from renju.plans.active import PlanContext, active_plan
from renju.plans.geo import region_index
from renju.plans.models import Unit
from renju.problems.models import Problem

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class ReportError(ValueError):
    """A report cannot be made from what was asked (wrong period kind, unknown unit…): the message says why."""


class ReportNotFound(ReportError):
    """The unit or problem asked for does not exist (or is not the asker's): a 404, not a 400."""


def base_url(override: str | None = None) -> str:
    return (override or getattr(settings, "RENJU_BASE_URL", "") or DEFAULT_BASE_URL).rstrip("/")


def problem_url(problem_id: int, base: str | None = None) -> str:
    return f"{base_url(base)}/problems/{problem_id}/"


def issuer(ctx: PlanContext | None = None) -> str:
    configured = getattr(settings, "RENJU_REPORT_ISSUER", "")
    if configured:
        return configured
    plan = (ctx or active_plan()).plan
    # The plan is 荣成市全域人居环境综合整治方案; the office running it is that campaign's 工作专班办公室 (seed 五(一)).
    return plan.name.removesuffix("方案").removesuffix("实施") + "工作专班办公室"


def doc_prefix(ctx: PlanContext | None = None) -> str:
    configured = getattr(settings, "RENJU_REPORT_DOC_PREFIX", "")
    if configured:
        return configured
    city = (ctx or active_plan()).plan.city_region.name
    return f"{city[:1]}人居办"


def doc_number(kind_mark: str, year: int, serial: str | int, ctx: PlanContext | None = None) -> str:
    """发文字号 such as 荣人居办督〔2023〕41号 (六角括号, no leading zeros, as GB/T 9704 writes it)."""
    return f"{doc_prefix(ctx)}{kind_mark}〔{year}〕{serial}号"


def local_tz(ctx: PlanContext | None = None) -> ZoneInfo:
    return (ctx or active_plan()).calendar.tz


def local_time(value: dt.datetime | None, tz: ZoneInfo) -> str:
    """2023年10月12日 09:30 in the plan's zone ("" for none)."""
    if value is None:
        return ""
    t = value.astimezone(tz)
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


def short_time(value: dt.datetime | None, tz: ZoneInfo) -> str:
    """10-12 09:30 for table cells; the year is in the report's period."""
    return value.astimezone(tz).strftime("%m-%d %H:%M") if value else ""


class RegionNames:
    """Region paths (崖头街道/福泉社区/福泉社区第1网格) from the in-memory index, remembered per region."""

    def __init__(self) -> None:
        self.index = region_index()
        self._paths: dict[int, str] = {}

    def path(self, region_id: int) -> str:
        if region_id not in self._paths:
            chain = [n.name for n in reversed(self.index.ancestors(region_id)) if n.kind != "city"]
            self._paths[region_id] = "/".join(chain)
        return self._paths[region_id]

    def place(self, address: str, region_id: int) -> str:
        path = self.path(region_id)
        return f"{address}（{path}）" if address else path


def unit_by_code(code: str, ctx: PlanContext | None = None) -> Unit:
    unit = (ctx or active_plan()).units.get(code)
    if unit is None:
        raise ReportNotFound(f"no unit with code {code!r}")
    return unit


def problem_by_reference(reference: str, queryset=None) -> Problem:
    """A problem by its number (RC-20231012-0042) or its id, among `queryset` (what the asker may see)."""
    queryset = Problem.objects.all() if queryset is None else queryset
    reference = str(reference).strip()
    lookup = {"pk": int(reference)} if reference.isdigit() else {"number": reference}
    try:
        return queryset.select_related("category", "check_item__standard", "unit", "region").get(**lookup)
    except Problem.DoesNotExist:
        raise ReportNotFound(f"no problem {reference!r}") from None
