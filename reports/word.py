"""The editable Word version of a work report (.docx, python-docx), from the same composed text
as the PDF: title, headings, paragraphs with a first-line indent, the table and the chart.

Chinese offices edit in Word with 宋体/黑体/楷体/仿宋: every run names its East-Asian font in
``w:eastAsia`` (python-docx only sets the Latin one), so Word picks those, not a Latin fallback.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

TITLE_FONT = "宋体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体"
BODY_FONT = "仿宋"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(14)


def _fonts(run, east_asian: str, *, size=None, bold: bool = False) -> None:
    run.font.name = LATIN_FONT
    run.font.bold = bold
    if size is not None:
        run.font.size = size
    properties = run._element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)


def _base_style(document) -> None:
    style = document.styles["Normal"]
    style.font.name = LATIN_FONT
    style.font.size = BODY_SIZE
    properties = style.element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    paragraph = style.paragraph_format
    paragraph.line_spacing = Pt(28)
    paragraph.space_before = Pt(0)
    paragraph.space_after = Pt(0)


def _page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(30), Mm(26)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _page_numbers(section)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays the pages out."""
    run = paragraph.add_run()
    begin = run._element.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): "begin"})
    run._element.append(begin)
    run = paragraph.add_run()
    text = run._element.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
    text.text = f" {instruction} "
    run._element.append(text)
    run = paragraph.add_run()
    end = run._element.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): "end"})
    run._element.append(end)


def _page_numbers(section) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(paragraph.add_run("第 "), BODY_FONT, size=Pt(10))
    _field(paragraph, "PAGE")
    _fonts(paragraph.add_run(" 页 共 "), BODY_FONT, size=Pt(10))
    _field(paragraph, "NUMPAGES")
    _fonts(paragraph.add_run(" 页"), BODY_FONT, size=Pt(10))


def _heading(document, text: str, *, level: int):
    # A built-in heading style, so Word's navigation pane and outline show the structure.
    paragraph = document.add_paragraph(style=f"Heading {level}")
    paragraph.paragraph_format.first_line_indent = Pt(28)
    paragraph.paragraph_format.space_before = Pt(6)
    paragraph.paragraph_format.space_after = Pt(0)
    if level == 1:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    run = paragraph.add_run(text)
    font = HEADING_FONT if level == 1 else SUBHEADING_FONT
    _fonts(run, font, size=Pt(16 if level == 1 else 14), bold=level > 1)
    run.font.color.rgb = RGBColor(0, 0, 0)  # the built-in heading styles are blue
    return paragraph


def _body(document, text: str):
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(28)  # two characters of 14 pt
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _fonts(paragraph.add_run(text), BODY_FONT, size=BODY_SIZE)
    return paragraph


def _caption(document, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(6)
    _fonts(paragraph.add_run(text), HEADING_FONT, size=Pt(12))


def _table(document, table: dict[str, Any]) -> None:
    _caption(document, table["caption"])
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

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(18)
    title.paragraph_format.line_spacing = Pt(36)
    _fonts(title.add_run(content["title"]), TITLE_FONT, size=Pt(22), bold=True)

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

    for line in (content["issuer"], content["issued_on"]):
        sign = document.add_paragraph()
        sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _fonts(sign.add_run(line), BODY_FONT, size=BODY_SIZE)

    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _table(document, content["table"])
    document.add_paragraph()
    _caption(document, content["chart_caption"])
    if chart_png:
        picture = document.add_paragraph()
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.add_run().add_picture(io.BytesIO(chart_png), width=Mm(156))
    else:
        _monthly_table(document, monthly, monthly_columns)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
