"""The editable Word version of a work report (.docx, python-docx), from the same composed text
as the PDF, laid out as an official document (公文) by GB/T 9704-2012:

- A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm, so the text block is
  156 mm x 225 mm (5.2.1-5.2.3);
- 22 lines of 28 characters on that block (5.2.4): text paragraphs have an exact line height of
  1/22 of the block (also the section's line grid) and characters condensed to 1/28 of its width;
- title 二号 (22 pt) 小标宋, centred (7.3.1); body 三号 (16 pt) 仿宋 (5.2.3); first-level headings
  黑体, second-level 楷体, both 三号 (7.3.3);
- the issuing unit right-aligned two characters in from the edge below the text and a blank line,
  the date under it two characters further right (7.3.5.2);
- page numbers 四号 (14 pt) 宋体 Arabic numerals between two em dashes ("— 1 —"), one character in
  from the outer edge: odd pages right, even pages left (7.5).

Fonts: every run names its East-Asian face in ``w:eastAsia`` (python-docx only sets the Latin
one), so Word and WPS use it rather than a Latin fallback. The names are the ones the faces carry on
an office PC (see the constants); LibreOffice on a machine without them substitutes a CJK face of
its own. The chart's paragraph has single spacing, not the body's exact line height: LibreOffice
clips a picture to an exact line height (a 1 cm strip of the chart, issue #14).
"""

from __future__ import annotations

import io
import math
import unicodedata
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

# 小标宋 has no system equivalent: offices that follow GB/T 9704 install FZXiaoBiaoSong-B05S, whose
# Chinese family name (the one Word and WPS on a Chinese PC list and match) is 方正小标宋简体.
TITLE_FONT = "方正小标宋简体"
# 黑体, 仿宋 and 楷体 are the names under which SimHei, FangSong and KaiTi ship with every Chinese
# Windows since Vista, so Word and WPS find them on any office PC. The older 仿宋_GB2312 and
# 楷体_GB2312 (the same designs, GB2312 characters only) are not part of a standard Windows 10/11
# install: a file naming them depends on the PC having had them added.
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体"
BODY_FONT = "仿宋"
# The page numbers are 宋体 (SimSun): its Arabic digits are half-width and its em dash a whole
# character wide, as 7.5 wants.
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"

TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
PAGE_NUMBER_SIZE = Pt(14)  # 四号

MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
TEXT_WIDTH = Mm(210 - 28 - 26)  # 156 mm
CHARACTERS = 28
# 225 mm / 22 lines = 28.99 pt; Word's grid counts twips, and the usual 公文 templates use 579.
LINE_PITCH = Twips(579)
# 156 mm / 28 = 15.79 pt a character: the body's 16 pt characters are condensed by 0.25 pt
# (w:spacing, in twentieths of a point: -5) so that 28 fit a line in Word, WPS and LibreOffice
# alike. (A character grid, docGrid linesAndChars with a negative charSpace, does it in Word, but
# LibreOffice gives every character two of its 15.79 pt cells and a line holds 14.)
CHARACTER_PITCH_PT = TEXT_WIDTH.pt / CHARACTERS
CONDENSED = math.floor((CHARACTER_PITCH_PT - BODY_SIZE.pt) * 20)
# The page number's em dash sits 7 mm below the text block: a 14 pt line whose bottom is 25 mm
# above the page's edge has its dash at about 28 mm, the block ending at 35 mm.
FOOTER_DISTANCE = Mm(25)

