"""The demo's assessment (考核) for `manage.py seed_demo`: a further stage of
``demo.street.build_demo``, run once the patrols, issues and activities exist.

The county (the admin login) writes two schemes for the chiefs, one scored each quarter and one
each year, both on the patrol rate (weight 60, target 100 %) and the resolution rate (weight 40,
target 90 %). The first street's office then computes, through the office's own services
(reports.services_assessment), a round for each quarter of the current year that has begun and
one for the year; adds two adjustments with their reasons (a 扣分 in the second quarter, a 加分
in the third, when those quarters have begun); and publishes every round. The work reports of
that street then cite them (reports.content).

A period still running is scored as far as it has gone: the service owes nothing for a rule
period that has not ended, and counts the issues found so far. So on 5 December the fourth
quarter's and the year's rounds are those of 1 October (1 January) to today, and a report citing
them says "第四季度考核（截至12月5日）" rather than passing them off as the whole period. The
service computes on the clock's day, whatever ``today`` the demo was built for; a quarter that
has not begun by either is not computed.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from accounts.models import Role, User
from reports.models import AssessmentRound, AssessmentScore
from reports.services_assessment import (
    assessment_adjustment_create,
    assessment_round_compute,
    assessment_round_publish,
    assessment_scheme_create,
)
from rivers.models import ChiefRole

if TYPE_CHECKING:
    from .street import StreetPlan

CRITERIA = [
    {"key": "patrol_rate", "weight": 60, "target": 100},
    {"key": "resolution_rate", "weight": 40, "target": 90},
]
QUARTER_SCHEME = "河长季度考核方案"
YEAR_SCHEME = "河长年度考核方案"
# (quarter, points, reason); the subject is picked from the round's own scores (see _adjust).
PENALTY = (2, Decimal(-2), "巡河次数未达制度要求，经街道河长办通报后整改不到位，扣2分。")
BONUS = (
    3,
    Decimal(3),
    "汛期带队排查便民桥、过水路面等涉河设施隐患，组织处置及时，加3分。",
)


def build_assessment(*, streets: Sequence[StreetPlan], today: datetime.date) -> int:
    """Schemes and published rounds for the first street among ``streets`` (written in this run);
    returns how many rounds were published."""
    plan = next((plan for plan in streets if plan.number == 1), None)
    if plan is None:
        return 0
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    office = (
        User.objects.filter(role=Role.OFFICE, region=plan.street, is_active=True)
        .order_by("pk")
        .first()
    )
    if admin is None or office is None:
        return 0
    quarterly = assessment_scheme_create(
        user=admin, name=QUARTER_SCHEME, subject="chief", period="quarter", criteria=CRITERIA
    )
    yearly = assessment_scheme_create(
        user=admin, name=YEAR_SCHEME, subject="chief", period="year", criteria=CRITERIA
    )
    # The service refuses a period that has not begun on the clock's day.
    last = min(today, timezone.localdate())
    year = last.year
    rounds = []
    for quarter in range(1, (last.month - 1) // 3 + 2):
        round_ = assessment_round_compute(
            user=office, scheme=quarterly, region=plan.street, year=year, period=quarter
        )
        for when, points, reason in (PENALTY, BONUS):
            if when == quarter:
                _adjust(round_, office=office, points=points, reason=reason)
        rounds.append(round_)
    rounds.append(
        assessment_round_compute(user=office, scheme=yearly, region=plan.street, year=year)
    )
    for round_ in rounds:
        assessment_round_publish(user=office, round_=round_)
    return len(rounds)


def _adjust(round_: AssessmentRound, *, office: User, points: Decimal, reason: str) -> None:
    """扣分 for the ranked chief with the lowest patrol rate (the reason is about patrols);
    加分 for the street-level chief (a street chief leads the flood-season checks) scoring
    highest but under 100."""
    scores = list(round_.scores.filter(rank__isnull=False))
    if points < 0:
        candidates = sorted(scores, key=lambda s: (_patrol_rate(s), s.name, s.pk))
        candidates = [s for s in candidates if _patrol_rate(s) < 100]
    else:
        street_chiefs = set(
            round_.region.chiefs.filter(role=ChiefRole.STREET_CHIEF).values_list("pk", flat=True)
        )
        candidates = sorted(
            (s for s in scores if s.subject_id in street_chiefs and s.score < 100),
            key=lambda s: (-s.score, s.name, s.pk),
        )
    if candidates:
        assessment_adjustment_create(
            user=office,
            round=round_,
            subject_id=candidates[0].subject_id,
            points=points,
            reason=reason,
        )


def _patrol_rate(score: AssessmentScore) -> float:
    value = next((row["value"] for row in score.breakdown if row["key"] == "patrol_rate"), None)
    return 100.0 if value is None else value
