"""The 5-5-5 report as a spreadsheet: overall, per camera, per unit, and one row per problem."""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from renju.problems.models import Problem
from renju.video.models import Camera
from renju.video.rules import STAGE_NAMES, STAGES
from renju.video.timers import StageStats, stage_minutes


def _stage_columns() -> list[str]:
    return [f"{STAGE_NAMES[s]}{part}" for s in STAGES for part in ("中位数(分钟)", "P90(分钟)", "达标率")]


def _stage_values(stages: dict[str, StageStats]) -> list:
    values: list = []
    for s in STAGES:
        stats = stages[s]
        share = stats.share_within
        values += [stats.median_minutes, stats.p90_minutes, round(share, 4) if share is not None else None]
    return values


def timers_xlsx(report: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "总体"
    tz = timezone.get_current_timezone()
    period = f"{report['since'].astimezone(tz):%Y-%m-%d} 至 {report['until'].astimezone(tz):%Y-%m-%d}（不含）"
    targets = "、".join(f"{STAGE_NAMES[s]} {int(report['targets'][s].total_seconds() // 60)} 分钟" for s in STAGES)
    sheet.append(["视频AI告警 5-5-5 处置时效", period])
    sheet.append(["目标", targets])
    sheet.append(["问题数", *_stage_columns()])
    sheet.append([report["problems"], *_stage_values(report["overall"])])
    for title, key, rows in (("按摄像头", "设备编号", report["cameras"]), ("按责任单位", "单位编码", report["units"])):
        part = book.create_sheet(title)
        part.append([key, "名称", "问题数", *_stage_columns()])
        for row in rows:
            part.append([row.key, row.name, row.problems, *_stage_values(row.stages)])
    _detail_sheet(book, report)
    for ws in book.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _detail_sheet(book: Workbook, report: dict) -> None:
    sheet = book.create_sheet("明细")
    sheet.append(["问题编号", "设备编号", "发现时间", "派遣时间", "到场时间", "整改时间", "到场已登记",
                  *[f"{STAGE_NAMES[s]}(分钟)" for s in STAGES]])
    timers = report["timers"]
    numbers = dict(Problem.objects.filter(id__in=[t.problem_id for t in timers]).values_list("id", "number"))
    codes = dict(Camera.objects.filter(id__in={t.camera_id for t in timers}).values_list("id", "code"))
    tz = timezone.get_current_timezone()

    def local(moment):
        return moment.astimezone(tz).replace(tzinfo=None) if moment else None

    for t in timers:
        tl = t.timeline
        minutes = []
        for s in STAGES:
            value, done = stage_minutes(tl, s, report["now"])
            minutes.append(round(value, 1) if value is not None and done else None)
        sheet.append([numbers.get(t.problem_id, ""), codes.get(t.camera_id, ""), local(tl.found_at),
                      local(tl.dispatched_at), local(tl.on_site_at if tl.arrival_recorded else None),
                      local(tl.handled_at), "是" if tl.arrival_recorded else "否", *minutes])
