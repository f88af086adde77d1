"""The import template: the headers the importer expects, how to fill each in, and the plan's problem types and units
to copy from. Headers only on the first sheet, so importing the template untouched files nothing."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from renju.plans.active import active_plan

# (header, required, how to fill it in, an example)
COLUMNS = [
    ("交办编号", "必填", "交办单位给该问题的编号；同一交办单位的同一编号只登记一次，重复导入不会重复立案",
     "JZB-2023-0451"),
    ("交办单位", "必填*", "如 市精致办；整表同一单位时可不填此列，在导入页面填写", "市精致办"),
    ("交办日期", "", "日期，如 2023-06-05；作为问题的发现时间", "2023-06-05"),
    ("问题类型", "", "方案中的问题类型名称或编码（见「问题类型」表）；不填时按问题描述中的关键词匹配", "暴露垃圾"),
    ("问题描述", "必填", "问题的具体情况", "路口东侧绿化带内有暴露垃圾"),
    ("地址", "必填*", "写明镇街、村居或社区，如 崖头街道滨华社区XX路；有经纬度时可不填", "崖头街道滨华社区"),
    ("经度", "", "WGS-84 经度（度），与纬度同时填写时优先按经纬度定位", "122.4867"),
    ("纬度", "", "WGS-84 纬度（度）", "37.1652"),
    ("责任单位", "", "交办指定的责任单位（见「责任单位」表）；不填时按方案自动确定", "崖头街道"),
    ("整改时限", "", "交办要求的完成日期；早于方案时限时在导入报告中提示", "2023-06-08"),
    ("照片", "", "照片文件名，多张用逗号分隔；照片与表格一同上传（可打包为 zip）", "0451-1.jpg,0451-2.jpg"),
    ("是否重点", "", "填「是」则标记为重点问题", "否"),
]
HEAD = Font(bold=True)
FILL = PatternFill("solid", fgColor="DDEBF7")


def template_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "上级交办问题"
    sheet.append([c[0] for c in COLUMNS])
    for n, (header, _required, _how, example) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=n)
        cell.font, cell.fill = HEAD, FILL
        sheet.column_dimensions[cell.column_letter].width = max(12, len(example) * 1.3, len(header) * 2.4)
    sheet.freeze_panes = "A2"

    guide = book.create_sheet("填写说明")
    guide.append(["列名", "是否必填", "填写说明", "示例"])
    for row in COLUMNS:
        guide.append(list(row))
    guide.append([])
    guide.append(["*", "", "交办单位：表中或导入页面至少一处；地址：与经纬度至少填一项", ""])
    guide.append(["", "", "每行单独导入：有误的行不导入并在导入报告中说明原因，其余行照常导入；改正后重新导入即可", ""])
    for cell in guide[1]:
        cell.font, cell.fill = HEAD, FILL
    for letter, width in zip("ABCD", (12, 10, 70, 26), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")

    ctx = active_plan()
    kinds = book.create_sheet("问题类型")
    kinds.append(["编码", "名称", "国标编码", "关键词"])
    for c in sorted(ctx.categories.values(), key=lambda c: c.position):
        kinds.append([c.code, c.name, c.national_code, "、".join(c.keywords or [])])
    units = book.create_sheet("责任单位")
    units.append(["编码", "名称", "全称"])
    for u in sorted(ctx.units.values(), key=lambda u: u.position):
        units.append([u.code, u.name, u.full_name])
    for extra in (kinds, units):
        for cell in extra[1]:
            cell.font, cell.fill = HEAD, FILL
        extra.column_dimensions["B"].width = 24
        extra.column_dimensions["C"].width = 30

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    # With a BOM, so that Excel opens the UTF-8 headers as Chinese and not as mojibake.
    return ("\ufeff" + ",".join(c[0] for c in COLUMNS) + "\r\n").encode("utf-8")
