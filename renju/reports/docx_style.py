"""Word documents laid out as Chinese official documents (GB/T 9704-2012 《党政机关公文格式》), for every report.

Page: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a 156 × 225 mm text block of 22 lines).
Text: title 二号 方正小标宋简体 centred; body 三号 仿宋_GB2312, first line indented two characters, lines exactly
28.9 pt apart (22 to the page); level-1 headings 黑体 ("一、"), level-2 楷体_GB2312 ("（一）"), both 三号; tables
仿宋_GB2312 小四 with 黑体 headers; page numbers 四号 宋体 "— 1 —", odd pages right and even pages left, one
character in from the edge.

Fonts are *named*, never embedded: Word, WPS and LibreOffice pick Chinese text's font from w:rFonts/@w:eastAsia,
which python-docx's `font.name` does not set, and the default template's theme fonts (asciiTheme, eastAsiaTheme)
would override any name we set. So every style and every run gets explicit ascii/hAnsi/eastAsia/cs names with the
theme attributes removed, and the font table says which installed font to use when a GB2312-era name is missing
(仿宋_GB2312 → 仿宋 on a current Windows).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

# Font names as Chinese offices' machines have them (GB/T 9704's 小标宋, 仿宋, 黑体, 楷体; 宋体 for page numbers).
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEI_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
SONG_FONT = "宋体"
LATIN_FONT = "Times New Roman"
# What Word or WPS should use when the named font is not installed (font table altName), and the charset (86 hex =
# GB2312) that tells it the font is Chinese, so it does not substitute a Latin one.
FONT_ALTERNATIVES = {
    TITLE_FONT: "宋体", BODY_FONT: "仿宋", KAI_FONT: "楷体", HEI_FONT: "SimHei", SONG_FONT: "SimSun",
}

# Chinese type sizes in points: 二号, 三号, 四号, 小四.
SIZE_2, SIZE_3, SIZE_4, SIZE_SMALL_4 = 22.0, 16.0, 14.0, 12.0
# 22 lines in the 225 mm text block: 637.8 pt / 22 = 28.99 pt; 28.9 pt keeps the 22nd line clear of the edge.
LINE_PITCH = Pt(28.9)
TEXT_WIDTH_CM = 15.6  # 210 − 28 − 26 mm
RED = RGBColor(0xE6, 0x00, 0x12)  # the red of 版头's 发文机关标志 and separator line

# Paragraph styles, named in ASCII so every program finds them by id; what each is for is in `_STYLES`.
TITLE, BODY, PLAIN, HEADING1, HEADING2, TABLE_TEXT, TABLE_HEADER, PICTURE, PAGE_NUMBER, MARK = (
    "GB Title", "GB Body", "GB Plain", "GB Heading 1", "GB Heading 2", "GB Table", "GB Table Header",
    "GB Picture", "GB Page Number", "GB Mark",
)


# ---------------------------------------------------------------- fonts


def set_fonts(target, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Name the fonts of a run, a style or an rPr element: Chinese text in `east_asia`, Latin and digits in `latin`."""
    fonts = _rpr(target).get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)
    # The hint makes shared punctuation (“”、—) take the Chinese font, as Chinese Word does.
    fonts.set(qn("w:hint"), "eastAsia")


def east_asia_font(target) -> str | None:
    """The eastAsia font name set on a run or style (None when it has none): what the tests read back."""
    rpr = _rpr(target, create=False)
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def _rpr(target, create: bool = True):
    if isinstance(target, Run):
        return target._r.get_or_add_rPr() if create else target._r.rPr
    element = getattr(target, "element", target)
    if element.tag == qn("w:rPr"):
        return element
    return element.get_or_add_rPr() if create else element.rPr


def add_run(paragraph: Paragraph, text: str, *, font: str | None = None, size: float | None = None,
            bold: bool | None = None, color: RGBColor | None = None) -> Run:
    """A run whose fonts are named on the run itself (WPS honours run fonts more reliably than inherited ones)."""
    run = paragraph.add_run(text)
    style_font = _style_font(paragraph)
    set_fonts(run, font or style_font or BODY_FONT)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _style_font(paragraph: Paragraph) -> str | None:
    style = paragraph.style
    while style is not None:
        name = east_asia_font(style)
        if name:
            return name
        style = style.base_style
    return None


# ---------------------------------------------------------------- the document


def _spec(font: str, size: float, align, indent: int, line, *, grid: bool = True, outline: int | None = None) -> dict:
    return dict(font=font, size=size, align=align, indent=indent, line=line, grid=grid, outline=outline)


_LEFT, _CENTER, _RIGHT, _JUSTIFY = (WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT,
                                    WD_ALIGN_PARAGRAPH.JUSTIFY)
