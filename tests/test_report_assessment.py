"""A work report cites the published assessment rounds (考核) of its region and period, in the
words of a sentence written here by hand, and says nothing of results where none was published."""

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from docx import Document

from reports import documents
from reports.content import ReportSpec, compose
from reports.models import (
    AssessmentRound,
    AssessmentScheme,
    AssessmentScore,
    Report,
    ReportKind,
    RoundStatus,
)
from reports.statistics import period_bounds, region_statistics, report_details
from tests.report_text import plain_text

from . import factories
from .test_report_seed import pdf_text

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
CRITERIA = [
    {"key": "patrol_rate", "weight": 60, "target": 100},
    {"key": "resolution_rate", "weight": 40, "target": 90},
]

Q3_SENTENCE = (
    "第三季度考核：共考核河长5名，其中1名任职不足30天，不参与排名；参与排名的4名平均得分86.94分，"
    "排名前三的是张伟（96.5分）、李娜（92分）、王强（88.25分）。"
)
YEAR_SENTENCE = (
    "2026年度考核：共考核社区4个，平均得分90分，"
    "排名前三的社区是东关社区（95分）、西关社区（95分）、南街社区（90分）。"
)
Q1_SENTENCE = "第一季度考核：共考核河长2名，平均得分75.5分，排名依次为张伟（81分）、李娜（70分）。"


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)


def published(scheme, region, *, year, period, computed, scores, status=RoundStatus.PUBLISHED):
    """A round as the office leaves it: ``scores`` are (name, score, rank, served days)."""
    round_ = AssessmentRound.objects.create(
        scheme=scheme,
        region=region,
        year=year,
        period=period,
        status=status,
        computed_at=at(computed),
        published_at=at(computed) if status == RoundStatus.PUBLISHED else None,
    )
    for number, (name, score, rank, days) in enumerate(scores, start=1):
        AssessmentScore.objects.create(
            round=round_,
            subject_id=number,
            name=name,
            served_days=days,
            score=Decimal(score),
            rank=rank,
        )
    return round_


@pytest.fixture
def street(county):
    return factories.StreetFactory(parent=county, name="南河街道", code="410100600")


@pytest.fixture
def chief_scheme(db):
    return AssessmentScheme.objects.create(
        name="河长季度考核", subject="chief", period="quarter", criteria=CRITERIA
    )


@pytest.fixture
def community_scheme(db):
    return AssessmentScheme.objects.create(
        name="社区年度考核", subject="community", period="year", criteria=CRITERIA
    )


Q3_SCORES = [
    ("张伟", "96.50", 1, 92),
    ("李娜", "92.00", 2, 92),
    ("王强", "88.25", 3, 92),
    ("赵敏", "71.00", 4, 92),
    ("刘洋", "80.00", None, 20),  # served 20 days: listed, not ranked
]


def text_of(region, kind: str, year: int, period: int) -> str:
    first, last = period_bounds(kind=kind, year=year, period=period)
    stats = region_statistics(region=region, date_from=first, date_to=last)
    details = report_details(region=region, date_from=first, date_to=last, statistics=stats)
    report = Report(region=region, kind=kind, year=year, period=period)
    with translation.override("zh-hans"):
        content = compose(spec=ReportSpec.of(report), figures=stats, details=details)
    return "\n".join(plain_text(content))


def test_a_quarterly_report_cites_its_published_round(street, chief_scheme):
    published(chief_scheme, street, year=2026, period=3, computed=D(2026, 10, 8), scores=Q3_SCORES)
    text = text_of(street, ReportKind.QUARTERLY, 2026, 3)
    assert "强化工作考核。" + Q3_SENTENCE in text, text


def test_a_draft_round_is_not_cited(street, chief_scheme):
    published(
        chief_scheme,
        street,
        year=2026,
        period=3,
        computed=D(2026, 10, 8),
        scores=Q3_SCORES,
        status=RoundStatus.DRAFT,
    )
    text = text_of(street, ReportKind.QUARTERLY, 2026, 3)
    assert "考核：" not in text
    assert "强化工作考核" not in text
    assert "平均得分" not in text
    # The plan for next steps stays a plan, claiming no result.
    assert "将巡河率和问题解决率纳入年度考核，确保河长制工作顺利开展。" in text


def test_rounds_of_other_periods_and_regions_are_not_cited(county, street, chief_scheme):
    other = factories.StreetFactory(parent=county, name="北河街道", code="410100700")
    published(chief_scheme, other, year=2026, period=3, computed=D(2026, 10, 8), scores=Q3_SCORES)
    published(
        chief_scheme, street, year=2026, period=2, computed=D(2026, 7, 6), scores=Q3_SCORES[:2]
    )
    text = text_of(street, ReportKind.QUARTERLY, 2026, 3)
    assert "考核：" not in text