# w:rPr children that come after w:spacing, w:pPr children after w:snapToGrid (the schema fixes
# their order).
_AFTER_CHARACTER_SPACING = (
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
)
_AFTER_SNAP_TO_GRID = (
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def _name_fonts(properties, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Explicit font names on a w:rPr, with the theme's names removed (a theme font would win)."""
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _fonts(run, east_asian: str, *, size=None, bold: bool = False, latin: str = LATIN_FONT):
    run.font.name = latin
    run.font.bold = bold
    if size is not None:
        run.font.size = size
    _name_fonts(run._element.get_or_add_rPr(), east_asian, latin)
    return run


def _off_grid(paragraph) -> None:
    """Lines of another size keep their own height instead of snapping to the body's line grid."""
    properties = paragraph._p.get_or_add_pPr()
    snap = properties.find(qn("w:snapToGrid"))
    if snap is None:
        snap = properties.makeelement(qn("w:snapToGrid"), {})
        properties.insert_element_before(snap, *_AFTER_SNAP_TO_GRID)
    snap.set(qn("w:val"), "0")


def _indent_chars(paragraph, *, first_line: float = 0, left: float = 0, right: float = 0) -> None:
    """Indents in characters (w:*Chars, which Word and WPS follow) and in twips (LibreOffice)."""
    layout = paragraph.paragraph_format
    pitch = CHARACTER_PITCH_PT * 20
    if first_line:
        layout.first_line_indent = Twips(round(pitch * first_line))
    if left:
        layout.left_indent = Twips(round(pitch * left))
    if right:
        layout.right_indent = Twips(round(pitch * right))
    indent = paragraph._p.pPr.find(qn("w:ind"))
    for name, chars in (
        ("w:firstLineChars", first_line),
        ("w:leftChars", left),
        ("w:rightChars", right),
    ):
        if chars:
            indent.set(qn(name), str(round(chars * 100)))


def _condensed(properties) -> None:
    """The body's characters a little narrower than the grid's cell (see CONDENSED)."""
    spacing = properties.find(qn("w:spacing"))
    if spacing is None:
        spacing = properties.makeelement(qn("w:spacing"), {})
        properties.insert_element_before(spacing, *_AFTER_CHARACTER_SPACING)
    spacing.set(qn("w:val"), str(CONDENSED))


def _text_lines(layout) -> None:
    layout.line_spacing = LINE_PITCH
    layout.space_before = Pt(0)
    layout.space_after = Pt(0)


def _base_style(document) -> None:
    """Document defaults and Normal: 三号 仿宋 on the grid's exact line, Chinese as the East-Asian
    language (python-docx's template says Japanese, which picks Japanese glyph forms)."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    properties = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _name_fonts(properties, BODY_FONT)
    language = properties.find(qn("w:lang"))
    if language is None:
        language = properties.makeelement(qn("w:lang"), {})
        properties.append(language)
    language.set(qn("w:val"), "en-US")
    language.set(qn("w:eastAsia"), "zh-CN")
    # The defaults at the body size too, so nothing falls back to the template's 11 pt.
    for tag in ("w:sz", "w:szCs"):
        size = properties.find(qn(tag))
        if size is None:
            size = properties.makeelement(qn(tag), {})
            properties.insert_element_before(size, *_AFTER_CHARACTER_SPACING[5:])
        size.set(qn("w:val"), str(round(BODY_SIZE.pt * 2)))
    settings = document.settings.element
    theme_language = settings.find(qn("w:themeFontLang"))
    if theme_language is not None:
        theme_language.set(qn("w:eastAsia"), "zh-CN")

    style = document.styles["Normal"]
    style.font.name = LATIN_FONT
    style.font.size = BODY_SIZE
    _name_fonts(style.element.get_or_add_rPr(), BODY_FONT)
    _condensed(style.element.get_or_add_rPr())
    _text_lines(style.paragraph_format)
    # Every page carries its 22 lines; a widow's line moved over would leave one short.
    style.paragraph_format.widow_control = False

    for level, font in ((1, HEADING_FONT), (2, SUBHEADING_FONT)):
        # The built-in heading styles, so Word's navigation pane and outline show the structure;
        # 公文 headings are the body's size, not bold, black, with no space around them.
        heading = document.styles[f"Heading {level}"]
        heading.font.size = BODY_SIZE
        heading.font.bold = False
        heading.font.color.rgb = RGBColor(0, 0, 0)
        _name_fonts(heading.element.get_or_add_rPr(), font)
        _text_lines(heading.paragraph_format)


def _page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.footer_distance = FOOTER_DISTANCE
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = section._sectPr.makeelement(qn("w:docGrid"), {})
        section._sectPr.append(grid)
    # The line grid: Word's page setup shows 22 lines a page.
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH.twips))
    # Odd pages number at the right, even pages at the left: two footers.
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], outer=WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], outer=WD_ALIGN_PARAGRAPH.LEFT)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE) that Word fills in when it lays the pages out."""
    for kind in ("begin", "instruction", "end"):
        run = _fonts(
            paragraph.add_run(), PAGE_NUMBER_FONT, size=PAGE_NUMBER_SIZE, latin=PAGE_NUMBER_FONT
        )
        if kind == "instruction":
            text = run._element.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
            text.text = f" {instruction} "
            run._element.append(text)
        else:
            mark = run._element.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind})
            run._element.append(mark)


def _page_number(paragraph, *, outer) -> None:
    """The page number between em dashes, one 四号 character in from the outer edge."""
    paragraph.alignment = outer
    paragraph.paragraph_format.line_spacing = 1.0
    _off_grid(paragraph)
    inset = Pt(PAGE_NUMBER_SIZE.pt)
    if outer == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = inset
    else:
        paragraph.paragraph_format.left_indent = inset
    for part in ("— ", None, " —"):
        if part is None:
            _field(paragraph, "PAGE")
        else:
            _fonts(
                paragraph.add_run(part),
                PAGE_NUMBER_FONT,
                size=PAGE_NUMBER_SIZE,
                latin=PAGE_NUMBER_FONT,
            )


