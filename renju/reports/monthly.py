"""月通报 (工作简报): the month's assessment as the bulletin the work team sends every unit (seed 附件2 二:
"每月总体考核结果及问题整改情况以简报的形式进行通报").

Made from the month's published assessment run; before publication from its draft, marked 试算稿 on every page.
Sections: 一 总体情况 (the month's figures), 二 考核排名 (a table and a chart per ranking group), 三 典型问题 (key and
relapsed problems with before and after photos), 四 表扬, 五 通报批评, 六 约谈 (seed 六(三)), the service companies'
payment share where the plan has one, and for a correction (a second or later version) 更正说明 with what changed.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from PIL import Image, ImageOps

from renju.assessment.models import AssessmentRun, ScoreLine
from renju.assessment.results import MonthResult, UnitResult
from renju.assessment.runs import published_run
from renju.assessment.stored import UnitChange, run_changes, run_result
from renju.plans.active import PlanContext, active_plan
from renju.plans.models import Plan
from renju.problems.models import Photo, Problem, ProblemEvent, Status
from renju.reports import charts
from renju.reports import docx_style as d
from renju.reports.common import RegionNames, ReportError, issuer
from renju.reports.figures import EVENT_FIGURES
from renju.reports.periods import Period

log = logging.getLogger(__name__)

BULLETIN_NAME = "全域人居环境综合整治工作简报"
DRAFT_MARK = "（试算稿，未发布）"
TYPICAL_LIMIT = 6
PHOTO_CELL_CM, PHOTO_MAX_HEIGHT_CM = 7.8, 5.4
CHART_CM = 15.0
NOT_VALID = (Status.REJECTED, Status.MERGED)
TIE_NAMES = {"on_time_rate": "按期结案率（高者在前）", "closure_rate": "结案率（高者在前）",
             "fewer_overdue": "逾期问题数（少者在前）", "fewer_found": "发现问题数（少者在前）"}


def generate(period: Period, *, fmt: str = "docx", **_options) -> bytes:
    """The registry's entry: the bulletin as .docx (the registry makes the PDF from it)."""
    if fmt != "docx":
        raise ReportError("月通报 comes as docx or pdf; the month's scores as xlsx are the `scores` report")
    return monthly_bulletin(period)


def month_run(plan: Plan, period: Period) -> AssessmentRun:
    """The month's published run, else its draft (试算稿); ReportError when the month has not been scored."""
    if period.kind != "month":
        raise ReportError(f"需要月份（如 2023-10），而不是 {period.code}")
    run = published_run(plan, period.code)
    if run is None:
        run = (AssessmentRun.objects.filter(plan=plan, period=period.code, status=AssessmentRun.Status.DRAFT)
               .order_by("-version").first())
    if run is None:
        raise ReportError(f"{period.label}尚未进行考核测算（没有已发布的结果，也没有试算稿）："
                          "请考核测算人员先试算并发布")
    return run


# ---------------------------------------------------------------- what the bulletin says


@dataclass
class Summary:
    found: int = 0
    key_found: int = 0
    dispatched: int = 0
    rectified: int = 0
    closed: int = 0
    due: int = 0
    closed_due: int = 0
    on_time: int = 0
    overdue: int = 0
    rework: int = 0
    relapse: int = 0
    repeat: int = 0

    @property
    def closure_rate(self) -> float | None:
        return self.closed_due / self.due if self.due else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


@dataclass
class Typical:
    problem: Problem
    place: str
    before: Photo | None
    after: Photo | None


@dataclass
class BulletinData:
    period: Period
    plan: Plan
    run: AssessmentRun
    result: MonthResult
    summary: Summary
    groups: list[tuple[str, str, list[UnitResult]]]
    typical: list[Typical]
    praise_lines: list[tuple[str, float, str]]  # unit name, points, reason (表扬加分 given by the scorers)
    changes: list[UnitChange] = field(default_factory=list)

    @property
    def draft(self) -> bool:
        return self.run.status == AssessmentRun.Status.DRAFT

    @property
    def ranking_rules(self) -> dict:
        # The rules stored with the run, so a later plan edit does not rewrite an old bulletin.
        return self.run.rules.get("ranking", {})


