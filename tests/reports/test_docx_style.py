"""GB/T 9704 page and text conventions, read back from the saved .docx: margins, fonts named for Chinese, footers."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn

from renju.reports import docx_style as d
from tests.reports.ooxml import misordered


def saved(doc):
    return Document(io.BytesIO(d.to_bytes(doc)))


def sample():
    doc = d.new_document(title="样例", author="工作专班")
    d.masthead(doc, "荣成市全域人居环境综合整治工作专班办公室", "荣人居办〔2023〕10号")
    d.title(doc, "关于样例的通知\n第二行")
    d.paragraph(doc, "各责任单位：", indent=False)
    d.paragraph(doc, "正文，Latin 123。")
    d.heading1(doc, "一、总体情况")
    d.heading2(doc, "（一）镇街")
    d.table(doc, ["序号", "单位", "数量"], [[1, "崖头街道", 3]], [1.5, 4.0, 2.0])
    d.signature(doc, "荣成市全域人居环境综合整治工作专班办公室", dt.date(2023, 10, 31))
    return saved(doc)


def test_every_property_element_is_in_the_order_word_requires():
    doc = d.new_document()
    d.masthead(doc, "荣成市全域人居环境综合整治工作专班办公室", "荣人居办〔2023〕10号")
    d.heading1(doc, "一、总体情况")
    d.borderless(d.table(doc, ["序号", "单位"], [[1, "崖头街道"]], [1.5, 4.0]))
    d.signature(doc, "工作专班", dt.date(2023, 10, 31))
    assert misordered(d.to_bytes(doc)) == []


def test_the_page_is_a4_with_gbt_9704_margins():
    section = sample().sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm, 1) for m in margins] == [37.0, 35.0, 28.0, 26.0]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "578"  # 28.9 pt: 22 lines in the 225 mm text block


def test_styles_and_runs_name_their_chinese_fonts_in_east_asia():
    doc = sample()
    expected = {d.TITLE: "方正小标宋简体", d.BODY: "仿宋_GB2312", d.HEADING1: "黑体", d.HEADING2: "楷体_GB2312",
                d.TABLE_TEXT: "仿宋_GB2312", d.TABLE_HEADER: "黑体", d.PAGE_NUMBER: "宋体"}
    for style, font in expected.items():
        assert d.east_asia_font(doc.styles[style]) == font, style
        rfonts = doc.styles[style].element.rPr.find(qn("w:rFonts"))
        assert rfonts.get(qn("w:ascii")) == "Times New Roman"
        assert rfonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would override the name
    assert d.east_asia_font(doc.styles["Normal"]) == "仿宋_GB2312"
    by_text = {p.text: p for p in doc.paragraphs}
    assert d.east_asia_font(by_text["一、总体情况"].runs[0]) == "黑体"
    assert d.east_asia_font(by_text["（一）镇街"].runs[0]) == "楷体_GB2312"
    assert d.east_asia_font(by_text["正文，Latin 123。"].runs[0]) == "仿宋_GB2312"
    assert d.east_asia_font(doc.tables[0].rows[0].cells[0].paragraphs[0].runs[0]) == "黑体"
    assert d.east_asia_font(doc.tables[0].rows[1].cells[1].paragraphs[0].runs[0]) == "仿宋_GB2312"
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_sizes_spacing_and_indents_follow_the_standard():
    doc = sample()
    assert doc.styles[d.TITLE].font.size.pt == 22  # 二号
    assert doc.styles[d.BODY].font.size.pt == 16  # 三号
    assert doc.styles[d.TABLE_TEXT].font.size.pt == 12  # 小四
    assert doc.styles[d.PAGE_NUMBER].font.size.pt == 14  # 四号
    body = doc.styles[d.BODY].paragraph_format
    assert body.line_spacing_rule == WD_LINE_SPACING.EXACTLY and body.line_spacing.pt == pytest.approx(28.9)
    ind = doc.styles[d.BODY].element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200" and ind.get(qn("w:firstLine")) == "640"
    assert doc.styles[d.PICTURE].paragraph_format.line_spacing_rule == WD_LINE_SPACING.SINGLE


def test_the_title_keeps_its_line_break_and_the_masthead_its_number_and_red_line():
    doc = sample()
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "荣成市全域人居环境综合整治工作专班办公室"
    assert doc.paragraphs[0].runs[0].font.color.rgb == d.RED
    assert texts[1] == "荣人居办〔2023〕10号"
    border = doc.paragraphs[1]._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert border.get(qn("w:color")) == "E60012"
    assert texts[2] == "关于样例的通知\n第二行"


def test_page_numbers_are_page_fields_between_dashes_right_on_odd_pages_left_on_even():
    doc = sample()
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer in (section.footer, section.even_page_footer):
        paragraph = footer.paragraphs[0]
        assert paragraph.text == "— 1 —"
        assert " PAGE " in [t.text for t in paragraph._p.iter(qn("w:instrText"))]
        assert all(d.east_asia_font(r) == "宋体" for r in paragraph.runs)
    assert section.footer.paragraphs[0].alignment == d.WD_ALIGN_PARAGRAPH.RIGHT
    assert section.even_page_footer.paragraphs[0].alignment == d.WD_ALIGN_PARAGRAPH.LEFT


def test_the_font_table_offers_installed_alternatives_for_gb2312_era_names():
    with zipfile.ZipFile(io.BytesIO(d.to_bytes(d.new_document()))) as archive:
        fonts = archive.read("word/fontTable.xml").decode()
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/><w:charset w:val="86"/>' in fonts
    assert '<w:font w:name="楷体_GB2312"><w:altName w:val="楷体"/>' in fonts


def test_signature_and_table_helpers():
    doc = sample()
    texts = [p.text for p in doc.paragraphs]
    assert texts[-2:] == ["荣成市全域人居环境综合整治工作专班办公室", "2023年10月31日"]
    table = doc.tables[0]
    assert [c.text for c in table.rows[1].cells] == ["1", "崖头街道", "3"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # header repeats on each page
    assert round(table.rows[1].cells[1].width.cm, 1) == 4.0


def test_chinese_numerals_and_dates():
    assert [d.chinese_numeral(n) for n in (1, 9, 10, 11, 20, 23, 99)] == [
        "一", "九", "十", "十一", "二十", "二十三", "九十九"]
    assert d.chinese_date(dt.date(2023, 10, 1)) == "2023年10月1日"
    with pytest.raises(ValueError):
        d.chinese_numeral(0)
