"""The printed documents (core.pdf) in the official-document layout (GB/T 9704-2012) the Word
report has (reports/word.py), read back from the PDFs with Poppler's tools, as a reader's copy:
the demo street's annual report, its November bulletin and its supervision orders.

- every page is A4 and the PDF embeds two Chinese faces, subset: Noto Serif CJK SC and Noto Sans
  CJK SC (仿宋, 楷体, 小标宋 and 宋体 fall back to the first, 黑体 to the second), nothing else;
- the report: text in a 156 mm block from 37 mm below the page's top, lines 28.95 pt apart
  (22 a page) with 28 characters of 16 pt (0.25 pt closer), two characters of first-line
  indent, the title 22 pt and the page numbers 14 pt ("— 1 —" at the outer corner: odd pages
  right, even pages left, one character in), the issuing unit and the date as 7.3.5.2 has them;
- the supervision order and the bulletin of a street of the demo's size (8 communities) on one
  page each.

Sizes are read from the words' boxes (pdftotext -bbox-layout): a line's pitch and width in
points, and the sizes against each other (the same face gives boxes in proportion to the size).
"""

import datetime
import itertools
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from core.documents import build
from issues.documents import SUPERVISION_ORDERS
from issues.models import SupervisionOrder
from patrols.bulletins import BULLETINS
from patrols.models import Bulletin
from reports.documents import build_documents
from reports.models import Report, ReportKind

from .documents import demo_street

