"""Read side of the referral pages and API: the batches, one batch's report as rows ready to show, who may see what."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.http import Http404

from renju.accounts.models import Role, User
from renju.referrals.importer import IMPORTER_ROLES
from renju.referrals.models import ReferralBatch
from renju.referrals.sheet import LABELS

VIEWER_ROLES = (Role.DISPATCHER, Role.LEADER, Role.SCORER)  # admins too
OUTCOMES = {"created": "新登记", "existing": "已登记过", "refused": "未导入"}
BATCH_PAGE_SIZE = 30


def may_view(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.has_role(*VIEWER_ROLES)


def may_import(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.has_role(*IMPORTER_ROLES)


def batch_page(page: int | str = 1) -> Page:
    rows = ReferralBatch.objects.select_related("imported_by").defer("report")
    return Paginator(rows, BATCH_PAGE_SIZE).get_page(page)


def batch_for(user: User, batch_id: int) -> ReferralBatch:
    """The batch, for someone who may see referral reports; 404 otherwise (as for any object not theirs)."""
    if not may_view(user):
        raise Http404
    batch = ReferralBatch.objects.select_related("imported_by").filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


@dataclass
class ReportView:
    batch: ReferralBatch
    rows: list[dict]
    outcome: str
    tabs: list[dict]
    same_file: list[ReferralBatch]


def report_view(batch: ReferralBatch, outcome: str = "") -> ReportView:
    """The batch's report rows (optionally one outcome), each error with its field's Chinese name."""
    outcome = outcome if outcome in OUTCOMES else ""
    rows = []
    for line in batch.report:
        if outcome and line.get("outcome") != outcome:
            continue
        errors = [{"field": LABELS.get(k, k), "messages": v} for k, v in (line.get("errors") or {}).items()]
        rows.append({**line, "outcome_name": OUTCOMES.get(line.get("outcome"), ""), "error_list": errors})
    counts = {"created": batch.created, "existing": batch.existing, "refused": batch.refused}
    tabs = [{"code": "", "label": "全部", "count": batch.rows}] + [
        {"code": code, "label": label, "count": counts[code]} for code, label in OUTCOMES.items()]
    same = list(ReferralBatch.objects.filter(sha256=batch.sha256).exclude(pk=batch.pk).defer("report")
                .order_by("imported_at")[:5])
    return ReportView(batch=batch, rows=rows, outcome=outcome, tabs=tabs, same_file=same)


def batch_json(batch: ReferralBatch, *, with_report: bool = True) -> dict:
    body = {
        "id": batch.id, "filename": batch.filename, "sha256": batch.sha256, "office": batch.office,
        "imported_by": batch.imported_by.username, "imported_at": batch.imported_at.isoformat(),
        "rows": batch.rows, "created": batch.created, "existing": batch.existing, "refused": batch.refused,
        "columns": batch.columns,
    }
    if with_report:
        body["report"] = batch.report
    return body