def _heading(document, text: str, *, level: int):
    paragraph = document.add_paragraph(style=f"Heading {level}")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _indent_chars(paragraph, first_line=2)
    font = HEADING_FONT if level == 1 else SUBHEADING_FONT
    run = _fonts(paragraph.add_run(text), font, size=BODY_SIZE)
    run.font.color.rgb = RGBColor(0, 0, 0)
    return paragraph


def _body(document, text: str):
    paragraph = document.add_paragraph()
    _indent_chars(paragraph, first_line=2)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _fonts(paragraph.add_run(text), BODY_FONT, size=BODY_SIZE)
    return paragraph


def _width(text: str) -> float:
    """The text's width in characters: digits and Latin letters are half-width."""
    return sum(1 if unicodedata.east_asian_width(c) in "FW" else 0.5 for c in text)


def _signature(document, issuer: str, issued_on: str) -> None:
    """7.3.5.2: below the text and a blank line, the issuing unit two characters in from the right;
    the date on the next line starts two characters right of the unit's first character, unless
    that brings it closer than two characters to the edge: then the date is two in and the unit
    moves left as much."""
    issuer_right = 2.0
    date_right = _width(issuer) + issuer_right - 2 - _width(issued_on)
    if date_right < 2:
        issuer_right += 2 - date_right
        date_right = 2.0
    document.add_paragraph()
    for text, right in ((issuer, issuer_right), (issued_on, date_right)):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _indent_chars(paragraph, right=right)
        _fonts(paragraph.add_run(text), BODY_FONT, size=BODY_SIZE)


def _caption(document, text: str):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(6)
    paragraph.paragraph_format.keep_with_next = True
    _off_grid(paragraph)
    _fonts(paragraph.add_run(text), HEADING_FONT, size=Pt(12))
    return paragraph


def _table(document, table: dict[str, Any]) -> None:
    _caption(document, table["caption"]).paragraph_format.page_break_before = True
    rows = [*table["rows"], table["total"]]
    grid = document.add_table(rows=len(rows) + 1, cols=len(table["columns"]))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, text in enumerate(table["columns"]):
        _cell(grid.cell(0, column), str(text), bold=True)
    for index, row in enumerate(rows, start=1):
        last = index == len(rows)
        for column, value in enumerate(row):
            _cell(grid.cell(index, column), str(value), bold=last, left=column == 0 and not last)


def _cell(cell, text: str, *, bold: bool = False, left: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.line_spacing = Pt(18)
    _off_grid(paragraph)
    _fonts(paragraph.add_run(text), BODY_FONT, size=Pt(11), bold=bold)


def _monthly_table(document, monthly: list[dict[str, Any]], columns: list[str]) -> None:
    grid = document.add_table(rows=len(monthly) + 1, cols=4)
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, text in enumerate(columns):
        _cell(grid.cell(0, column), text, bold=True)
    for index, row in enumerate(monthly, start=1):
        values = [row["month"], row["patrols"], row["issues_found"], row["issues_closed"]]
        for column, value in enumerate(values):
            _cell(grid.cell(index, column), str(value))


def _picture(document, png: bytes) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # Single (auto) spacing: with Normal's exact line height LibreOffice shows only a line-high
    # strip of the picture. The picture is as wide as the text block, no wider.
    paragraph.paragraph_format.line_spacing = 1.0
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.add_run().add_picture(io.BytesIO(png), width=TEXT_WIDTH)


def write_docx(
    content: dict[str, Any],
    *,
    chart_png: bytes | None,
    monthly: list[dict[str, Any]],
    monthly_columns: list[str],
) -> bytes:
    """The .docx bytes. Without a chart image (no CJK font to draw it), the monthly figures go in
    as a table instead, so the Word file never lacks what the PDF shows."""
    document = Document()
    _base_style(document)
    _page(document)
    document.core_properties.title = content["title"]
    document.core_properties.author = content["issuer"]
    document.core_properties.language = "zh-CN"

    # A title of one or more centred lines, a blank line under it (7.3.1); 22 pt characters keep
    # their own width and a line of 36 pt, not the body's grid.
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = LINE_PITCH
    _off_grid(title)
    _fonts(title.add_run(content["title"]), TITLE_FONT, size=TITLE_SIZE)

    for paragraph in content["opening"]:
        _body(document, paragraph)
    for section in content["sections"]:
        _heading(document, section["heading"], level=1)
        for paragraph in section["paragraphs"]:
            _body(document, paragraph)
        for part in section["parts"]:
            _heading(document, part["heading"], level=2)
            for paragraph in part["paragraphs"]:
                _body(document, paragraph)
    _signature(document, content["issuer"], content["issued_on"])

    # The attachments start a page: the table's caption breaks before it (a paragraph holding a
    # page break would, when the date ends a page, fall on the next one and leave it blank).
    _table(document, content["table"])
    document.add_paragraph()
    _caption(document, content["chart_caption"])
    if chart_png:
        _picture(document, chart_png)
    else:
        _monthly_table(document, monthly, monthly_columns)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