def bulletin_data(period: Period, *, plan: Plan | None = None) -> BulletinData:
    plan = plan or active_plan().plan
    run = month_run(plan, period)
    result = run_result(run, with_lines=False)
    return BulletinData(
        period=period, plan=plan, run=run, result=result, summary=_summary(plan, period, result),
        groups=result.by_group(), typical=typical_problems(plan, period),
        praise_lines=[(name, points, reason) for name, points, reason in
                      ScoreLine.objects.filter(run=run, rule="praise").order_by("unit__position", "id")
                      .values_list("unit__name", "points", "reason")],
        changes=run_changes(run) if run.replaces_id else [],
    )


def _summary(plan: Plan, period: Period, result: MonthResult) -> Summary:
    s = Summary()
    # What the units are scored on comes from the run (frozen when published) …
    for u in result.units:
        c = u.counts
        s.due += c.get("due", 0)
        s.closed_due += c.get("closed", 0)
        s.on_time += c.get("on_time", 0)
        s.overdue += c.get("overdue", 0)
        s.rework += c.get("rework_events", 0)
        s.relapse += c.get("relapse", 0)
        s.repeat += c.get("repeat", 0)
    # … what happened in the month from the problems and the event log (two aggregate queries).
    found = (Problem.objects.filter(plan=plan, found_at__gte=period.start, found_at__lt=period.end)
             .exclude(status__in=NOT_VALID).aggregate(n=Count("id"), key=Count("id", filter=Q(is_key=True))))
    s.found, s.key_found = found["n"], found["key"]
    events = (ProblemEvent.objects.filter(problem__plan=plan, at__gte=period.start, at__lt=period.end)
              .aggregate(**{name: Count("problem_id", distinct=True, filter=q) for name, q in EVENT_FIGURES.items()}))
    s.dispatched, s.rectified, s.closed = events["dispatched"], events["rectified"], events["closed"]
    return s


def typical_problems(plan: Plan, period: Period, limit: int = TYPICAL_LIMIT) -> list[Typical]:
    """Up to `limit` key or relapsed problems found in the month: relapses first (a fix that did not hold), then
    key problems, closed ones before open ones (they have both photos), earliest first."""
    problems = list(
        Problem.objects.filter(plan=plan, found_at__gte=period.start, found_at__lt=period.end)
        .filter(Q(is_key=True) | Q(relapse_of__isnull=False))
        .exclude(status__in=NOT_VALID)
        .annotate(
            relapse_first=Case(When(relapse_of__isnull=False, then=Value(0)), default=Value(1),
                               output_field=IntegerField()),
            closed_first=Case(When(status=Status.CLOSED, then=Value(0)), default=Value(1),
                              output_field=IntegerField()),
        )
        .order_by("relapse_first", "-is_key", "closed_first", "found_at", "id")
        .select_related("category", "unit", "relapse_of")[:limit]
    )
    photos: dict[int, dict[str, list[Photo]]] = {}
    for photo in Photo.objects.filter(problem__in=problems, kind__in=(Photo.Kind.BEFORE, Photo.Kind.AFTER)
                                      ).order_by("id"):
        photos.setdefault(photo.problem_id, {}).setdefault(photo.kind, []).append(photo)
    names = RegionNames()
    typical = []
    for p in problems:
        mine = photos.get(p.id, {})
        before, after = mine.get(Photo.Kind.BEFORE, []), mine.get(Photo.Kind.AFTER, [])
        # The first picture of the problem, and the latest proof of the fix (after a rework, the one that passed).
        typical.append(Typical(p, names.place(p.address, p.region_id), before[0] if before else None,
                               after[-1] if after else None))
    return typical


# ---------------------------------------------------------------- the document


