"""Problems as Open311 service requests.

A page of requests is one query on the problem table (the columns below) plus a few set-based lookups for the
whole page, never one per row: the last event time of each (updated_datetime), the reasons of rejected ones, the
numbers of the problems merged into, and media. Names come from the in-memory plan and region index.

Status: `closed` for closed (销号), rejected (不予立案) and merged (合并) problems, `open` for every other state;
status_notes says where it stands in words a caller understands, with the reject reason or the problem it was
merged into.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, Min
from django.urls import reverse

from renju.open311.models import Submission
from renju.open311.privacy import mask_personal
from renju.open311.render import w3c
from renju.plans.active import PlanContext
from renju.plans.geo import RegionIndex
from renju.plans.models import Category, Unit
from renju.problems.models import Photo, Problem, ProblemEvent, Status
from renju.problems.routing import time_limit_for

MEDIA_MARKER = "（附件链接："
CLOSED_STATES = (Status.CLOSED, Status.REJECTED, Status.MERGED)

ROW_FIELDS = (
    "id", "number", "status", "category_id", "severity", "description", "lat", "lng", "address", "region_id",
    "unit_id", "merged_into_id", "reported_at", "due_at",
)

# What a caller reads for each state; {unit} is the responsible unit's name.
STATUS_NOTES = {
    Status.REPORTED: "已收到，待审核立案",
    Status.ACCEPTED: "已立案，待派遣责任单位",
    Status.DISPATCHED: "已派遣{unit}整改",
    Status.RETURNED: "责任单位申请改派，正在重新派遣",
    Status.RECTIFIED: "{unit}已整改，待现场核查",
    Status.REWORK: "现场核查未通过，{unit}返工整改中",
    Status.CLOSED: "已整改，经现场核查销号",
    Status.LEDGERED: "已列入整改台账，{unit}按计划分步整改",
    Status.SUSPENDED: "因客观原因暂停计时，恢复后继续整改",
    Status.REJECTED: "不予立案",
    Status.MERGED: "与其他已受理问题重复，已合并办理",
}


def open_or_closed(status: str) -> str:
    return "closed" if status in CLOSED_STATES else "open"


class RequestPage:
    """Everything a page of rows needs beyond the rows, looked up once for the page."""

    def __init__(self, rows: list[dict], ctx: PlanContext, index: RegionIndex, *, photo_urls: bool,
                 base_url: str) -> None:
        self.rows, self.ctx, self.index, self.base_url = rows, ctx, index, base_url
        ids = [r["id"] for r in rows]
        self.updated: dict[int, dt.datetime] = dict(
            ProblemEvent.objects.filter(problem_id__in=ids).order_by().values("problem_id")
            .annotate(last=Max("at")).values_list("problem_id", "last")) if ids else {}
        rejected = [r["id"] for r in rows if r["status"] == Status.REJECTED]
        self.reasons: dict[int, str] = {
            pid: (details or {}).get("reason", "")
            for pid, details in ProblemEvent.objects.filter(problem_id__in=rejected, action="reject")
            .order_by("problem_id", "seq").values_list("problem_id", "details")
        } if rejected else {}
        merged = {r["merged_into_id"] for r in rows if r["merged_into_id"]}
        self.numbers: dict[int, str] = dict(
            Problem.objects.filter(id__in=merged).values_list("id", "number")) if merged else {}
        self.photos: dict[int, int] = dict(
            Photo.objects.filter(problem_id__in=ids, kind=Photo.Kind.BEFORE).order_by().values("problem_id")
            .annotate(first=Min("id")).values_list("problem_id", "first")) if photo_urls and ids else {}
        # Only a request that came with a media_url can have one to give back, and its description says so (the
        # marker intake.py appends): most pages need no lookup at all.
        without_photo = [r["id"] for r in rows if r["id"] not in self.photos and MEDIA_MARKER in r["description"]]
        self.media: dict[int, str] = dict(
            Submission.objects.filter(problem_id__in=without_photo).exclude(media_url="")
            .values_list("problem_id", "media_url")) if without_photo else {}
        self.categories = ctx.categories_by_id
        self.units = ctx.units_by_id
        self._notices: dict[tuple[int, str], str] = {}

    def _category(self, category_id: int) -> Category:
        category = self.categories.get(category_id)
        if category is None:  # retired by a newer plan: read it once
            category = self.categories[category_id] = Category.objects.select_related("task").get(pk=category_id)
        return category

    def _unit_name(self, unit_id: int | None) -> str | None:
        if unit_id is None:
            return None
        unit = self.units.get(unit_id)
        if unit is None:
            unit = self.units[unit_id] = Unit.objects.get(pk=unit_id)
        return unit.name

    def service_notice(self, category: Category, severity: str) -> str:
        key = (category.id, severity)
        if key not in self._notices:
            try:
                label = time_limit_for(self.ctx, category, severity).label()
            except (KeyError, TypeError, ValueError):
                label = ""
            within = f"，派遣后{label}内整改" if label else "整改"
            self._notices[key] = f"经审核立案后派遣责任单位{within}"
        return self._notices[key]

    def status_notes(self, row: dict, unit_name: str | None) -> str:
        status = row["status"]
        note = STATUS_NOTES.get(status, "").format(unit=unit_name or "责任单位")
        if status == Status.REJECTED and self.reasons.get(row["id"]):
            note = f"不予立案：{self.reasons[row['id']]}"
        elif status == Status.MERGED and row["merged_into_id"] in self.numbers:
            note = f"与 {self.numbers[row['merged_into_id']]} 为同一问题，已合并办理"
        return mask_personal(note)

    def address(self, row: dict) -> str:
        if row["address"]:
            return mask_personal(row["address"])
        # No address typed: the places it lies in, most specific first (as the spec orders an address).
        return ", ".join(node.name for node in self.index.ancestors(row["region_id"]))

    def media_url(self, row: dict) -> str | None:
        photo_id = self.photos.get(row["id"])
        if photo_id is not None:
            return self.base_url + reverse("api-v1:photo_thumbnail", kwargs={"photo_id": photo_id})
        return self.media.get(row["id"])

    def updated_datetime(self, row: dict) -> dt.datetime:
        # Every problem has at least its `report` event; data imported without a log falls back to the report.
        return self.updated.get(row["id"]) or row["reported_at"]

    def out(self, row: dict) -> dict:
        category = self._category(row["category_id"])
        unit_name = self._unit_name(row["unit_id"])
        region = self.index.nodes.get(row["region_id"])
        return {
            "service_request_id": row["number"],
            "status": open_or_closed(row["status"]),
            "status_notes": self.status_notes(row, unit_name),
            "service_name": category.name,
            "service_code": category.code,
            "description": mask_personal(row["description"]),
            "agency_responsible": unit_name,
            "service_notice": self.service_notice(category, row["severity"]),
            "requested_datetime": w3c(row["reported_at"]),
            "updated_datetime": w3c(self.updated_datetime(row)),
            "expected_datetime": w3c(row["due_at"]),
            "address": self.address(row),
            "address_id": region.code if region else None,
            "zipcode": None,
            "lat": row["lat"],
            "long": row["lng"],
            "media_url": self.media_url(row),
        }

    def all(self) -> list[dict]:
        return [self.out(r) for r in self.rows]
