"""Reads of the assessment (考核): schemes (the county's, seen by every region reader), rounds and
adjustments of the account's region and below."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Region, User

from .assessment import period_bounds
from .models import (
    AssessmentAdjustment,
    AssessmentRound,
    AssessmentScheme,
    AssessmentScore,
    AssessmentSubject,
    RoundStatus,
)

CENTS = Decimal("0.01")
# A report names the subjects ranked this high (ties included: 1, 1, 3 are three names).
TOP_RANKS = 3
SUBJECT_ORDER = list(AssessmentSubject.values)


def assessment_scheme_list(*, user: User) -> QuerySet[AssessmentScheme]:
    return AssessmentScheme.objects.all()


def assessment_round_list(*, user: User) -> QuerySet[AssessmentRound]:
    return AssessmentRound.objects.visible_to(user).select_related("scheme", "region")


def assessment_adjustment_list(*, user: User) -> QuerySet[AssessmentAdjustment]:
    return AssessmentAdjustment.objects.visible_to(user).select_related("round")


def assessment_scores(*, round_: AssessmentRound) -> QuerySet[AssessmentScore]:
    """The round's scores, best first; the unranked (served under 30 days) last."""
    return round_.scores.all()


def _period_bounds(round_: AssessmentRound) -> tuple[datetime.date, datetime.date]:
    return period_bounds(round_.year, round_.period)


def published_citations(
    *, region: Region, date_from: datetime.date, date_to: datetime.date
) -> list[dict[str, Any]]:
    """What a work report of ``region`` over [date_from, date_to] cites of the assessment: the
    published rounds of that region whose period (a quarter, or a year) lies within the report's
    (a quarterly report: its quarter; a half-year: its quarters; a year: its quarters and the
    year), the latest published one of each scheme and period; quarters first, then the year.

    Each is plain data for the report's snapshot: the scheme, subject, year, period (null for a
    year), the day it was computed and the period's last day, how many subjects were scored and
    how many of them are ranked, the average score (all scored, two decimals) and the scores
    ranked 1 to 3 (ties included). A round with no score is left out."""
    rounds = (
        AssessmentRound.objects.filter(
            region=region,
            status=RoundStatus.PUBLISHED,
            year__gte=date_from.year,
            year__lte=date_to.year,
        )
        .select_related("scheme")
        .order_by("published_at", "pk")
    )
    latest: dict[tuple[int, int, int | None], AssessmentRound] = {}
    for round_ in rounds:
        first, last = _period_bounds(round_)
        if date_from <= first and last <= date_to:
            latest[round_.scheme_id, round_.year, round_.period] = round_
    chosen = sorted(
        latest.values(),
        key=lambda r: (
            r.year,
            r.period is None,
            r.period or 0,
            SUBJECT_ORDER.index(r.scheme.subject),
            r.scheme.name,
            r.pk,
        ),
    )
    scores: dict[int, list[AssessmentScore]] = {r.pk: [] for r in chosen}
    for score in AssessmentScore.objects.filter(round__in=chosen):
        scores[score.round_id].append(score)
    citations = []
    for round_ in chosen:
        listed = scores[round_.pk]
        if not listed:
            continue
        total = sum((score.score for score in listed), Decimal(0))
        ranked = [score for score in listed if score.rank is not None]
        top = sorted(
            (score for score in ranked if score.rank <= TOP_RANKS),
            key=lambda score: (score.rank, score.name, score.pk),
        )
        citations.append(
            {
                "round": round_.pk,
                "scheme": round_.scheme.name,
                "subject": round_.scheme.subject,
                "year": round_.year,
                "period": round_.period,
                "date_to": _period_bounds(round_)[1].isoformat(),
                "computed_on": timezone.localdate(round_.computed_at).isoformat()
                if round_.computed_at
                else None,
                "assessed": len(listed),
                "ranked": len(ranked),
                "average": str((total / len(listed)).quantize(CENTS, ROUND_HALF_UP)),
                "top": [
                    {"name": score.name, "score": str(score.score), "rank": score.rank}
                    for score in top
                ],
            }
        )
    return citations