def monthly_bulletin(period: Period, *, plan: Plan | None = None) -> bytes:
    """The month's bulletin as a .docx."""
    ctx = active_plan()
    data = bulletin_data(period, plan=plan)
    office = issuer(ctx)
    doc = d.new_document(title=f"{BULLETIN_NAME} {period.label}" + (DRAFT_MARK if data.draft else ""), author=office)
    _header(doc, data, office, ctx)
    d.title(doc, f"{period.label}全域人居环境综合整治\n考核情况通报")
    cutoff = data.run.cutoff.astimezone(ctx.calendar.tz)
    d.paragraph(doc, f"按照“周调度、月通报、年总评”考评办法，工作专班对各单位{period.label}全域人居环境综合整治"
                     f"工作进行了考核（数据截至{d.chinese_date(cutoff.date())} {cutoff:%H:%M}），"
                     "现将有关情况通报如下。")
    sections = [
        ("总体情况", _overall), ("考核排名", _ranking), ("典型问题", _typical), ("表扬", _praise),
        ("通报批评", _criticism), ("约谈", _escalation),
    ]
    if any(u.payment_percent is not None for u in data.result.units):
        sections.append(("服务考核付款比例", _payment))
    if data.run.replaces_id:
        sections.append(("更正说明", _correction))
    for number, (heading, write) in enumerate(sections, start=1):
        d.heading1(doc, f"{d.chinese_numeral(number)}、{heading}")
        write(doc, data, ctx)
    # No 署名 at the end: a 简报 names its office and date in the header.
    return d.to_bytes(doc)


def _issued_on(data: BulletinData, ctx: PlanContext) -> dt.date:
    # A published bulletin carries its publication date whenever it is printed again; a draft carries today's.
    when = data.run.published_at if data.run.published_at and not data.draft else timezone.now()
    return when.astimezone(ctx.calendar.tz).date()


def _header(doc, data: BulletinData, office: str, ctx: PlanContext) -> None:
    """简报 header: its name, 第N期 (the month of the year), the office and the date above a rule."""
    name = doc.add_paragraph(style=d.MARK)
    d.add_run(name, BULLETIN_NAME, size=26.0)
    issue = d.paragraph(doc, f"{data.period.start.year}年第{data.period.start.month}期", indent=False)
    issue.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if data.draft:
        mark = d.paragraph(doc, "", indent=False)
        mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
        d.add_run(mark, DRAFT_MARK, font=d.HEI_FONT, bold=True)
        for header in (doc.sections[0].header, doc.sections[0].even_page_header):
            header.is_linked_to_previous = False
            paragraph = header.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            d.add_run(paragraph, f"{data.period.label}考核{DRAFT_MARK}", font=d.HEI_FONT, size=d.SIZE_SMALL_4)
    line = d.paragraph(doc, "", indent=False)
    line.paragraph_format.tab_stops.add_tab_stop(d.Cm(d.TEXT_WIDTH_CM), WD_TAB_ALIGNMENT.RIGHT)
    d.add_run(line, f"{office}\t{d.chinese_date(_issued_on(data, ctx))}", size=d.SIZE_SMALL_4 + 2)
    _rule_below(line)
    line.paragraph_format.space_after = d.Pt(d.LINE_PITCH.pt)


def _rule_below(paragraph) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _overall(doc, data: BulletinData, ctx: PlanContext) -> None:
    s = data.summary
    key = f"（其中重点问题{s.key_found}个）" if s.key_found else ""
    text = (f"{data.period.label}，全市共发现人居环境问题{s.found}个{key}，派遣{s.dispatched}个，"
            f"整改反馈{s.rectified}个，核查销号{s.closed}个。本月应结案问题{s.due}个，已结案{s.closed_due}个，结案率{percent(s.closure_rate)}；"
            f"按期结案{s.on_time}个，按期结案率{percent(s.on_time_rate)}。逾期未整改{s.overdue}个次，"
            f"核查不通过返工{s.rework}次，回头看发现反弹{s.relapse}个，同一问题重复发现{s.repeat}个。")
    d.paragraph(doc, text)
    for note in data.result.notes:
        d.paragraph(doc, f"说明：{note}。")
    rows = []
    for _code, name, units in data.groups:
        due = sum(u.counts.get("due", 0) for u in units)
        closed = sum(u.counts.get("closed", 0) for u in units)
        on_time = sum(u.counts.get("on_time", 0) for u in units)
        rows.append([name, len(units), sum(u.counts.get("found", 0) for u in units), due,
                     percent(closed / due if due else None), percent(on_time / due if due else None),
                     sum(u.counts.get("overdue", 0) for u in units),
                     sum(u.counts.get("rework_events", 0) for u in units),
                     number(sum(u.score for u in units) / len(units) if units else 0)])
    d.table(doc, ["组别", "单位数", "发现问题", "应结案", "结案率", "按期结案率", "逾期", "返工", "平均得分"], rows,
            [3.2, 1.3, 1.7, 1.5, 1.7, 2.2, 1.3, 1.3, 1.4], align="lcccccccc")


