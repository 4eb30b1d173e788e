"""The Word report as an official document (GB/T 9704-2012), read back with python-docx, and the
same file converted to PDF by LibreOffice with its chart whole on the page."""

import io
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt
from PIL import Image

from reports.charts import chart_png
from reports.word import write_docx

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is missing: install libreoffice-writer-nogui (CI does, see .ci/run)",
)

TITLE = "清河街道2022年河长制工作总结"
OPENING = "2022年，清河街道以河长制为抓手，扎实推进河湖管护，现将全年工作总结如下。"
PATROL = "全年街道、社区两级河长有效巡河104次，发现问题21个，已整改19个。"
MONTHLY = [
    {"month": f"2022-{m:02d}", "patrols": patrols, "issues_found": found, "issues_closed": closed}
    for m, (patrols, found, closed) in enumerate(
        [(8, 2, 1), (7, 1, 2), (9, 3, 2), (10, 2, 2), (8, 1, 1), (9, 2, 3),
         (8, 3, 2), (9, 1, 1), (8, 2, 2), (10, 1, 1), (9, 2, 1), (9, 1, 1)],
        start=1,
    )
]  # fmt: skip


def content(*, issuer="清河街道河长制办公室", issued_on="2023年1月10日"):
    return {
        "title": TITLE,
        "opening": [OPENING],
        "sections": [
            {
                "heading": "一、工作开展情况",
                "paragraphs": [],
                "parts": [
                    {"heading": "（一）强化河道巡查", "paragraphs": [PATROL] * 6},
                    {"heading": "（二）开展河道整治", "paragraphs": [PATROL] * 6},
                ],
            },
            {"heading": "二、存在的问题", "paragraphs": ["个别社区巡河记录不全。"], "parts": []},
        ],
        "table": {
            "caption": "附表1　各社区（村）巡河及问题整改情况",
            "columns": ["社区（村）", "有效巡河", "发现问题", "已整改", "逾期未整改"],
            "rows": [["东关社区", 60, 12, 11, 0], ["西关社区", 44, 9, 8, 1]],
            "total": ["合计", 104, 21, 19, 1],
        },
        "chart_caption": "附图1　2022年各月有效巡河次数及发现问题数",
        "issuer": issuer,
        "issued_on": issued_on,
    }


def build(**kwargs) -> bytes:
    png = chart_png(MONTHLY)
    assert png is not None, "no CJK font to draw the chart: install fonts-noto-cjk"
    return write_docx(
        content(**kwargs),
        chart_png=png,
        monthly=MONTHLY,
        monthly_columns=["月份", "有效巡河", "发现问题", "销号问题"],
    )


def east_asian(run) -> str:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def by_text(document, text: str):
    (paragraph,) = [p for p in document.paragraphs if p.text == text]
    return paragraph


def test_page_fonts_and_sizes_are_those_of_gb_t_9704():
    document = Document(io.BytesIO(build()))
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(margin.mm, 1) for margin in margins] == [37.0, 35.0, 28.0, 26.0]
    # 22 lines on the 225 mm block: a line grid of 579 twips, the body's exact line height.
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:linePitch")) == "579"
    normal = document.styles["Normal"].paragraph_format
    assert normal.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert normal.line_spacing == Pt(28.95)
    # 28 characters on the 156 mm line: 16 pt characters condensed by 0.25 pt.
    spacing = document.styles["Normal"].element.rPr.find(qn("w:spacing"))
    assert spacing.get(qn("w:val")) == "-5"

    title = document.paragraphs[0]
    assert title.text == TITLE and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size == Pt(22)
    assert east_asian(title.runs[0]) == "方正小标宋简体"
    assert not title.runs[0].font.bold

    body = by_text(document, OPENING)
    assert body.runs[0].font.size == Pt(16)
    assert east_asian(body.runs[0]) == "仿宋"
    # Two characters: 2 x 15.79 pt in twips for LibreOffice, 200 hundredths for Word and WPS.
    assert body._p.pPr.ind.get(qn("w:firstLine")) == "632"
    assert body._p.pPr.ind.get(qn("w:firstLineChars")) == "200"

    first = by_text(document, "一、工作开展情况")
    second = by_text(document, "（一）强化河道巡查")
    assert first.style.name == "Heading 1" and second.style.name == "Heading 2"
    assert east_asian(first.runs[0]) == "黑体" and east_asian(second.runs[0]) == "楷体"
    for heading in (first, second):
        assert heading.runs[0].font.size == Pt(16) and not heading.runs[0].font.bold
    # The heading styles themselves name the same faces (a new heading typed in Word gets them).
    styles = document.styles
    assert styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert styles["Heading 2"].element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体"
    assert styles["Heading 1"].font.size == Pt(16)
    # Chinese is the East-Asian language, not python-docx's template's Japanese.
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    language = defaults.find(qn("w:rPr")).find(qn("w:lang"))
    assert language.get(qn("w:eastAsia")) == "zh-CN"


def page_number(paragraph) -> str:
    """The footer paragraph's text with its fields written as their instruction: "— PAGE —"."""
    parts = []
    for run in paragraph._p.findall(qn("w:r")):
        parts.extend(t.text for t in run.findall(qn("w:t")))
        parts.extend(i.text.strip() for i in run.findall(qn("w:instrText")))
    return "".join(parts)


def test_page_numbers_sit_at_the_outer_corner_between_em_dashes():
    document = Document(io.BytesIO(build()))
    section = document.sections[0]
    assert document.settings.odd_and_even_pages_header_footer
    odd = section.footer.paragraphs[0]
    even = section.even_page_footer.paragraphs[0]
    assert page_number(odd) == "— PAGE —" and page_number(even) == "— PAGE —"
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and odd.paragraph_format.right_indent == Pt(14)
    assert even.alignment == WD_ALIGN_PARAGRAPH.LEFT and even.paragraph_format.left_indent == Pt(14)
    for paragraph in (odd, even):
        for run in paragraph.runs:
            assert run.font.size == Pt(14)
            assert east_asian(run) == "宋体" and run.font.name == "宋体"


