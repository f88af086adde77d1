"""考核得分表: a month's assessment as the spreadsheets the scorers and units work with (kind `scores`).

Sheets: 单位得分 (per unit: group, rank, score, its parts, rates and counts), 扣分明细 (every deduction and bonus
line with its rule and problem: how each score adds up), 工作人员绩效 (the work team's staff), 说明 (which run).
Conventions of renju.problems.export: 宋体, a frozen bold header row, numbers as numbers, rates as percentages,
times as dates, and text that Excel would read as a formula kept as text. The small writer here is shared with
the annual evaluation's spreadsheet.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList

from renju.assessment.models import AssessmentRun
from renju.assessment.stored import run_result
from renju.plans.active import active_plan
from renju.plans.models import Plan
from renju.problems.export import FONT_NAME, GB2312, TIME_FORMAT
from renju.reports.monthly import month_run
from renju.reports.periods import Period

COUNT_NAMES = {
    "found": "发现问题", "due": "应结案", "closed": "结案", "on_time": "按期结案", "overdue": "逾期",
    "rework": "返工问题", "rework_events": "返工次数", "relapse": "反弹", "repeat": "重复发现",
    "self_check": "自查自改", "ledgered": "挂账整改", "milestone_overdue": "台账节点逾期",
}
RATE_NAMES = {"closure_rate": "结案率", "on_time_rate": "按期结案率", "rework_rate": "返工率"}
STAFF_COUNT_NAMES = {
    "reports": "上报", "accepted": "立案", "rejected": "不予立案", "verified": "核查", "verified_on_time": "按时核查",
    "dispatched": "派遣", "dispatched_on_time": "按时派遣", "returned": "被退回",
}
ROLE_NAMES = {"inspector": "巡查员", "dispatcher": "派遣员"}
STATUS_NAMES = dict(AssessmentRun.Status.choices)


# ---------------------------------------------------------------- the writer


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    kind: str = "text"  # text | int | number (two decimals) | percent (0–1) | time (naive local datetime)


FORMATS = {"int": "0", "number": "0.00", "percent": "0.0%", "time": TIME_FORMAT}


def new_workbook() -> Workbook:
    workbook = Workbook(write_only=True)
    # 宋体 as the workbook's default font, as renju.problems.export does (no per-cell font on body cells).
    workbook._fonts = IndexedList([Font(name=FONT_NAME, size=11, charset=GB2312)])
    return workbook


def add_sheet(workbook: Workbook, title: str, columns: Sequence[Column], rows: Iterable[Sequence]) -> None:
    sheet = workbook.create_sheet(title=sheet_title(title))
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = Font(name=FONT_NAME, size=11, bold=True, charset=GB2312)
        cell.fill = PatternFill("solid", fgColor="DDE4EC")
        cell.border = Border(bottom=Side(style="thin", color="B0B7BF"))
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    sheet.append(header)
    for values in rows:
        sheet.append([cell_value(sheet, value, column.kind) for value, column in zip(values, columns, strict=True)])


def cell_value(sheet, value, kind: str = "text"):
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if value.startswith("="):
            # openpyxl would store it as a formula; text from the field and the public stays text.
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value
    number_format = FORMATS.get(kind)
    if isinstance(value, dt.datetime) and number_format is None:
        number_format = TIME_FORMAT
    if number_format is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def sheet_title(name: str) -> str:
    # Excel refuses these characters and more than 31 characters in a sheet name.
    return "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "表"


def to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- the score workbook


def generate(period: Period, *, fmt: str = "xlsx", **_options) -> bytes:
    """The registry's entry (kind `scores`): the month's score workbook."""
    return scores_xlsx(period)


def scores_xlsx(period: Period, *, plan: Plan | None = None) -> bytes:
    """The month's scores from its published run (its draft before publication; the 说明 sheet says which)."""
    ctx = active_plan()
    plan = plan or ctx.plan
    run = month_run(plan, period)
    result = run_result(run, with_lines=True)
    rules = run.rules
    tz = ctx.calendar.tz

    def local(value: dt.datetime | None) -> dt.datetime | None:
        return value.astimezone(tz).replace(tzinfo=None) if value else None

    workbook = new_workbook()
    indicators = [(i["code"], i["name"]) for i in rules.get("indicators", [])]
    columns = [
        Column("组别", 12), Column("名次", 6, "int"), Column("单位", 18), Column("单位编码", 15),
        Column("得分", 8, "number"), Column("扣分", 8, "number"), Column("加分", 8, "number"),
        Column("扣分项得分", 10, "number"), Column("综合指标分", 10, "number"),
        *(Column(f"{name}分值", 10, "number") for _code, name in indicators),
        *(Column(name, 10, "percent") for name in RATE_NAMES.values()),
        *(Column(name, 9, "int") for name in COUNT_NAMES.values()),
        Column("并列", 6), Column("表扬", 6), Column("通报批评", 8), Column("约谈", 6),
        Column("付款比例(%)", 10, "number"),
    ]
    groups = result.by_group()
    rows = []
    for _code, group_name, units in groups:
        for u in units:
            rows.append([
                group_name, u.rank, u.name, u.code, u.score, u.deductions, u.bonus, u.deduction_score, u.composite,
                *(u.indicator_scores.get(code) for code, _name in indicators),
                *(u.rates.get(code) for code in RATE_NAMES),
                *(u.counts.get(code, 0) for code in COUNT_NAMES),
                _yes(u.tied), _yes(u.praised), _yes(u.bottom), _yes(u.escalated), u.payment_percent,
            ])
    add_sheet(workbook, "单位得分", columns, rows)

    line_columns = [
        Column("组别", 12), Column("单位", 18), Column("规则编码", 16), Column("扣分规则", 18), Column("问题编号", 20),
        Column("时间", 17, "time"), Column("分值", 8, "number"), Column("计入", 8, "number"), Column("说明", 60),
    ]
    add_sheet(workbook, "扣分明细", line_columns, (
        [group_name, u.name, x.rule, x.rule_name, x.problem_number, local(x.at), x.points, x.counted, x.reason]
        for _code, group_name, units in groups for u in units for x in u.lines
    ))

    staff_rules = rules.get("staff") or {}
    staff_indicators: dict[str, str] = {}
    for role in ("inspector", "dispatcher"):
        staff_indicators.update({i["code"]: i["name"] for i in staff_rules.get(role, [])})
    staff_columns = [
        Column("姓名", 12), Column("账号", 14), Column("岗位", 8), Column("得分", 8, "number"), Column("等级", 8),
        *(Column(name, 11, "percent") for name in staff_indicators.values()),
        *(Column(name, 9, "int") for name in STAFF_COUNT_NAMES.values()),
    ]
    add_sheet(workbook, "工作人员绩效", staff_columns, (
        [s.name, s.username, ROLE_NAMES.get(s.role, s.role), s.score, s.grade,
         *(s.indicators.get(code) for code in staff_indicators),
         *(s.counts.get(code, 0) if code in _role_counts(s.role) else None for code in STAFF_COUNT_NAMES)]
        for s in sorted(result.staff, key=lambda s: (s.role != "inspector", -s.score, s.username))
    ))

    about = [
        ["考核月份", result.label], ["版本", f"第{run.version}版"],
        ["状态", STATUS_NAMES.get(run.status, run.status) + ("（试算稿，未发布）" if run.status == "draft" else "")],
        ["数据截止", local(run.cutoff)], ["计算时间", local(run.computed_at)], ["发布时间", local(run.published_at)],
        ["更正原因", run.reason], *(["说明", note] for note in result.notes),
    ]
    add_sheet(workbook, "说明", [Column("项目", 12), Column("内容", 60)], about)
    return to_bytes(workbook)


def _role_counts(role: str) -> tuple[str, ...]:
    if role == "inspector":
        return ("reports", "accepted", "rejected", "verified", "verified_on_time")
    return ("dispatched", "dispatched_on_time", "returned")


def _yes(flag: bool) -> str:
    return "是" if flag else ""