def test_the_annual_report_cites_the_quarters_and_the_year(street, chief_scheme, community_scheme):
    published(
        chief_scheme,
        street,
        year=2026,
        period=1,
        computed=D(2026, 4, 3),
        scores=[("张伟", "81.00", 1, 90), ("李娜", "70.00", 2, 90)],
    )
    published(chief_scheme, street, year=2026, period=3, computed=D(2026, 10, 8), scores=Q3_SCORES)
    published(
        community_scheme,
        street,
        year=2026,
        period=None,
        computed=D(2027, 1, 5),
        scores=[
            ("东关社区", "95.00", 1, 365),
            ("西关社区", "95.00", 1, 365),  # a tie shares rank 1; the next is 3
            ("南街社区", "90.00", 3, 365),
            ("北街社区", "80.00", 4, 365),
        ],
    )
    text = text_of(street, ReportKind.ANNUAL, 2026, 0)
    assert "强化工作考核。" + Q1_SENTENCE + Q3_SENTENCE + YEAR_SENTENCE in text, text
    # The first half cites its quarters, not the third nor the year.
    half = text_of(street, ReportKind.HALF_YEAR, 2026, 1)
    assert "强化工作考核。" + Q1_SENTENCE in half
    assert "第三季度考核" not in half and "年度考核：" not in half


def test_a_round_computed_before_its_period_ended_says_as_of_when(street, chief_scheme):
    published(
        chief_scheme,
        street,
        year=2026,
        period=4,
        computed=D(2026, 12, 5),
        scores=[("张伟", "81.00", 1, 66), ("李娜", "70.00", 2, 66)],
    )
    text = text_of(street, ReportKind.QUARTERLY, 2026, 4)
    assert (
        "第四季度考核（截至12月5日）：共考核河长2名，平均得分75.5分，"
        "排名依次为张伟（81分）、李娜（70分）。"
    ) in text


def test_the_latest_published_round_of_a_period_is_cited(street, chief_scheme):
    published(
        chief_scheme,
        street,
        year=2026,
        period=1,
        computed=D(2026, 4, 1),
        scores=[("张伟", "60.00", 1, 90), ("李娜", "50.00", 2, 90)],
    )
    published(
        chief_scheme,
        street,
        year=2026,
        period=1,
        computed=D(2026, 4, 3),
        scores=[("张伟", "81.00", 1, 90), ("李娜", "70.00", 2, 90)],
    )
    text = text_of(street, ReportKind.QUARTERLY, 2026, 1)
    assert text.count("第一季度考核：") == 1
    assert Q1_SENTENCE in text


def test_the_pdf_the_word_file_and_the_snapshot_hold_the_sentence(street, chief_scheme, tmp_path):
    round_ = published(
        chief_scheme, street, year=2026, period=3, computed=D(2026, 10, 8), scores=Q3_SCORES
    )
    report = factories.ReportFactory(region=street, kind=ReportKind.QUARTERLY, year=2026, period=3)
    built = documents.build_documents(report=report, on_progress=lambda n: None)
    assert Q3_SENTENCE in "".join(pdf_text(built.pdf, tmp_path).split())
    paragraphs = [p.text for p in Document(io.BytesIO(built.docx)).paragraphs]
    assert any(Q3_SENTENCE in paragraph for paragraph in paragraphs)
    assert built.data["details"]["assessments"] == [
        {
            "round": round_.pk,
            "scheme": "河长季度考核",
            "subject": "chief",
            "year": 2026,
            "period": 3,
            "date_to": "2026-09-30",
            "computed_on": "2026-10-08",
            "assessed": 5,
            "ranked": 4,
            "average": "86.94",
            "top": [
                {"name": "张伟", "score": "96.50", "rank": 1},
                {"name": "李娜", "score": "92.00", "rank": 2},
                {"name": "王强", "score": "88.25", "rank": 3},
            ],
        }
    ]


def test_ties_filling_the_top_three_are_named_once_with_their_count(street, chief_scheme):
    published(
        chief_scheme,
        street,
        year=2026,
        period=2,
        computed=D(2026, 7, 2),
        scores=[
            ("曹东娟", "100.00", 1, 91),
            ("杨东辉", "100.00", 1, 91),
            ("潘玉芳", "100.00", 1, 91),
            ("罗洋建", "100.00", 1, 91),
            ("韩刚", "90.00", 5, 91),
        ],
    )
    text = text_of(street, ReportKind.QUARTERLY, 2026, 2)
    assert (
        "第二季度考核：共考核河长5名，平均得分98分，曹东娟、杨东辉、潘玉芳等4名河长并列第一"
        "（100分）。"
    ) in text