def test_the_issuing_unit_and_the_date_close_the_text():
    document = Document(io.BytesIO(build()))
    texts = [p.text for p in document.paragraphs]
    end = texts.index("附表1　各社区（村）巡河及问题整改情况")
    signed = [p for p in document.paragraphs[:end] if p.text.strip()]
    issuer, date = signed[-2:]
    assert [issuer.text, date.text] == ["清河街道河长制办公室", "2023年1月10日"]
    # A blank line above the unit; both right-aligned, the unit two characters in, the date
    # starting two characters right of the unit's first (2 + 10 - 2 - 6.5 = 3.5 characters in).
    assert texts[texts.index("清河街道河长制办公室") - 1] == ""
    for paragraph in (issuer, date):
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.RIGHT
        assert east_asian(paragraph.runs[0]) == "仿宋"
        assert paragraph.runs[0].font.size == Pt(16)
    assert issuer._p.pPr.ind.get(qn("w:rightChars")) == "200"
    assert date._p.pPr.ind.get(qn("w:rightChars")) == "350"


def test_a_date_longer_than_the_unit_is_two_characters_in_and_moves_the_unit_left():
    document = Document(io.BytesIO(build(issuer="河长办", issued_on="2022年12月31日")))
    issuer = by_text(document, "河长办")
    date = by_text(document, "2022年12月31日")
    # The date is 7 characters wide (digits are half-width): it would end 4 past the edge.
    assert date._p.pPr.ind.get(qn("w:rightChars")) == "200"
    assert issuer._p.pPr.ind.get(qn("w:rightChars")) == "800"


def test_the_chart_paragraph_has_no_exact_line_height_and_fits_the_text_width():
    document = Document(io.BytesIO(build()))
    (shape,) = document.inline_shapes
    assert round(shape.width.mm, 1) == 156.0
    (picture,) = [p for p in document.paragraphs if p._p.xpath(".//w:drawing")]
    assert picture.paragraph_format.line_spacing_rule == WD_LINE_SPACING.SINGLE


def test_the_attachments_start_a_page_without_a_break_paragraph():
    # A paragraph holding a page break falls on the next page when the date ends one: a blank page.
    document = Document(io.BytesIO(build()))
    assert not document.element.body.xpath(".//w:br[@w:type='page']")
    caption = by_text(document, "附表1　各社区（村）巡河及问题整改情况")
    assert caption.paragraph_format.page_break_before


def to_pdf(docx: bytes, folder: Path) -> Path:
    """LibreOffice's PDF of the file, with a profile of its own so parallel runs do not clash."""
    source = folder / "report.docx"
    source.write_bytes(docx)
    profile = folder / f"lo-{uuid.uuid4().hex}"
    try:
        subprocess.run(  # noqa: S603 (our own command line)
            [
                SOFFICE,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder),
                str(source),
            ],
            capture_output=True,
            check=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = folder / "report.pdf"
    assert pdf.exists(), "LibreOffice wrote no PDF"
    return pdf


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install poppler-utils (CI does, see .ci/run)")
    return path


def ink(image: Image.Image, box=None) -> tuple[int, int, int, int]:
    """The bounding box (left, top, right, bottom) of what is not white."""
    grey = image.convert("L")
    if box is not None:
        grey = grey.crop(box)
    return grey.point(lambda value: 255 if value < 245 else 0).getbbox()


@needs_libreoffice
def test_libreoffice_shows_the_chart_whole(tmp_path):
    pdf = to_pdf(build(), tmp_path)
    info = subprocess.run(  # noqa: S603 (our own command line)
        [_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    # The chart's caption on the last page, in points from the page's top.
    words = subprocess.run(  # noqa: S603 (our own command line)
        [_tool("pdftotext"), "-f", str(pages), "-l", str(pages), "-bbox", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    caption = re.search(
        r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">附图', words
    )
    assert caption, "the chart's caption is not on the last page"
    caption_bottom_mm = float(caption.group(1)) / 72 * 25.4

    dpi = 100
    last = ["-f", str(pages), "-l", str(pages)]
    subprocess.run(  # noqa: S603 (our own command line)
        [_tool("pdftoppm"), "-r", str(dpi), "-png", *last, str(pdf), str(tmp_path / "page")],
        check=True,
    )
    (rendered,) = tmp_path.glob("page-*.png")
    page = Image.open(rendered)
    mm = dpi / 25.4  # pixels a millimetre
    # Between the caption and the text block's bottom edge (297 - 35 mm) there is only the chart.
    area = (0, round((caption_bottom_mm + 1) * mm), page.width, round(262 * mm))
    left, top, right, bottom = ink(page, area)
    drawn = [(right - left) / mm, (bottom - top) / mm]

    # The chart as drawn: its inked box in the PNG, at 156 mm wide.
    png = Image.open(io.BytesIO(chart_png(MONTHLY)))
    scale = 156 / png.width
    p_left, p_top, p_right, p_bottom = ink(png)
    expected = [(p_right - p_left) * scale, (p_bottom - p_top) * scale]
    assert expected[1] > 60  # the whole chart is about 73 mm high; a clipped one was 10
    assert drawn == pytest.approx(expected, abs=1.5)
    # Inside the text block: 28 mm from the left edge, 26 mm from the right.
    assert left / mm >= 28 - 0.5 and right / mm <= 210 - 26 + 0.5