def _ranking(doc, data: BulletinData, ctx: PlanContext) -> None:
    ties = "、".join(TIE_NAMES.get(k, k) for k in data.run.rules.get("ranking", {}).get("tie_break", []))
    tie_rule = f"得分相同的，依次比较{ties}，仍相同的并列" if ties else "得分相同的并列"
    d.paragraph(doc, f"各组别考核得分及排名如下（{tie_rule}）。")
    use_cjk = charts.cjk_font() is not None
    for i, (_code, name, units) in enumerate(data.groups, start=1):
        d.heading2(doc, f"（{d.chinese_numeral(i)}）{name}")
        rows = [[u.rank, u.name, score(u.score), number(u.deductions), percent(u.rates.get("closure_rate")),
                 percent(u.rates.get("on_time_rate")), remarks(u)] for u in units]
        table = d.table(doc, ["名次", "单位", "得分", "扣分", "结案率", "按期结案率", "备注"], rows,
                        [1.3, 3.9, 1.8, 1.6, 1.9, 2.3, 2.8], align="clcccc" + "l")
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        bars = [charts.Bar(u.name, u.code, u.score, praised=u.praised, bottom=u.bottom) for u in units]
        try:
            png = charts.score_chart(f"{name}考核得分", bars, use_cjk=use_cjk)
        except Exception:  # a chart is an illustration: the bulletin goes out without it rather than not at all
            log.exception("chart for %s %s failed", data.period.code, name)
            continue
        d.picture(doc, png, CHART_CM, caption=f"图{i}　{name}考核得分")


def remarks(u: UnitResult) -> str:
    marks = []
    if u.tied:
        marks.append("并列")
    if u.praised:
        marks.append("表扬")
    if u.escalated:
        marks.append("约谈")
    elif u.bottom:
        marks.append("通报批评")
    return "、".join(marks)


def _typical(doc, data: BulletinData, ctx: PlanContext) -> None:
    if not data.typical:
        d.paragraph(doc, "本月无重点问题和回头看反弹问题。")
        return
    tz = ctx.calendar.tz
    d.paragraph(doc, f"本月重点问题和回头看发现的反弹问题中，选取{len(data.typical)}个通报如下。")
    for n, t in enumerate(data.typical, start=1):
        p = t.problem
        kind = "回头看反弹" if p.relapse_of_id else "重点问题"
        origin = f"（原问题{p.relapse_of.number}）" if p.relapse_of_id else ""
        unit = p.unit.name if p.unit else "待派遣"
        d.paragraph(doc, f"{n}. {unit}　{p.category.name}（{p.number}，{kind}{origin}）：{p.description.rstrip('。')}。"
                         f"地点：{t.place}；发现时间：{_day_time(p.found_at, tz)}；整改情况：{progress(p, tz)}。")
        _photo_pair(doc, t, tz)


def progress(p: Problem, tz) -> str:
    if p.status == Status.CLOSED and p.closed_at:
        return f"已于{_day_time(p.closed_at, tz)}核查销号"
    if p.status == Status.RECTIFIED:
        return "已整改，待核查"
    if p.status == Status.LEDGERED:
        return "已列入整改台账"
    if p.due_at and p.is_overdue():
        return f"逾期未整改（期限{_day_time(p.due_at, tz)}）"
    if p.due_at:
        return f"整改中（期限{_day_time(p.due_at, tz)}）"
    return "待派遣"


