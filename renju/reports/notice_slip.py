"""问题提示单: what a unit receives for each problem (seed 附件2 二: "以照片、问题提示单等形式发送至各单位，
且明确整改时限").

One problem fills one page: what is wrong and which standard it breaks, where, when it was found, who must fix it
and by when, up to two before-photos and a QR code to the problem's page (where the unit rectifies it). A batch for a
unit is a cover list and then one page per problem.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import segno
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from PIL import Image, ImageOps

from renju.plans.active import PlanContext, active_plan
from renju.plans.models import CheckItem, Unit
from renju.problems.models import Photo, Problem, Source, Status, Visit
from renju.reports import docx_style as d
from renju.reports.common import (
    RegionNames,
    ReportError,
    ReportNotFound,
    issuer,
    local_time,
    problem_url,
    short_time,
)
from renju.reports.periods import Period

PHOTOS_PER_SLIP = 2  # two photos side by side keep the slip to one page; the rest are on the problem page
PHOTO_CELL_CM, QR_CELL_CM = 6.2, 3.2
PHOTO_MAX_HEIGHT_CM = 4.4  # a 4:3 landscape photo 5.8 cm wide is this tall; portrait ones are held to it
# Descriptions may run to 2,000 characters and addresses to 300: the slip prints the start of each and points to
# the problem page for the rest, so that the worst case still fits one page (tests/reports/test_office.py).
DESCRIPTION_CHARS, ADDRESS_CHARS = 120, 60
QR_CM = 3.0
SOURCE_NAMES, VISIT_NAMES = dict(Source.choices), dict(Visit.choices)
NOT_SENT = (Status.REPORTED, Status.ACCEPTED, Status.REJECTED, Status.MERGED)


def generate(period: Period | None, *, unit: Unit | None = None, problem: Problem | None = None, fmt: str = "docx",
             base_url: str | None = None, visible: QuerySet | None = None, **_options) -> bytes:
    """The registry's entry: one problem's slip, or a unit's batch for the problems found in `period`."""
    if problem is not None:
        return notice_slip(problem, base=base_url)
    if unit is None or period is None:
        raise ReportError("a notice slip needs a problem, or a unit and a period")
    return notice_slips(unit, period, base=base_url, queryset=visible)


def notice_slip(problem: Problem, *, base: str | None = None) -> bytes:
    """One problem's notice slip as a .docx."""
    ctx = active_plan()
    problem = _problems(Problem.objects.filter(pk=problem.pk))[0]
    doc = _document(ctx, f"问题提示单 {problem.number}")
    _slip(doc, ctx, problem, _photos([problem.id]), RegionNames(), base, first=True)
    return d.to_bytes(doc)


def notice_slips(unit: Unit, period: Period, *, base: str | None = None,
                 queryset: QuerySet | None = None) -> bytes:
    """A unit's batch for the problems found in `period` and sent to it: a cover list, then one page per problem.

    `queryset` narrows the problems to what the asker may see (Problem.objects.visible_to(user)).
    """
    ctx = active_plan()
    problems = _problems(unit_problems(unit, period, queryset))
    if not problems:
        raise ReportNotFound(f"{unit.name}在{period.label}没有派发的问题")
    doc = _document(ctx, f"问题提示单 {unit.name} {period.label}")
    _cover(doc, ctx, unit, period, problems)
    names, photos = RegionNames(), _photos([p.id for p in problems])
    for problem in problems:
        _slip(doc, ctx, problem, photos, names, base, first=False)
    return d.to_bytes(doc)


def unit_problems(unit: Unit, period: Period, queryset: QuerySet | None = None) -> QuerySet:
    """The problems found in `period` that were sent to `unit` (dispatched, whatever happened since)."""
    queryset = Problem.objects.all() if queryset is None else queryset
    return (queryset.filter(unit=unit, found_at__gte=period.start, found_at__lt=period.end)
            .exclude(status__in=NOT_SENT).order_by("found_at", "id"))