# font, size, alignment, first-line indent in characters, line spacing (None = single).
# Only body text and headings sit on the 28.9 pt line grid; everything else opts out (grid=False), or each of its
# lines would take a whole grid line: a table row of 小四 would be as tall as a line of body text.
_STYLES: dict[str, dict] = {
    TITLE: _spec(TITLE_FONT, SIZE_2, _CENTER, 0, Pt(35), grid=False),
    BODY: _spec(BODY_FONT, SIZE_3, _JUSTIFY, 2, LINE_PITCH),
    PLAIN: _spec(BODY_FONT, SIZE_3, _JUSTIFY, 0, LINE_PITCH),
    HEADING1: _spec(HEI_FONT, SIZE_3, _JUSTIFY, 2, LINE_PITCH, outline=0),
    HEADING2: _spec(KAI_FONT, SIZE_3, _JUSTIFY, 2, LINE_PITCH, outline=1),
    TABLE_TEXT: _spec(BODY_FONT, SIZE_SMALL_4, _LEFT, 0, Pt(18), grid=False),
    TABLE_HEADER: _spec(HEI_FONT, SIZE_SMALL_4, _CENTER, 0, Pt(18), grid=False),
    # Pictures need "single" spacing: an exact line height would crop the picture to one line.
    PICTURE: _spec(BODY_FONT, SIZE_SMALL_4, _CENTER, 0, None, grid=False),
    PAGE_NUMBER: _spec(SONG_FONT, SIZE_4, _RIGHT, 0, None, grid=False),
    MARK: _spec(TITLE_FONT, SIZE_2, _CENTER, 0, None, grid=False),
}


def new_document(*, title: str = "", author: str = "") -> DocxDocument:
    """An empty A4 document with the GB/T 9704 page, styles, font table and page-number footers."""
    doc = Document()
    doc.core_properties.title = title
    doc.core_properties.author = author
    doc.core_properties.language = "zh-CN"
    _defaults(doc)
    for name, spec in _STYLES.items():
        _paragraph_style(doc, name, **spec)
    _font_table(doc)
    _page(doc.sections[0])
    _page_numbers(doc)
    return doc


def _defaults(doc: DocxDocument) -> None:
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    # zh-CN for East Asian text: line breaking, punctuation compression and font fallback follow Chinese rules.
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:val"), "en-US")
    normal = doc.styles["Normal"]
    set_fonts(normal, BODY_FONT)
    normal.font.size = Pt(SIZE_3)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.widow_control = False  # Chinese documents fill the page; widow control leaves ragged gaps
    for style_name in ("Header", "Footer"):
        set_fonts(doc.styles[style_name], SONG_FONT)


def _paragraph_style(doc: DocxDocument, name: str, *, font: str, size: float, align, indent: int, line,
                     outline: int | None = None, grid: bool = True) -> None:
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    set_fonts(style, font)
    style.font.size = Pt(size)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.space_before = fmt.space_after = Pt(0)
    if line is None:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = line
    ppr = style.element.get_or_add_pPr()
    ind = ppr.get_or_add_ind()
    # firstLineChars (hundredths of a character) follows the font size; firstLine is the fallback in twips.
    ind.set(qn("w:firstLineChars"), str(indent * 100))
    ind.set(qn("w:firstLine"), str(int(indent * size * 20)))
    if not grid:
        _insert(ppr, "w:snapToGrid", {"w:val": "0"})
    if outline is not None:
        ppr.get_or_add_outlineLvl().set(qn("w:val"), str(outline))
        fmt.keep_with_next = True


def _font_table(doc: DocxDocument) -> None:
    """Add the Chinese fonts to the font table with an alternative name and the GB2312 charset."""
    part = next(rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable"))
    root = etree.fromstring(part.blob)
    for name, alternative in FONT_ALTERNATIVES.items():
        font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
        etree.SubElement(font, qn("w:altName"), {qn("w:val"): alternative})
        etree.SubElement(font, qn("w:charset"), {qn("w:val"): "86"})
        etree.SubElement(font, qn("w:family"), {qn("w:val"): "modern" if name == BODY_FONT else "auto"})
        etree.SubElement(font, qn("w:pitch"), {qn("w:val"): "variable"})
    # The font table is a plain (unparsed) part in python-docx; its bytes are all there is to replace.
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page(section) -> None:
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    # The page number's top sits 7 mm below the text block (35 mm from the bottom edge), and a 四号 line is ~5 mm.
    section.footer_distance = Mm(23)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(int(LINE_PITCH.pt * 20)))


