"""The demo holds the chiefs' assessment schemes and this year's published rounds (four quarters
once the fourth has begun, and the year), and the street's annual report cites every one."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from reports import documents
from reports.models import (
    AssessmentAdjustment,
    AssessmentRound,
    AssessmentScheme,
    Report,
    ReportKind,
)
from tests.report_text import plain_text

from .documents import demo_street

QUARTERS = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo street seeded today (the day the assessment service computes on), and its
    annual report of this year built by the report job's own function."""
    today = timezone.localdate()
    with demo_street(django_db_blocker, tmp_path_factory, today=today) as street:
        report = Report.objects.create(
            region=street, kind=ReportKind.ANNUAL, year=today.year, period=0
        )
        built = documents.build_documents(report=report, on_progress=lambda n: None)
        yield today, street, "\n".join(plain_text(built.data["sections"])), built.data


def test_the_demo_holds_a_quarterly_and_a_yearly_chief_scheme(demo, db):
    schemes = [
        (s.name, s.subject, s.period, s.criteria) for s in AssessmentScheme.objects.order_by("pk")
    ]
    criteria = [
        {"key": "patrol_rate", "weight": 60.0, "target": 100.0},
        {"key": "resolution_rate", "weight": 40.0, "target": 90.0},
    ]
    assert schemes == [
        ("河长季度考核方案", "chief", "quarter", criteria),
        ("河长年度考核方案", "chief", "year", criteria),
    ]


def test_the_demo_publishes_each_begun_quarter_and_the_year(demo, db):
    today, street, _text, _data = demo
    rounds = AssessmentRound.objects.filter(region=street)
    assert {r.status for r in rounds} == {"published"}
    periods = sorted((r.year, r.period or 0) for r in rounds)
    quarter = (today.month - 1) // 3 + 1
    # On 5 December 2026: the four quarters of 2026 and the year 2026.
    assert periods == [(today.year, 0)] + [(today.year, q) for q in range(1, quarter + 1)]
    assert all(r.scores.count() >= 10 for r in rounds)


def test_the_demo_adjusts_two_scores_with_reasons(demo, db):
    today, _street, _text, _data = demo
    if today.month < 7:
        pytest.skip("the 加分 falls in the third quarter, not begun yet")
    adjustments = {
        (a.round.period, str(a.points), a.reason) for a in AssessmentAdjustment.objects.all()
    }
    assert adjustments == {
        (2, "-2.00", "巡河次数未达制度要求，经街道河长办通报后整改不到位，扣2分。"),
        (3, "3.00", "汛期带队排查便民桥、过水路面等涉河设施隐患，组织处置及时，加3分。"),
    }


def test_the_annual_report_cites_every_round(demo, db):
    today, street, text, data = demo
    cited = data["details"]["assessments"]
    rounds = AssessmentRound.objects.filter(region=street).order_by("period")
    assert [c["round"] for c in cited] == [r.pk for r in rounds if r.period] + [
        r.pk for r in rounds if not r.period
    ]
    line = next(line for line in text.splitlines() if "强化工作考核。" in line)
    as_of = f"（截至{today.month}月{today.day}日）"
    for round_ in rounds:
        scores = list(round_.scores.all())
        ranked = [s for s in scores if s.rank is not None]
        assert len(ranked) == len(scores), "the demo's chiefs all served the whole period"
        average = (sum(s.score for s in ranked) / len(ranked)).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        running = round_.period is None or round_.period == (today.month - 1) // 3 + 1
        name = QUARTERS[round_.period] if round_.period else f"{today.year}年度"
        average_text = format(average.normalize(), "f")
        assert (
            f"{name}考核{as_of if running else ''}：共考核河长{len(scores)}名，"
            f"平均得分{average_text}分"
        ) in line, line


def test_a_quarter_that_has_ended_is_not_marked_as_of(demo, db):
    _today, _street, text, _data = demo
    assert "第一季度考核：" in text
    assert "第一季度考核（截至" not in text