def _problems(queryset: QuerySet) -> list[Problem]:
    # Everything a slip prints, in three queries whatever the number of problems.
    items = Prefetch("category__check_items", queryset=CheckItem.objects.select_related("standard"))
    return list(queryset.select_related("category", "check_item__standard", "unit").prefetch_related(items))


def _photos(problem_ids: Iterable[int]) -> dict[int, list[Photo]]:
    photos: dict[int, list[Photo]] = {}
    for photo in Photo.objects.filter(problem_id__in=list(problem_ids), kind=Photo.Kind.BEFORE).order_by("id"):
        photos.setdefault(photo.problem_id, []).append(photo)
    return photos


def _document(ctx: PlanContext, title: str):
    return d.new_document(title=title, author=issuer(ctx))


def _cover(doc, ctx: PlanContext, unit: Unit, period: Period, problems: list[Problem]) -> None:
    tz = ctx.calendar.tz
    d.title(doc, "问题提示单")
    d.paragraph(doc, f"{unit.full_name or unit.name}：", indent=False)
    key = sum(1 for p in problems if p.is_key)
    key_text = f"，其中重点问题{key}个" if key else ""
    d.paragraph(doc, f"{period.span_label}，工作专班检查发现并派发你单位问题{len(problems)}个{key_text}，"
                     "问题照片、位置、违反标准和整改时限见后附提示单（每页一个问题）。请逐一整改，"
                     "在整改时限前通过系统反馈整改情况并上传整改后照片。")
    names = RegionNames()
    rows = [
        [i, p.number, p.category.name, _short_place(p, names), short_time(p.due_at, tz), "是" if p.is_key else ""]
        for i, p in enumerate(problems, start=1)
    ]
    d.table(doc, ["序号", "问题编号", "问题类型", "区域", "整改时限", "重点"], rows,
            [1.2, 4.2, 3.2, 3.6, 2.2, 1.2], align="cllllc")
    # Dated when the last of them was sent, so the same batch printed twice reads the same.
    sent = max((p.dispatched_at for p in problems if p.dispatched_at), default=timezone.now())
    d.signature(doc, issuer(ctx), sent.astimezone(tz).date())


def _slip(doc, ctx: PlanContext, problem: Problem, photos: dict[int, list[Photo]], names: RegionNames,
          base: str | None, *, first: bool) -> None:
    tz = ctx.calendar.tz
    heading = d.title(doc, "问题提示单")
    heading.paragraph_format.page_break_before = not first
    heading.paragraph_format.space_after = Pt(6)
    sent = (problem.dispatched_at or timezone.now()).astimezone(tz).date()
    sub = d.paragraph(doc, f"{issuer(ctx)}　　{d.chinese_date(sent)}", indent=False)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.runs[0].font.size = Pt(d.SIZE_SMALL_4)
    sub.paragraph_format.space_after = Pt(6)
    unit = problem.unit
    rows = [
        ["问题编号", problem.number],
        ["问题类型", _category(problem)],
        ["违反标准", _standard(problem)],
        ["问题描述", _shortened(problem.description, DESCRIPTION_CHARS)],
        ["问题地点", f"{names.place(_shortened(problem.address, ADDRESS_CHARS), problem.region_id)}\n"
                     f"坐标 {problem.lat:.6f}, {problem.lng:.6f}"],
        ["发现时间", local_time(problem.found_at, tz)],
        ["问题来源", f"{SOURCE_NAMES.get(problem.source, problem.source)}（{VISIT_NAMES.get(problem.visit, '')}）"],
        ["责任单位", (unit.full_name or unit.name) if unit else "待派遣"],
        ["整改时限", f"{local_time(problem.due_at, tz)}前" if problem.due_at else "待派遣"],
        ["重点问题", "是（重点跟踪、重点调度）" if problem.is_key else "否"],
    ]
    labels = d.table(doc, None, rows, [2.6, 13.0], size=d.SIZE_SMALL_4, align="cl")
    for row in labels.rows:  # the labels in 黑体, as on a printed form
        row.cells[0].paragraphs[0].style = doc.styles[d.TABLE_HEADER]
        d.set_fonts(row.cells[0].paragraphs[0].runs[0], d.HEI_FONT)
    _evidence_row(doc, problem, photos.get(problem.id, []), base)
    due = f"于{local_time(problem.due_at, tz)}前" if problem.due_at else "按时"
    d.paragraph(doc, f"请{due}整改到位，通过系统反馈并上传整改后照片；逾期未整改的，按考核办法扣分。")


