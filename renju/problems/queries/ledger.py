"""The rectification ledger (整改台账): items with their milestones, per unit or for the whole city."""

from __future__ import annotations

import datetime as dt
import io

from django.db.models import Prefetch
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from renju.problems.models import LedgerMilestone, Problem, Status

LEDGER_STATES = (Status.LEDGERED, Status.CLOSED)
HEADERS = ["编号", "问题类型", "位置", "责任单位", "整改方案", "节点数", "已核查节点", "当前节点", "当前节点期限",
           "责任人", "逾期节点", "状态", "销号时间"]


def ledger_items(*, user, unit_id: int | None = None, today: dt.date) -> list[dict]:
    """Every problem ever put on the ledger that `user` may see, open ones first, with its milestone figures."""
    rows = (
        Problem.objects.visible_to(user)
        .filter(milestones__isnull=False)
        .distinct()
        .select_related("category", "unit", "region")
        .prefetch_related(Prefetch("milestones", LedgerMilestone.objects.order_by("position")))
        .order_by("status", "due_at")
    )
    if unit_id:
        rows = rows.filter(unit_id=unit_id)
    items = []
    for problem in rows:
        steps = list(problem.milestones.all())
        current = next((s for s in steps if s.verified_at is None), None)
        overdue = [s for s in steps if s.verified_at is None and s.due_on < today]
        items.append({"problem": problem, "steps": steps, "current": current, "overdue": len(overdue),
                      "verified": sum(1 for s in steps if s.verified_at)})
    items.sort(key=lambda i: (i["problem"].status != Status.LEDGERED, -i["overdue"]))
    return items


def overdue_milestones(today: dt.date):
    """Milestones past their date and not verified: they count like overdue problems."""
    return LedgerMilestone.objects.filter(verified_at__isnull=True, due_on__lt=today,
                                          problem__status=Status.LEDGERED)


def ledger_xlsx(items: list[dict]) -> bytes:
    """The ledger as the spreadsheet offices keep: one row per item."""
    wb = Workbook()
    ws = wb.active
    ws.title = "整改台账"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(name="宋体", bold=True)
    for item in items:
        p, current = item["problem"], item["current"]
        ws.append([
            p.number, p.category.name, p.address or p.region.name, p.unit.name if p.unit else "", p.ledger_plan,
            len(item["steps"]), item["verified"], current.title if current else "（全部完成）",
            current.due_on.isoformat() if current else "", current.responsible if current else "", item["overdue"],
            p.get_status_display(), p.closed_at.strftime("%Y-%m-%d") if p.closed_at else "",
        ])
    for column, width in zip("ABCDEFGHIJKLM", [20, 16, 24, 14, 40, 7, 9, 24, 12, 10, 9, 9, 12], strict=True):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.font = Font(name="宋体")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
