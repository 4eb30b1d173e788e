"""The annual report's next steps cite the region's river plans (一河一策, issue #17 point 5): the
tasks still open and due by the end of next year, overdue ones included, soonest first, in the
words of a sentence written here by hand; a report with no such task says nothing of plans."""

import datetime
import io

import pytest
from django.utils import translation
from docx import Document

from reports import documents
from reports.content import ReportSpec, compose
from reports.models import Report, ReportKind
from reports.statistics import period_bounds, region_statistics, report_details
from rivers.models import TaskStatus
from tests.report_text import plain_text

from . import factories
from .test_report_seed import pdf_text

D = datetime.date

# The 2025 annual report: as of 31 December 2025, tasks due by the end of 2026.
SENTENCE = (
    "（五）落实“一河一策”，推进河道综合治理。按照“一河一策”实施方案，推进"
    "贾鲁河“两处生活污水直排口截污纳管”（原定2025年11月15日前完成，已逾期）、"
    "东风渠“清除河道淤积与阻水障碍”（2026年3月15日前完成）、"
    "东风渠“沿河畜禽养殖污染整治”（2026年6月底前完成）、"
    "贾鲁河“实施生态补水与岸坡绿化”（2026年10月底前完成），"
    "对逾期的1项任务逐项督办、限期完成。"
)


@pytest.fixture
def street(county):
    return factories.StreetFactory(parent=county, name="东风街道", code="410100600")


def plan(river, *tasks):
    """A plan of ``river`` with ``tasks`` as (title, due, status)."""
    river_plan = factories.RiverPlanFactory(river=river, start_year=2024, end_year=2027)
    for title, due, status in tasks:
        factories.RiverPlanTaskFactory(plan=river_plan, title=title, due=due, status=status)
    return river_plan


@pytest.fixture
def plans(county, street):
    jialu = factories.RiverFactory(region=street, name="贾鲁河")
    dongfeng = factories.RiverFactory(region=street, name="东风渠")
    plan(
        jialu,
        ("清理岸线垃圾与违规种植", D(2025, 5, 31), TaskStatus.DONE),  # done: not cited
        ("两处生活污水直排口截污纳管", D(2025, 11, 15), TaskStatus.IN_PROGRESS),  # overdue
        ("实施生态补水与岸坡绿化", D(2026, 10, 31), TaskStatus.PLANNED),
        ("建设滨河湿地公园", D(2027, 6, 30), TaskStatus.PLANNED),  # after next year
    )
    plan(
        dongfeng,
        ("沿河畜禽养殖污染整治", D(2026, 6, 30), TaskStatus.PLANNED),
        ("清除河道淤积与阻水障碍", D(2026, 3, 15), TaskStatus.IN_PROGRESS),
    )
    other = factories.StreetFactory(parent=county, name="北河街道", code="410100700")
    plan(
        factories.RiverFactory(region=other, name="七里河"),
        ("七里河截污", D(2026, 5, 31), TaskStatus.PLANNED),
    )


def text_of(region, kind: str, year: int, period: int, **spec) -> str:
    first, last = period_bounds(kind=kind, year=year, period=period)
    stats = region_statistics(region=region, date_from=first, date_to=last)
    details = report_details(region=region, date_from=first, date_to=last, statistics=stats)
    report = Report(region=region, kind=kind, year=year, period=period, **spec)
    with translation.override("zh-hans"):
        content = compose(spec=ReportSpec.of(report), figures=stats, details=details)
    return "\n".join(plain_text(content))


def test_the_annual_report_cites_the_open_tasks_due_by_next_year(street, plans):
    text = text_of(street, ReportKind.ANNUAL, 2025, 0)
    assert SENTENCE in text, text
    assert "清理岸线垃圾" not in text
    assert "湿地公园" not in text
    assert "七里河" not in text


def test_beyond_five_tasks_the_sentence_counts_them_all(street):
    river = factories.RiverFactory(region=street, name="熊儿河")
    plan(
        river,
        *((f"任务{n}", D(2026, n, 10), TaskStatus.PLANNED) for n in range(1, 7)),
    )
    text = text_of(street, ReportKind.ANNUAL, 2025, 0)
    assert (
        "按照“一河一策”实施方案，推进熊儿河“任务1”（2026年1月10日前完成）、"
        "熊儿河“任务2”（2026年2月10日前完成）、熊儿河“任务3”（2026年3月10日前完成）、"
        "熊儿河“任务4”（2026年4月10日前完成）、熊儿河“任务5”（2026年5月10日前完成）"
        "等6项任务，确保按期完成。"
    ) in text, text


def test_a_report_without_open_plan_tasks_says_nothing_of_plans(street):
    done = factories.RiverFactory(region=street, name="金水河")
    plan(done, ("岸坡绿化", D(2025, 9, 30), TaskStatus.DONE))
    text = text_of(street, ReportKind.ANNUAL, 2025, 0)
    assert "一河一策" not in text
    assert "（五）" not in text
    # The next steps are still the four usual ones.
    assert "（四）发挥联动优势，形成治水合力。" in text


def test_quarterly_reports_and_the_offices_own_plans_cite_no_plan_tasks(street, plans):
    assert "一河一策" not in text_of(street, ReportKind.QUARTERLY, 2025, 4)
    own = text_of(street, ReportKind.ANNUAL, 2025, 0, plans="明年重点推进截污纳管。")
    assert "明年重点推进截污纳管。" in own
    assert "一河一策" not in own


def test_the_pdf_the_word_file_and_the_snapshot_hold_the_sentence(street, plans, tmp_path):
    report = factories.ReportFactory(region=street, kind=ReportKind.ANNUAL, year=2025, period=0)
    built = documents.build_documents(report=report, on_progress=lambda n: None)
    assert SENTENCE in pdf_text(built.pdf, tmp_path)
    paragraphs = [p.text for p in Document(io.BytesIO(built.docx)).paragraphs]
    assert SENTENCE in paragraphs
    assert built.data["version"] >= 4  # plan_tasks arrived with version 4
    assert [
        (row["river"], row["title"], row["due"], row["overdue"])
        for row in built.data["details"]["plan_tasks"]
    ] == [
        ("贾鲁河", "两处生活污水直排口截污纳管", "2025-11-15", True),
        ("东风渠", "清除河道淤积与阻水障碍", "2026-03-15", False),
        ("东风渠", "沿河畜禽养殖污染整治", "2026-06-30", False),
        ("贾鲁河", "实施生态补水与岸坡绿化", "2026-10-31", False),
    ]
    assert built.data["details"]["plan_tasks"][0]["responsible"] == "区水利局"