def _evidence_row(doc, problem: Problem, photos: list[Photo], base: str | None) -> None:
    """Before-photos and the QR code side by side in one borderless row."""
    grid = doc.add_table(rows=1, cols=PHOTOS_PER_SLIP + 1)
    d.borderless(grid)
    d.set_widths(grid, [PHOTO_CELL_CM] * PHOTOS_PER_SLIP + [QR_CELL_CM])
    cells = grid.rows[0].cells
    for cell in cells:
        cell.paragraphs[0].style = doc.styles[d.PICTURE]
        cell.paragraphs[0].paragraph_format.space_before = Pt(6)  # clear of the table above
    for i in range(PHOTOS_PER_SLIP):
        cell = cells[i]
        if i < len(photos):
            data, (w, h) = _photo_bytes(photos[i])
            width = min(PHOTO_CELL_CM - 0.4, PHOTO_MAX_HEIGHT_CM * w / h)
            cell.paragraphs[0].add_run().add_picture(io.BytesIO(data), width=Cm(width))
            caption = "整改前照片" + (f"（共{len(photos)}张）" if i == 0 and len(photos) > PHOTOS_PER_SLIP else "")
            d.add_run(cell.add_paragraph(style=d.PICTURE), caption, size=10.5)
        elif i == 0:
            d.add_run(cells[0].paragraphs[0], "（无照片）", size=10.5)
    qr_cell = cells[-1]
    qr_cell.paragraphs[0].add_run().add_picture(io.BytesIO(qr_png(problem_url(problem.id, base))),
                                                 width=Cm(QR_CM))
    d.add_run(qr_cell.add_paragraph(style=d.PICTURE), "扫码查看与反馈", size=10.5)


def qr_png(url: str) -> bytes:
    """A QR code of `url` as PNG (error correction M: survives a smudged or folded printout)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def _photo_bytes(photo: Photo) -> tuple[bytes, tuple[int, int]]:
    """The photo as JPEG for print: its thumbnail (upright, 480 px) or, if that is missing, the original shrunk."""
    for field in (photo.thumbnail, photo.original):
        if not field:
            continue
        try:
            with field.open("rb") as f:
                raw = f.read()
        except OSError:
            continue
        image = ImageOps.exif_transpose(Image.open(io.BytesIO(raw)))
        image.thumbnail((960, 960))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=85)
        return buffer.getvalue(), image.size
    raise ReportError(f"photo {photo.id} of problem {photo.problem_id} cannot be read from storage")


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "……（全文见扫码页面）"


def _category(problem: Problem) -> str:
    category = problem.category
    code = f"国标编码 {category.national_code}" if category.national_code else f"本地编码 {category.code}"
    return f"{category.name}（{code}）"


def _standard(problem: Problem) -> str:
    """The check item the inspector cited, else the standards the category's check items belong to."""
    if problem.check_item is not None:
        return f"“{problem.check_item.standard.name}”：{problem.check_item.text}"
    standards = []
    for item in problem.category.check_items.all():
        if item.standard.name not in standards:
            standards.append(item.standard.name)
    return "、".join(f"“{name}”" for name in standards) or "—"


def _short_place(problem: Problem, names: RegionNames) -> str:
    return names.path(problem.region_id).split("/")[0] + (f" {problem.address}" if problem.address else "")