def _page_numbers(doc: DocxDocument) -> None:
    """— 1 — in the footer: odd pages on the right, even pages on the left, one character in from the edge."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer,
                                                                       WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.style = doc.styles[PAGE_NUMBER]
        paragraph.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = Pt(SIZE_4)
        else:
            paragraph.paragraph_format.left_indent = Pt(SIZE_4)
        add_run(paragraph, "— ")
        _field(paragraph, "PAGE", "1")
        add_run(paragraph, " —")


def _field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """A field (PAGE, NUMPAGES) as begin/instruction/separate/result/end runs, with a result shown before updating."""
    def char(kind: str) -> None:
        run = add_run(paragraph, "")
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    char("begin")
    run = add_run(paragraph, "")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    char("separate")
    add_run(paragraph, shown)
    char("end")


def to_bytes(doc: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- content


def _styled(doc_or_cell, style: str, text: str = "") -> Paragraph:
    paragraph = doc_or_cell.add_paragraph(style=style)
    if text:
        add_run(paragraph, text)
    return paragraph


def masthead(doc: DocxDocument, issuer: str, number: str) -> None:
    """版头: the issuing office in red, the document number, and the red separator line across the text block."""
    # As large as fits on one line, at most 二号加大 (36 pt); a 20-character office name comes out at 21.6 pt.
    size = max(SIZE_3, min(36.0, round(TEXT_WIDTH_CM / 2.54 * 72 / max(len(issuer), 1) - 0.5, 1)))
    mark = _styled(doc, MARK)
    add_run(mark, issuer, size=size, color=RED)
    mark.paragraph_format.space_after = Pt(LINE_PITCH.pt)
    line = document_number(doc, number)
    _bottom_border(line, color="E60012", size_eighths=12)
    line.paragraph_format.space_after = Pt(LINE_PITCH.pt)


def document_number(doc: DocxDocument, number: str) -> Paragraph:
    """发文字号, e.g. 荣人居办〔2023〕10号, centred (the brackets are 六角括号 〔〕, as GB/T 9704 requires)."""
    paragraph = _styled(doc, PLAIN, number)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return paragraph


def _bottom_border(paragraph: Paragraph, *, color: str, size_eighths: int) -> None:
    borders = _insert(paragraph._p.get_or_add_pPr(), "w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", str(size_eighths)), ("w:space", "4"), ("w:color", color)):
        bottom.set(qn(key), value)
    borders.append(bottom)


# Word refuses a document whose property elements are out of the schema's order, so each element we add that
# python-docx has no method for goes in before the first of the elements that must follow it.
_FOLLOWERS = {
    "w:pBdr": ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
               "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
               "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
               "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
               "w:rPr", "w:sectPr", "w:pPrChange"),
    "w:snapToGrid": ("w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                     "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
                     "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
    "w:tblBorders": ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
                     "w:tblPrChange"),
    "w:cantSplit": ("w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del",
                    "w:trPrChange"),
    "w:tblHeader": ("w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del", "w:trPrChange"),
}


def _insert(parent, tag: str, attributes: dict[str, str] | None = None):
    """The `tag` child of `parent` (added in its schema position if missing), with `attributes` set."""
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        parent.insert_element_before(element, *_FOLLOWERS[tag])
    for key, value in (attributes or {}).items():
        element.set(qn(key), value)
    return element


def title(doc: DocxDocument, text: str) -> Paragraph:
    """The document title: 二号 方正小标宋简体, centred, a blank line below. Line breaks in `text` are kept."""
    paragraph = _styled(doc, TITLE)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        run = add_run(paragraph, line)
        if i < len(lines) - 1:
            run.add_break()
    paragraph.paragraph_format.space_after = Pt(LINE_PITCH.pt)
    return paragraph


def heading1(doc: DocxDocument, text: str) -> Paragraph:
    """一级标题 in 黑体, e.g. "一、总体情况" (the caller numbers it: chinese_numeral)."""
    return _styled(doc, HEADING1, text)


def heading2(doc: DocxDocument, text: str) -> Paragraph:
    """二级标题 in 楷体, e.g. "（一）镇街"."""
    return _styled(doc, HEADING2, text)


def paragraph(doc: DocxDocument, text: str = "", *, indent: bool = True) -> Paragraph:
    """Body text (三号 仿宋, indented two characters unless `indent=False`, e.g. the addressee line)."""
    return _styled(doc, BODY if indent else PLAIN, text)


def page_break(doc: DocxDocument) -> None:
    doc.add_paragraph(style=PLAIN).add_run().add_break(WD_BREAK.PAGE)


def table(doc: DocxDocument, headers: Sequence[str] | None, rows: Sequence[Sequence], widths: Sequence[float], *,
          size: float = SIZE_SMALL_4, align: Sequence[str] | None = None) -> Table:
    """A bordered table: 黑体 header row repeated on every page (none when `headers` is None), 仿宋 body, column
    widths in cm (fixed layout). `align` gives each column "l", "c" or "r"; by default numbers are centred and text
    is left-aligned.
    """
    if headers is not None and len(headers) != len(widths):
        raise ValueError("one width per column")
    grid = doc.add_table(rows=0, cols=len(widths))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    set_widths(grid, widths)
    if headers is not None:
        header_row = grid.add_row()
        _repeat_header(header_row)
        for cell, text, width in zip(header_row.cells, headers, widths, strict=True):
            _cell(cell, str(text), TABLE_HEADER, width, size, WD_ALIGN_PARAGRAPH.CENTER)
    aligns = {"l": WD_ALIGN_PARAGRAPH.LEFT, "c": WD_ALIGN_PARAGRAPH.CENTER, "r": WD_ALIGN_PARAGRAPH.RIGHT}
    body_style = doc.styles[TABLE_TEXT].style_id  # looked up once: a lookup by name scans every style
    for values in rows:
        row = grid.add_row()
        _no_split(row)
        for i, (cell, value, width) in enumerate(zip(row.cells, values, widths, strict=True)):
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            how = aligns[align[i]] if align else (WD_ALIGN_PARAGRAPH.CENTER if numeric else WD_ALIGN_PARAGRAPH.LEFT)
            _cell(cell, "" if value is None else str(value), body_style, width, size, how, by_id=True)
    return grid


def _cell(cell, text: str, style: str, width_cm: float, size: float, align, *, by_id: bool = False) -> None:
    cell.width = Cm(width_cm)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    if by_id:
        paragraph._p.get_or_add_pPr().style = style
    else:
        paragraph.style = paragraph.part.document.styles[style]
    paragraph.alignment = align
    lines = text.split("\n")
    for i, line in enumerate(lines):
        run = add_run(paragraph, line, size=size)
        if i < len(lines) - 1:
            run.add_break()


def set_widths(grid: Table, widths: Sequence[float]) -> None:
    """Fixed column widths in cm. The grid columns are what LibreOffice and WPS lay out by, the cell widths what
    Word shows: both are set."""
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def _repeat_header(row) -> None:
    _no_split(row)
    _insert(row._tr.get_or_add_trPr(), "w:tblHeader")


def _no_split(row) -> None:
    _insert(row._tr.get_or_add_trPr(), "w:cantSplit")


def borderless(grid: Table) -> None:
    """Remove a table's borders (for layout tables: photos side by side, QR code beside text)."""
    borders = _insert(grid._tbl.tblPr, "w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)


def picture(doc_or_cell, data: bytes, width_cm: float, caption: str = "") -> Paragraph:
    """A picture (PNG or JPEG bytes) centred on its own line, with an optional caption line below in 小四."""
    paragraph = _styled(doc_or_cell, PICTURE)
    paragraph.add_run().add_picture(io.BytesIO(data), width=Cm(width_cm))
    if caption:
        _styled(doc_or_cell, PICTURE, caption)
    return paragraph


def signature(doc: DocxDocument, issuer: str, date: dt.date) -> None:
    """署名 and 成文日期 without a seal (GB/T 9704 7.3.5.2): the office two characters in from the right, the date
    below it starting two characters to the right of the office's first character."""
    # The signature never stands alone on a page (GB/T 9704 7.3.5.3): the last paragraph of text goes with it.
    last = doc.element.body[-2] if len(doc.element.body) > 1 else None  # [-1] is the section properties
    if last is not None and last.tag == qn("w:p"):
        Paragraph(last, doc._body).paragraph_format.keep_with_next = True
    for _ in range(2):
        paragraph(doc, "").paragraph_format.keep_with_next = True
    office = _styled(doc, PLAIN, issuer)
    office.paragraph_format.keep_with_next = True
    office.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    office.paragraph_format.right_indent = Pt(2 * SIZE_3)
    when = _styled(doc, PLAIN, chinese_date(date))
    width_pt = TEXT_WIDTH_CM / 2.54 * 72
    office_start = width_pt - 2 * SIZE_3 - len(issuer) * SIZE_3
    if office_start > 0:
        when.paragraph_format.left_indent = Pt(office_start + 2 * SIZE_3)
    else:
        when.alignment = WD_ALIGN_PARAGRAPH.RIGHT


# ---------------------------------------------------------------- numbers and dates in Chinese

_DIGITS = "〇一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (for 一、 二、 headings and 第X期); 1 to 99."""
    if not 1 <= n <= 99:
        raise ValueError("chinese_numeral takes 1 to 99")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


def chinese_date(date: dt.date) -> str:
    """2023年10月31日: GB/T 9704-2012 writes 成文日期 in Arabic numerals, year, month and day in full, no padding."""
    return f"{date.year}年{date.month}月{date.day}日"