D = datetime.date
# The demo as `seed_demo` leaves it on this day (what it draws depends on the day only).
DEMO_DAY = D(2026, 12, 5)
MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = 210 * MM, 297 * MM
LEFT, RIGHT = 28 * MM, (210 - 26) * MM  # the text block's edges
TOP, BOTTOM = 37 * MM, (297 - 35) * MM
LINE_PITCH = 28.95
FACES = {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC"}
ISSUER = "东风街道河长制办公室"

# The test database, before the module's fixture writes the demo to it.
pytestmark = pytest.mark.django_db


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install poppler-utils (CI does, see .ci/run)")
    return path


def _run(*command: str) -> str:
    return subprocess.run(  # noqa: S603 (our own command line)
        command, capture_output=True, text=True, check=True
    ).stdout


def pages(path: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", _run(_tool("pdfinfo"), str(path))).group(1))


def page_size(path: Path) -> str:
    return re.search(r"Page size:\s+(.+)", _run(_tool("pdfinfo"), str(path))).group(1).strip()


def faces(path: Path) -> list[tuple[str, str, str]]:
    """(face, embedded, subset) for every font of the PDF; the face without its subset tag."""
    rows = _run(_tool("pdffonts"), str(path)).splitlines()[2:]
    found = []
    for row in rows:
        name, *_middle, emb, sub, _uni, _object, _generation = row.split()
        found.append((name.split("+", 1)[-1], emb, sub))
    return found


def full_width(character: str) -> bool:
    return unicodedata.east_asian_width(character) in "FW"


def flat_text(path: Path, page: int) -> str:
    text = _run(
        _tool("pdftotext"), "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(path), "-"
    )
    return re.sub(r"\s+", "", text)


class Line:
    def __init__(self, element):
        self.x0, self.y0, self.x1, self.y1 = (
            float(element.get(key)) for key in ("xMin", "yMin", "xMax", "yMax")
        )
        self.text = "".join(word.text or "" for word in element.iter() if word.tag.endswith("word"))
        self.height = self.y1 - self.y0


def lines(path: Path, page: int) -> list[Line]:
    """The page's lines, top to bottom, with their boxes in points."""
    xml = _run(_tool("pdftotext"), "-bbox-layout", "-f", str(page), "-l", str(page), str(path), "-")
    root = ElementTree.fromstring(xml)  # noqa: S314 (Poppler's output of our own PDF)
    found = [Line(element) for element in root.iter() if element.tag.endswith("line")]
    return sorted(found, key=lambda line: (line.y0, line.x0))


def line_with(found: list[Line], text: str) -> Line:
    (line,) = [line for line in found if text in line.text]
    return line


@pytest.fixture(scope="module")
def printed(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo street's annual report, its November bulletin and its supervision orders (each
    made an automatic one, whose note adds a line: the longest form), as PDF files."""
    folder = tmp_path_factory.mktemp("official")
    with demo_street(django_db_blocker, tmp_path_factory, today=DEMO_DAY) as street:
        report = Report.objects.create(region=street, kind=ReportKind.ANNUAL, year=2026, period=0)
        documents = build_documents(report=report, on_progress=lambda n: None, issued_on=DEMO_DAY)
        (folder / "report.pdf").write_bytes(documents.pdf)

        row = Bulletin.objects.create(street=street, month=D(2026, 11, 1), queued_at=timezone.now())
        bulletin = build(BULLETINS, row.pk)
        assert bulletin.status == "done", bulletin.error
        (folder / "bulletin.pdf").write_bytes(bulletin.pdf.read())

        SupervisionOrder.objects.filter(street=street).update(issued_by=None)
        orders = []
        for order in SupervisionOrder.objects.filter(street=street).order_by("serial"):
            built = build(SUPERVISION_ORDERS, order.pk)
            assert built.status == "done", built.error
            path = folder / f"order-{order.serial}.pdf"
            path.write_bytes(built.pdf.read())
            orders.append((order.number, path))
        yield {
            "report": folder / "report.pdf",
            "report_data": documents.data,
            "bulletin": folder / "bulletin.pdf",
            "bulletin_data": bulletin.data,
            "orders": orders,
        }


def every_pdf(printed) -> list[Path]:
    return [printed["report"], printed["bulletin"], *(path for _n, path in printed["orders"])]


def test_every_document_is_a4_with_two_chinese_faces_embedded(printed):
    for path in every_pdf(printed):
        assert page_size(path) == "595.276 x 841.89 pts (A4)", path.name
        found = faces(path)
        # Each face once (one subset), embedded and subset; nothing else (no Latin face).
        assert sorted(face for face, _emb, _sub in found) == sorted(FACES), (path.name, found)
        assert all(emb == "yes" and sub == "yes" for _face, emb, sub in found), found


def test_the_report_body_is_16_pt_on_the_22_line_grid_of_28_characters(printed):
    found = lines(printed["report"], 1)
    title = found[0]
    assert title.text == "东风街道2026年河长制工作总结"
    # Centred in the block, below the 37 mm margin; 22 pt against the body's 16 pt.
    assert abs((title.x0 + title.x1) / 2 - (LEFT + RIGHT) / 2) < 1
    assert TOP <= title.y0 < TOP + 5
    body = [line for line in found[1:] if line.y1 < BOTTOM]
    assert len(body) >= 15
    assert all(abs(line.height - body[0].height) < 0.5 for line in body)
    assert title.height / body[0].height == pytest.approx(22 / 16, abs=0.01)
    # Lines 28.95 pt apart (the headings, in other faces, sit on the same grid).
    for above, below in itertools.pairwise(body):
        assert below.y0 - above.y0 == pytest.approx(LINE_PITCH, abs=0.2), below.text
    # A full line holds 28 characters of 16 pt, 0.25 pt closer: 441 pt of the 442 pt block.
    full = [line for line in body if len(line.text) == 28 and all(map(full_width, line.text))]
    assert full, [line.text for line in body]
    for line in full:
        assert line.x0 == pytest.approx(LEFT, abs=0.2)
        assert line.x1 - line.x0 == pytest.approx(28 * 15.75, abs=1)
    # The opening paragraph's first line two characters in.
    opening = line_with(found, "2026年，东风街道")
    assert opening.x0 - LEFT == pytest.approx(2 * 15.8, abs=0.3)
    # The first-level heading (黑体) on the same indent.
    heading = line_with(found, "一、工作开展情况")
    assert heading.x0 - LEFT == pytest.approx(2 * 15.8, abs=0.3)


def test_the_report_pages_are_numbered_at_the_outer_corner_between_em_dashes(printed):
    path = printed["report"]
    count = pages(path)
    assert count >= 2
    body_height = lines(path, 1)[1].height
    for page in (1, 2, count):
        if page < count:
            # Text pages end with their number; the last page holds the attachments' chart,
            # whose drawn labels the text extraction may place after it: its number is checked
            # by position below.
            assert flat_text(path, page).endswith(f"—{page}—")
        number = [line for line in lines(path, page) if line.y0 > BOTTOM][-1]
        assert re.sub(r"\s+", "", number.text) == f"—{page}—"
        # 14 pt against the body's 16 pt, in the bottom margin, one 14 pt character in.
        assert number.height / body_height == pytest.approx(14 / 16, abs=0.01)
        assert BOTTOM < number.y0 < BOTTOM + 10 * MM
        if page % 2:
            assert RIGHT - number.x1 == pytest.approx(14, abs=0.5)
        else:
            assert number.x0 - LEFT == pytest.approx(14, abs=0.5)


def test_the_report_closes_with_the_issuing_unit_and_the_date(printed):
    path = printed["report"]
    page = next(p for p in range(1, pages(path) + 1) if ISSUER in flat_text(path, p))
    # They end the text; the attachments start the next page.
    assert flat_text(path, page).endswith(f"{ISSUER}2026年12月5日—{page}—")
    assert flat_text(path, page + 1).startswith("附表1")
    found = lines(path, page)
    issuer, date = line_with(found, ISSUER), line_with(found, "2026年12月5日")
    # The unit two characters in from the right; the date on the next line, starting two
    # characters right of the unit's first: 2 + 10 - 2 - 6.5 = 3.5 characters in.
    assert date.y0 - issuer.y0 == pytest.approx(LINE_PITCH, abs=0.2)
    assert RIGHT - issuer.x1 == pytest.approx(2 * 15.8, abs=1)
    assert date.x0 - issuer.x0 == pytest.approx(2 * 15.8, abs=1)
    # A blank line above the unit.
    above = max((line for line in found if line.y0 < issuer.y0), key=lambda line: line.y0)
    assert issuer.y0 - above.y0 == pytest.approx(2 * LINE_PITCH, abs=0.5)


def test_the_supervision_orders_print_on_one_page(printed):
    assert printed["orders"], "the demo street has supervision orders"
    for number, path in printed["orders"]:
        assert pages(path) == 1, number
        text = flat_text(path, 1)
        assert text.startswith(f"河长制工作督办单{number}问题编号")
        assert f"{ISSUER}" in text and "本督办单由系统根据整改时限自动生成。" in text
        assert text.endswith("—1—")
        found = lines(path, 1)
        title, request = found[0], line_with(found, "高度重视")
        # The title 二号, the request in the body's 三号, two characters in.
        assert title.height / request.height == pytest.approx(22 / 16, abs=0.01)
        assert request.x0 - LEFT == pytest.approx(2 * 15.8, abs=0.3)


def test_the_bulletin_of_a_street_of_eight_communities_prints_on_one_page(printed):
    data, path = printed["bulletin_data"], printed["bulletin"]
    assert len(data["ranking"]) == 8 and len(data["chiefs"]) == 16
    assert pages(path) == 1
    text = flat_text(path, 1)
    assert text.startswith("东风街道2026年11月河长巡河情况通报按照“周汇报、月通报”制度")
    assert "本月实际巡河67次，计入考核55次，应巡河60次，总体巡河率91.7%。" in text
    assert "一、各社区巡河率排名" in text and "二、未达到巡河要求的河长" in text
    for row in data["ranking"]:
        assert row["region"] in text
    assert data["short"] and all(chief["name"] in text for chief in data["short"])
    assert text.endswith(f"{ISSUER}{data['issued_on']}—1—")
    # The page's own parts are not printed: every chief's row, the rest of the summary.
    assert "三、各河长巡河情况" not in text and "说明：" not in text
    found = lines(path, 1)
    opening = line_with(found, "按照“周汇报")
    assert found[0].height / opening.height == pytest.approx(22 / 16, abs=0.01)
    assert opening.x0 - LEFT == pytest.approx(2 * 15.8, abs=0.3)