def _photo_pair(doc, t: Typical, tz) -> None:
    """整改前 and 整改后 side by side in a two-column table, the time each was taken (or uploaded) below."""
    grid = doc.add_table(rows=2, cols=2)
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    d.set_widths(grid, [PHOTO_CELL_CM, PHOTO_CELL_CM])
    for col, (photo, label, missing) in enumerate(((t.before, "整改前", "（无整改前照片）"),
                                                   (t.after, "整改后", "（尚未整改）"))):
        cell = grid.rows[0].cells[col]
        cell.width = d.Cm(PHOTO_CELL_CM)
        paragraph = cell.paragraphs[0]
        paragraph.style = doc.styles[d.PICTURE]
        image = photo_for_print(photo) if photo else None
        if image:
            data, (w, h) = image
            width = min(PHOTO_CELL_CM - 0.6, PHOTO_MAX_HEIGHT_CM * w / h)
            paragraph.add_run().add_picture(io.BytesIO(data), width=d.Cm(width))
        else:
            d.add_run(paragraph, missing if photo is None else "（照片无法读取）", size=10.5)
        caption_cell = grid.rows[1].cells[col]
        caption_cell.width = d.Cm(PHOTO_CELL_CM)
        caption = caption_cell.paragraphs[0]
        caption.style = doc.styles[d.PICTURE]
        when = (photo.taken_at or photo.uploaded_at) if photo else None
        d.add_run(caption, label + (f"（{_day_time(when, tz)}）" if when else ""), size=10.5)


def photo_for_print(photo: Photo) -> tuple[bytes, tuple[int, int]] | None:
    """The stored original, upright and shrunk to print size, as JPEG (the thumbnail if the original is gone);
    None when neither can be read: a missing file must not stop the bulletin."""
    for stored in (photo.original, photo.thumbnail):
        if not stored:
            continue
        try:
            with stored.open("rb") as f:
                image = ImageOps.exif_transpose(Image.open(io.BytesIO(f.read())))
            image.thumbnail((1200, 1200))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=85)
            return buffer.getvalue(), image.size
        except (OSError, ValueError):
            continue
    log.warning("photo %s of problem %s cannot be read from storage", photo.id, photo.problem_id)
    return None


def _praise(doc, data: BulletinData, ctx: PlanContext) -> None:
    parts = [f"{name}：" + "、".join(f"{u.name}（{score(u.score)}分）" for u in units if u.praised)
             for _code, name, units in data.groups if any(u.praised for u in units)]
    if parts:
        d.paragraph(doc, "对以下各组别考核排名第一、措施得力、成效显著的单位予以表扬：" + "；".join(parts) + "。")
    else:
        d.paragraph(doc, "本月无受表扬单位。")
    if data.praise_lines:
        given = "；".join(f"{name}，{reason.rstrip('。')}，加{number(points)}分"
                         for name, points, reason in data.praise_lines)
        d.paragraph(doc, f"经工作专班研究，对以下单位给予表扬加分：{given}。")


def _criticism(doc, data: BulletinData, ctx: PlanContext) -> None:
    bottom = data.ranking_rules.get("escalate_bottom", 2)
    parts = [f"{name}：" + "、".join(f"{u.name}（{score(u.score)}分，第{u.rank}名）" for u in units if u.bottom)
             for _code, name, units in data.groups if any(u.bottom for u in units)]
    if not parts:
        d.paragraph(doc, "本月无通报批评单位。")
        return
    d.paragraph(doc, f"以下单位在本组别排名后{count_word(bottom)}位，予以通报批评："
                + "；".join(parts) + "。请以上单位认真查摆问题、剖析原因，限期整改到位。")


