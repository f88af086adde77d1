"""年总评: each unit's year month by month from the published monthly results, with its annual average, total
deductions and annual rank within its ranking group (seed 附件2 二: the monthly results are "作为各部门年度目标
责任制考核的重要依据"). As a .docx (landscape: twelve months side by side) and as a .xlsx.

Only published months count: a month still in draft, or not scored at all, is blank and left out of the average.
Annual rank: by average score (two decimals), higher first; equal averages share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from renju.assessment.models import AssessmentRun, UnitScore
from renju.plans.active import active_plan
from renju.plans.models import Plan
from renju.reports import docx_style as d
from renju.reports.common import ReportError, issuer
from renju.reports.monthly import number, score
from renju.reports.periods import Period
from renju.reports.scores_xlsx import Column, add_sheet, new_workbook, to_bytes

MONTHS = range(1, 13)
SHARED_NAMED = 3  # a first place shared by more units than this is summed up, not listed name by name
TABLE_SIZE = 9.0  # 小五: twelve months and the totals fit a landscape page


@dataclass
class UnitYear:
    unit_id: int
    code: str
    name: str
    position: int
    months: dict[int, tuple[float, int]] = field(default_factory=dict)  # month → (score, rank)
    deductions: float = 0.0
    bottom_months: list[int] = field(default_factory=list)
    escalated_months: list[int] = field(default_factory=list)
    rank: int | None = None
    tied: bool = False

    @property
    def average(self) -> float | None:
        if not self.months:
            return None
        return round(sum(s for s, _ in self.months.values()) / len(self.months), 2)


@dataclass
class GroupYear:
    code: str
    name: str
    position: int
    units: list[UnitYear] = field(default_factory=list)  # in annual rank order


@dataclass
class AnnualData:
    year: int
    runs: dict[int, AssessmentRun]  # month → its published run
    groups: list[GroupYear]


def generate(period: Period, *, fmt: str = "docx", **_options) -> bytes:
    """The registry's entry: the year as .docx or .xlsx."""
    return annual_xlsx(period) if fmt == "xlsx" else annual_docx(period)


def annual_data(period: Period, *, plan: Plan | None = None) -> AnnualData:
    if period.kind != "year":
        raise ReportError(f"年总评需要年份（如 2023），而不是 {period.code}")
    ctx = active_plan()
    plan = plan or ctx.plan
    year = period.start.year
    runs = {int(r.period[5:]): r for r in AssessmentRun.objects.filter(
        plan=plan, period__startswith=f"{year}-", status=AssessmentRun.Status.PUBLISHED)}
    if not runs:
        raise ReportError(f"{year}年度还没有已发布的月度考核结果")
    units: dict[int, UnitYear] = {}
    placed: dict[int, tuple[int, str, str, int]] = {}  # unit → (month, group code, name, position) of its latest month
    rows = (UnitScore.objects.filter(run__in=runs.values())
            .values_list("run__period", "unit_id", "unit__code", "unit__name", "unit__position", "group",
                         "group_name", "group_position", "score", "rank", "deductions", "bottom", "escalated"))
    for (run_period, unit_id, code, name, position, group, group_name, group_position, value, rank, deductions,
         bottom, escalated) in rows:
        month = int(run_period[5:])
        u = units.setdefault(unit_id, UnitYear(unit_id, code, name, position))
        u.months[month] = (value, rank)
        u.deductions = round(u.deductions + deductions, 4)
        if bottom:
            u.bottom_months.append(month)
        if escalated:
            u.escalated_months.append(month)
        if unit_id not in placed or placed[unit_id][0] < month:
            placed[unit_id] = (month, group, group_name, group_position)
    # Units of the plan with no published month yet are listed too (blank), so nobody is missing from the table.
    for unit in ctx.units.values():
        if unit.id not in units and unit.plan_id == plan.id:
            units[unit.id] = UnitYear(unit.id, unit.code, unit.name, unit.position)
            group = unit.group
            placed[unit.id] = (0, group.code if group else "", group.name if group else "未分组",
                               group.position if group else 9999)
    groups: dict[str, GroupYear] = {}
    for unit_id, (_month, code, name, position) in placed.items():
        groups.setdefault(code, GroupYear(code, name, position)).units.append(units[unit_id])
    for g in groups.values():
        _rank(g)
    return AnnualData(year, dict(sorted(runs.items())), sorted(groups.values(), key=lambda g: g.position))


def _rank(group: GroupYear) -> None:
    ranked = sorted((u for u in group.units if u.average is not None), key=lambda u: (-u.average, u.position))
    ties = Counter(u.average for u in ranked)
    rank = 0
    for i, u in enumerate(ranked, start=1):
        if i == 1 or u.average != ranked[i - 2].average:
            rank = i
        u.rank, u.tied = rank, ties[u.average] > 1
    unranked = sorted((u for u in group.units if u.average is None), key=lambda u: u.position)
    group.units = ranked + unranked


# ---------------------------------------------------------------- the document


