"""周调度: the week's figures by unit and ranking group — found, dispatched, rectified, closed, overdue and key
problems still open at the week's end — as an official document (.docx) and as a spreadsheet (.xlsx).

All counts come from the event log (figures.py): five queries for the whole city, whatever its size.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from renju.plans.active import active_plan
from renju.plans.models import Unit
from renju.problems.models import Status
from renju.reports import docx_style as d
from renju.reports.common import ReportError, doc_number, issuer, short_time
from renju.reports.figures import (
    FIGURE_NAMES,
    FIGURES,
    Flagged,
    event_counts,
    flagged_at,
    found_counts,
    minutes_per_working_day,
)
from renju.reports.periods import Period

LIST_LIMIT = 200  # rows of the problem list printed in the document; the spreadsheet has them all
NO_GROUP = ("", "未分组")
STATUS_NAMES = dict(Status.choices)
XLSX_FONT = "宋体"  # as renju.problems.export: what Chinese offices' spreadsheets use
GB2312 = 134


@dataclass
class UnitRow:
    unit: Unit
    figures: dict[str, int]


@dataclass
class GroupTable:
    code: str
    name: str
    rows: list[UnitRow] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {name: sum(r.figures[name] for r in self.rows) for name in FIGURES}


@dataclass
class WeeklyFigures:
    period: Period
    groups: list[GroupTable]
    totals: dict[str, int]  # every unit's, retired ones included ("new" without the undispatched ones)
    undispatched_new: int  # found in the week and not sent to any unit by its end
    flagged: list[Flagged]  # overdue or key and open at the week's end
    unit_names: dict[int, str]
    minutes_per_day: int


def weekly_figures(period: Period) -> WeeklyFigures:
    if period.kind != "week":
        raise ReportError(f"the weekly report needs a week such as 2023-W41, not {period.code}")
    ctx = active_plan()
    events, found = event_counts(period), found_counts(period)
    flagged = flagged_at(period.end, ctx)
    overdue: dict[int, int] = {}
    key_open: dict[int, int] = {}
    for item in flagged:
        if item.overdue:
            overdue[item.unit_id] = overdue.get(item.unit_id, 0) + 1
        if item.is_key:
            key_open[item.unit_id] = key_open.get(item.unit_id, 0) + 1

    def figures_of(unit_id: int | None) -> dict[str, int]:
        counted = events.get(unit_id, {})
        return {
            "new": found.get(unit_id, 0), "dispatched": counted.get("dispatched", 0),
            "rectified": counted.get("rectified", 0), "closed": counted.get("closed", 0),
            "overdue": overdue.get(unit_id, 0), "key_open": key_open.get(unit_id, 0),
        }

    groups: dict[str, GroupTable] = {}
    units = sorted(ctx.units.values(), key=lambda u: (u.group.position if u.group else 10_000, u.position))
    for unit in units:
        code, name = (unit.group.code, unit.group.name) if unit.group else NO_GROUP
        groups.setdefault(code, GroupTable(code, name)).rows.append(UnitRow(unit, figures_of(unit.id)))
    # Every unit with a figure, retired ones included; problems not sent to any unit are counted separately.
    unit_ids = (set(events) | set(found) | set(overdue) | set(key_open)) - {None}
    totals = {name: sum(figures_of(uid)[name] for uid in unit_ids) for name in FIGURES}
    return WeeklyFigures(
        period=period, groups=list(groups.values()), totals=totals, undispatched_new=found.get(None, 0),
        flagged=flagged, unit_names={u.id: u.name for u in ctx.units_by_id.values()},
        minutes_per_day=minutes_per_working_day(ctx),
    )


def generate(period: Period, *, fmt: str = "docx", **_options) -> bytes:
    """The registry's entry: the week's report as .docx or .xlsx."""
    return weekly_xlsx(period) if fmt == "xlsx" else weekly_docx(period)


def _week_number(period: Period) -> tuple[int, int]:
    year, week = period.code.split("-W")
    return int(year), int(week)


# ---------------------------------------------------------------- the document


def weekly_docx(period: Period) -> bytes:
    ctx = active_plan()
    data = weekly_figures(period)
    office, tz = issuer(ctx), ctx.calendar.tz
    year, week = _week_number(period)
    doc = d.new_document(title=f"周调度 {period.label}", author=office)
    d.masthead(doc, office, doc_number("调", year, week, ctx))
    d.title(doc, f"关于{period.label}全域人居环境综合整治\n问题整改情况的调度通报")
    d.paragraph(doc, "各责任单位：", indent=False)
    d.paragraph(doc, f"按照“周调度、月通报、年总评”考评办法，现将{period.label}（{period.span_label}）"
                     "全域人居环境综合整治问题发现、派遣、整改和销号情况通报如下。")
    d.heading1(doc, "一、总体情况")
    d.paragraph(doc, _summary(data))
    d.heading1(doc, "二、各单位情况")
    headers = ["序号", "责任单位", *(FIGURE_NAMES[name] for name in FIGURES)]
    widths = [1.1, 3.9, *(1.75,) * len(FIGURES)]
    for i, group in enumerate(data.groups, start=1):
        d.heading2(doc, f"（{d.chinese_numeral(i)}）{group.name}")
        rows = [[n, r.unit.name, *(r.figures[name] for name in FIGURES)] for n, r in enumerate(group.rows, start=1)]
        rows.append(["", "合计", *(group.totals[name] for name in FIGURES)])
        d.table(doc, headers, rows, widths, align="cl" + "c" * len(FIGURES))
    d.heading1(doc, "三、超期及重点问题清单")
    if data.flagged:
        shown = data.flagged[:LIST_LIMIT]
        rows = [[n, f.number, data.unit_names.get(f.unit_id, ""), f.category, short_time(f.due_at, tz),
                 _situation(f, data.minutes_per_day)] for n, f in enumerate(shown, start=1)]
        d.table(doc, ["序号", "问题编号", "责任单位", "问题类型", "整改时限", "情形"], rows,
                [1.1, 3.6, 2.8, 2.6, 2.1, 3.4], align="clllll")
        if len(data.flagged) > LIST_LIMIT:
            d.paragraph(doc, f"以上列出前{LIST_LIMIT}个，其余{len(data.flagged) - LIST_LIMIT}个见同期电子表格。")
    else:
        d.paragraph(doc, f"截至{d.chinese_date(period.last_day)}，无超期未整改问题和未销号重点问题。")
    d.heading1(doc, "四、工作要求")
    d.paragraph(doc, "各责任单位要对照问题清单，逐一落实整改责任，在整改时限内完成整改并通过系统反馈；对超期问题，"
                     "要立即整改并说明超期原因；对重点问题，要重点跟踪、重点调度，确保立即整改、及时销号。"
                     "超期未整改问题将按照考核办法扣分，并纳入月度考核通报。")
    d.signature(doc, office, period.end.astimezone(tz).date())
    return d.to_bytes(doc)


def _summary(data: WeeklyFigures) -> str:
    t = data.totals
    new_total = t["new"] + data.undispatched_new
    waiting = f"（其中截至周末尚未派遣{data.undispatched_new}个）" if data.undispatched_new else ""
    text = (f"本周共发现问题{new_total}个{waiting}，派遣{t['dispatched']}个，整改反馈{t['rectified']}个，"
            f"销号{t['closed']}个；截至{d.chinese_date(data.period.last_day)}，超期未整改问题{t['overdue']}个，"
            f"未销号重点问题{t['key_open']}个。")
    worst = sorted((r for g in data.groups for r in g.rows if r.figures["overdue"]),
                   key=lambda r: (-r.figures["overdue"], r.unit.position))[:3]
    if worst:
        text += "超期问题较多的单位是：" + "、".join(f"{r.unit.name}（{r.figures['overdue']}个）" for r in worst) + "。"
    return text


def _situation(item: Flagged, minutes_per_day: int) -> str:
    parts = []
    if item.overdue:
        parts.append(f"超期{item.overdue_label(minutes_per_day)}")
    if item.is_key:
        parts.append("重点问题")
    return "，".join(parts)


# ---------------------------------------------------------------- the spreadsheet


def weekly_xlsx(period: Period) -> bytes:
    """One sheet per table: 汇总, one per ranking group, and the overdue/key problem list. Numbers are numbers."""
    ctx = active_plan()
    data = weekly_figures(period)
    workbook = Workbook()
    summary = workbook.active
    summary.title = "汇总"
    rows: list[list] = [[FIGURE_NAMES[name], data.totals[name]] for name in FIGURES]
    rows.insert(1, ["其中尚未派遣", data.undispatched_new])
    rows[0][1] += data.undispatched_new  # 新发现 counts the undispatched ones too, as the document does
    _sheet(summary, [f"{period.label}（{period.span_label}）", "数量"], rows, [34, 10])
    headers = ["序号", "责任单位", *(FIGURE_NAMES[name] for name in FIGURES)]
    for group in data.groups:
        sheet = workbook.create_sheet(_sheet_title(group.name))
        rows = [[n, r.unit.name, *(r.figures[name] for name in FIGURES)] for n, r in enumerate(group.rows, start=1)]
        rows.append([None, "合计", *(group.totals[name] for name in FIGURES)])
        _sheet(sheet, headers, rows, [6, 20, *(11,) * len(FIGURES)])
    sheet = workbook.create_sheet("超期及重点问题")
    tz = ctx.calendar.tz
    rows = [
        [n, f.number, data.unit_names.get(f.unit_id, ""), f.category, f.place, STATUS_NAMES.get(f.status, f.status),
         f.due_at.astimezone(tz).replace(tzinfo=None) if f.due_at else None,
         round(f.overdue_minutes / data.minutes_per_day, 1) if f.overdue else None, "是" if f.is_key else "否"]
        for n, f in enumerate(data.flagged, start=1)
    ]
    headers = ["序号", "问题编号", "责任单位", "问题类型", "问题地点", "周末状态", "整改时限", "超期工作日", "重点问题"]
    _sheet(sheet, headers, rows, [6, 20, 16, 16, 40, 10, 17, 11, 9])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str) -> str:
    # Excel refuses these characters and more than 31 characters in a sheet name.
    return "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "表"


def _sheet(sheet, headers: list[str], rows: list[list], widths: list[int]) -> None:
    body_font = Font(name=XLSX_FONT, size=11, charset=GB2312)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(name=XLSX_FONT, size=11, bold=True, charset=GB2312)
        cell.fill = PatternFill("solid", fgColor="DDE4EC")
        cell.border = Border(bottom=Side(style="thin", color="B0B7BF"))
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for values in rows:
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            cell.font = body_font
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