def _escalation(doc, data: BulletinData, ctx: PlanContext) -> None:
    r = data.ranking_rules
    months, bottom = r.get("escalate_months", 2), r.get("escalate_bottom", 2)
    rule = f"连续{count_word(months)}个月排名后{count_word(bottom)}位"
    action = (r.get("escalation_action") or "提请约谈").rstrip("。")
    escalated = [(name, u) for _code, name, units in data.groups for u in units if u.escalated]
    if not escalated:
        d.paragraph(doc, f"本月无{rule}的单位。")
        return
    names = "、".join(f"{u.name}（{name}）" for name, u in escalated)
    d.paragraph(doc, f"按照方案规定，对{rule}的单位，{action}。{names}{rule}，{action}。")


def _payment(doc, data: BulletinData, ctx: PlanContext) -> None:
    d.paragraph(doc, "承担环卫、绿化等服务的企业按月度服务考核得分确定服务费付款比例（服务水平与付款挂钩）：")
    rows = [[u.name, score(u.score), f"{number(u.payment_percent)}%"]
            for _code, _name, units in data.groups for u in units if u.payment_percent is not None]
    d.table(doc, ["单位", "得分", "付款比例"], rows, [7.0, 4.0, 4.6], align="lcc")


def _correction(doc, data: BulletinData, ctx: PlanContext) -> None:
    run, tz = data.run, ctx.calendar.tz
    old = run.replaces
    when = f"（{d.chinese_date(old.published_at.astimezone(tz).date())}发布）" if old and old.published_at else ""
    d.paragraph(doc, f"本期为{run.label}考核结果第{run.version}版，更正第{old.version if old else run.version - 1}版"
                     f"{when}。更正原因：{run.reason.rstrip('。') or '未说明'}。")
    if not data.changes:
        d.paragraph(doc, "更正后各单位得分、排名和扣分明细均无变化。")
        return
    rows = [[c.name, score(c.old_score) if c.old_score is not None else "—", score(c.new_score),
             c.old_rank if c.old_rank is not None else "—", c.new_rank, change_text(c)] for c in data.changes]
    d.table(doc, ["单位", "原得分", "现得分", "原名次", "现名次", "变动明细"], rows,
            [2.8, 1.7, 1.7, 1.8, 1.8, 5.8], align="lccccl")


def change_text(c: UnitChange) -> str:
    """What a correction changed for a unit, one line each: a deduction whose points changed (a waived one) as
    改为, the others as 撤销 or 增加."""
    added = list(c.added)
    lines = []
    for old in c.removed:
        new = next((x for x in added if (x.rule, x.problem_id) == (old.rule, old.problem_id)), None)
        what = f"{old.rule_name} {old.problem_number}".rstrip()
        if new is None:
            lines.append(f"撤销：{what} {number(old.counted, signed=True)}分")
            continue
        added.remove(new)
        if new.counted != old.counted:
            lines.append(f"改为：{what} {number(old.counted, signed=True)}分→{number(new.counted, signed=True)}分")
    lines += [f"增加：{x.rule_name} {x.problem_number} {number(x.counted, signed=True)}分".replace("  ", " ")
              for x in added]
    return "\n".join(lines) or "名次变动"


# ---------------------------------------------------------------- formatting


def score(value: float) -> str:
    return f"{value:.2f}"


def number(value: float | None, *, signed: bool = False) -> str:
    """Up to two decimals without trailing zeros: 1.3, 20, 0.25 (−1 with a real minus sign when signed)."""
    if value is None:
        return ""
    text = f"{abs(value):.2f}".rstrip("0").rstrip(".")
    if text == "0":
        return "0"
    if signed:
        return ("−" if value < 0 else "+") + text
    return ("-" if value < 0 else "") + text


def count_word(n: int) -> str:
    """A count as Chinese text says it: 两 for 2 (两个月, 后两位), else the numeral."""
    return "两" if n == 2 else d.chinese_numeral(n) if 1 <= n <= 99 else str(n)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _day_time(value: dt.datetime, tz) -> str:
    t = value.astimezone(tz)
    return f"{t.month}月{t.day}日 {t:%H:%M}"