def annual_docx(period: Period, *, plan: Plan | None = None) -> bytes:
    ctx = active_plan()
    data = annual_data(period, plan=plan)
    office = issuer(ctx)
    doc = d.new_document(title=f"{data.year}年度全域人居环境综合整治考核总评", author=office)
    _landscape(doc)
    d.title(doc, f"{data.year}年度全域人居环境综合整治考核总评")
    for text in summary_paragraphs(data):
        d.paragraph(doc, text)
    width_unit, width_month, width_tail = 3.0, 1.45, 1.35
    headers = ["年度\n名次", "单位", *(f"{m}月" for m in MONTHS), "平均分", "扣分\n合计", "考核\n月数"]
    widths = [1.1, width_unit, *(width_month,) * 12, width_tail, width_tail, 1.1]
    for i, group in enumerate(data.groups, start=1):
        d.heading1(doc, f"{d.chinese_numeral(i)}、{group.name}")
        rows = [[_rank_text(u), u.name, *(_month_cell(u, m) for m in MONTHS),
                 score(u.average) if u.average is not None else "", number(u.deductions), len(u.months)]
                for u in group.units]
        d.table(doc, headers, rows, widths, size=TABLE_SIZE, align="cl" + "c" * 15)
    d.paragraph(doc, "注：月份栏为当月得分，括号内为当月组内名次；空白为该月无已发布的考核结果，不计入平均分。"
                     "年度名次按平均分排列，平均分相同的并列。")
    # 署名 and date right-aligned: docx_style.signature measures a portrait page.
    for text in ("", office, d.chinese_date(timezone.localdate())):
        line = d.paragraph(doc, text, indent=False)
        line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        line.paragraph_format.right_indent = d.Pt(2 * d.SIZE_3)
    return d.to_bytes(doc)


def _landscape(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    # 297 − 2 × 25 mm leaves 24.7 cm for the table; top and bottom as GB/T 9704's side margins.
    section.left_margin, section.right_margin = Mm(25), Mm(25)
    section.top_margin, section.bottom_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(15)


def _rank_text(u: UnitYear) -> str:
    # A shared rank shows as the same number (the note under the tables says so); the spreadsheet has a 并列 column.
    return "" if u.rank is None else str(u.rank)


def _month_cell(u: UnitYear, month: int) -> str:
    if month not in u.months:
        return ""
    value, rank = u.months[month]
    return f"{score(value)}\n（{rank}）"


def summary_paragraphs(data: AnnualData) -> list[str]:
    months = list(data.runs)
    missing = [m for m in MONTHS if m not in data.runs]
    text = (f"按照“周调度、月通报、年总评”考评办法，现将{data.year}年度各单位月度考核结果汇总如下。"
            f"本年度共发布月度考核结果{len(months)}期（{_month_list(months)}）")
    text += f"，{_month_list(missing)}无已发布结果，不计入年度平均分。" if missing else "。"
    paragraphs = [text]
    for group in data.groups:
        ranked = [u for u in group.units if u.rank is not None]
        if not ranked:
            continue
        first = [u for u in ranked if u.rank == 1]
        if len(first) > SHARED_NAMED:
            sentence = f"{group.name}：{len(first)}个单位并列年度第一名（平均{score(first[0].average)}分）"
        else:
            sentence = f"{group.name}：年度第一名" + "、".join(f"{u.name}（平均{score(u.average)}分）" for u in first)
        if len(ranked) >= 3:
            last_rank = max(u.rank for u in ranked)
            last = [u for u in ranked if u.rank == last_rank]
            sentence += "，排名末位" + "、".join(f"{u.name}（平均{score(u.average)}分）" for u in last)
        escalated = [u for u in group.units if u.escalated_months]
        if escalated:
            sentence += "；年内因连续排名靠后被约谈的有" + "、".join(
                f"{u.name}（{_month_list(u.escalated_months)}）" for u in escalated)
        paragraphs.append(sentence + "。")
    return paragraphs


def _month_list(months: list[int]) -> str:
    """[1, 2, 3, 7, 11, 12] → 1至3月、7月、11至12月."""
    runs: list[list[int]] = []
    for m in sorted(months):
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return "、".join(f"{r[0]}月" if len(r) == 1 else f"{r[0]}至{r[-1]}月" for r in runs)


# ---------------------------------------------------------------- the spreadsheet


def annual_xlsx(period: Period, *, plan: Plan | None = None) -> bytes:
    """One sheet per ranking group (unit × month: score and rank, then the year's figures) and a 说明 sheet."""
    data = annual_data(period, plan=plan)
    workbook = new_workbook()
    columns = [
        Column("年度名次", 8, "int"), Column("并列", 6), Column("单位", 18), Column("单位编码", 12),
        *(c for m in MONTHS for c in (Column(f"{m}月得分", 9, "number"), Column(f"{m}月名次", 8, "int"))),
        Column("平均分", 9, "number"), Column("扣分合计", 9, "number"), Column("考核月数", 9, "int"),
        Column("通报批评次数", 12, "int"), Column("约谈次数", 9, "int"),
    ]
    for group in data.groups:
        rows = [[u.rank, "是" if u.tied else "", u.name, u.code,
                 *(v for m in MONTHS for v in (u.months.get(m, (None, None)))),
                 u.average, u.deductions, len(u.months), len(u.bottom_months), len(u.escalated_months)]
                for u in group.units]
        add_sheet(workbook, group.name, columns, rows)
    tz = active_plan().calendar.tz
    about = [[f"{m}月", f"采用第{run.version}版", run.published_at.astimezone(tz).replace(tzinfo=None)]
             for m, run in data.runs.items()]
    about += [["总评", text, None] for text in summary_paragraphs(data)]
    add_sheet(workbook, "说明", [Column("项目", 10), Column("内容", 90), Column("发布时间", 18, "time")], about)
    return to_bytes(workbook)
