"""督办通知: each week, each unit with overdue or open key problems gets a numbered notice listing them, with a date
by which to reply (seed 附件2 三: "每周草拟督办通知").

The figures are taken at the end of the period (Sunday 24:00 for a week) from the event log, so a notice re-made
later says the same. Numbered 荣人居办督〔2023〕41-3号: the week, then the unit's place in the plan's list.
"""

from __future__ import annotations

import io
import zipfile

from renju.plans.active import PlanContext, active_plan
from renju.plans.models import Unit
from renju.plans.worktime import TimeLimit
from renju.problems.models import Status
from renju.reports import docx_style as d
from renju.reports.common import ReportNotFound, doc_number, issuer, local_time, short_time
from renju.reports.figures import Flagged, flagged_at, minutes_per_working_day
from renju.reports.periods import Period

REPLY_WORKING_DAYS = 3  # the unit replies within this many working days of the notice's date
STATUS_NAMES = dict(Status.choices)


def generate(period: Period, *, unit: Unit | None = None, fmt: str = "docx", **_options) -> bytes:
    """The registry's entry: one unit's notice (.docx), or every unit's in a zip when no unit is given."""
    return supervision_notice(unit, period) if unit is not None else supervision_zip(period)


def supervision_notice(unit: Unit, period: Period) -> bytes:
    """One unit's notice for the period as .docx; ReportError when the unit has nothing overdue or key open."""
    ctx = active_plan()
    flagged = flagged_at(period.end, ctx, unit_id=unit.id)
    if not flagged:
        raise ReportNotFound(f"{unit.name}截至{period.last_day:%Y-%m-%d}没有超期或未销号的重点问题，无需督办")
    return _notice(ctx, unit, period, flagged)


def supervision_notices(period: Period) -> dict[str, bytes]:
    """Every unit's notice that has anything to say, {file name: docx bytes}, in the plan's unit order."""
    ctx = active_plan()
    by_unit: dict[int, list[Flagged]] = {}
    for item in flagged_at(period.end, ctx):
        by_unit.setdefault(item.unit_id, []).append(item)
    units = sorted((u for u in ctx.units.values() if u.id in by_unit), key=lambda u: u.position)
    return {f"督办通知-{unit.name}-{period.label}.docx": _notice(ctx, unit, period, by_unit[unit.id])
            for unit in units}


def supervision_zip(period: Period) -> bytes:
    """All units' notices in one zip (what the weekly job files and the scorer downloads)."""
    notices = supervision_notices(period)
    if not notices:
        raise ReportNotFound(f"截至{period.last_day:%Y-%m-%d}没有单位有超期或未销号的重点问题")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in notices.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _serial(period: Period, unit: Unit) -> str:
    """41-3 for the 41st week's notice to the plan's third unit (10-3 for October, 1012-3 for a day, 3 for a year)."""
    n = unit.position + 1
    if period.kind == "week":
        return f"{int(period.code.split('W')[1])}-{n}"
    if period.kind == "month":
        return f"{period.start.month}-{n}"
    if period.kind == "day":
        return f"{period.start:%m%d}-{n}"
    return str(n)


def _notice(ctx: PlanContext, unit: Unit, period: Period, flagged: list[Flagged]) -> bytes:
    tz, office = ctx.calendar.tz, issuer(ctx)
    overdue = [f for f in flagged if f.overdue]
    key = [f for f in flagged if f.is_key]
    issued = period.end  # the Monday after the week: the notice goes out when the week's figures are final
    reply_by = ctx.calendar.deadline(issued, TimeLimit(REPLY_WORKING_DAYS, "working_days"))
    number = doc_number("督", int(period.code[:4]), _serial(period, unit), ctx)

    doc = d.new_document(title=f"督办通知 {unit.name} {period.label}", author=office)
    d.masthead(doc, office, number)
    d.title(doc, f"关于督促{unit.name}整改超期及重点问题的通知")
    d.paragraph(doc, f"{unit.full_name or unit.name}：", indent=False)
    parts = []
    if overdue:
        parts.append(f"超期未整改问题{len(overdue)}个")
    if key:
        parts.append(f"重点问题未销号{len(key)}个")
    d.paragraph(doc, f"按照全域人居环境综合整治“周调度”工作安排，经梳理，截至{d.chinese_date(period.last_day)}，"
                     f"你单位尚有{'、'.join(parts)}（详见下表）。")
    d.paragraph(doc, f"请你单位高度重视，立即组织力量逐一整改，并于{local_time(reply_by, tz)}前将整改情况"
                     "（附整改前后照片）通过系统反馈工作专班办公室；确有困难的，须说明原因及整改计划，"
                     "申请延期或列入整改台账。逾期仍未整改的，将按照考核办法扣分，并在月度简报中予以通报。")
    per_day = minutes_per_working_day(ctx)
    section = 1
    if overdue:
        d.heading1(doc, f"{d.chinese_numeral(section)}、超期未整改问题")
        section += 1
        rows = [[i, f.number, f.category, f.place, short_time(f.due_at, tz), f.overdue_label(per_day)]
                for i, f in enumerate(overdue, start=1)]
        d.table(doc, ["序号", "问题编号", "问题类型", "问题地点", "整改时限", "已超期"], rows,
                [1.1, 3.6, 2.4, 4.7, 2.0, 1.8], align="cllllc")
    if key:
        d.heading1(doc, f"{d.chinese_numeral(section)}、重点问题（未销号）")
        rows = [[i, f.number, f.category, f.place, STATUS_NAMES.get(f.status, f.status), short_time(f.due_at, tz)]
                for i, f in enumerate(key, start=1)]
        d.table(doc, ["序号", "问题编号", "问题类型", "问题地点", "状态", "整改时限"], rows,
                [1.1, 3.6, 2.4, 4.7, 1.8, 2.0], align="clllcl")
    d.signature(doc, office, issued.astimezone(tz).date())
    return d.to_bytes(doc)
