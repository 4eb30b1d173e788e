"""Reads of the assessment (考核): schemes (the county's, seen by every region reader), rounds and
adjustments of the account's region and below; a chief's own published scores (``/me/``) and the
latest published ranking of a region (the dashboard)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from accounts.models import Region, User
from rivers.models import Chief

from .assessment import CENTS, CRITERIA, period_bounds
from .models import (
    AssessmentAdjustment,
    AssessmentRound,
    AssessmentScheme,
    AssessmentScore,
    AssessmentSubject,
    RoundStatus,
)

# The dashboard's ranking: the first ten, and the last three when there are more than 13.
RANKING_TOP = 10
RANKING_BOTTOM = 3
# A report names the subjects ranked this high (ties included: 1, 1, 3 are three names).
TOP_RANKS = 3
SUBJECT_ORDER = list(AssessmentSubject.values)


def assessment_scheme_list(*, user: User) -> QuerySet[AssessmentScheme]:
    return AssessmentScheme.objects.all()


def assessment_round_list(*, user: User) -> QuerySet[AssessmentRound]:
    return AssessmentRound.objects.visible_to(user).select_related("scheme", "region", "document")


def assessment_adjustment_list(*, user: User) -> QuerySet[AssessmentAdjustment]:
    return AssessmentAdjustment.objects.visible_to(user).select_related("round")


def assessment_scores(*, round_: AssessmentRound) -> QuerySet[AssessmentScore]:
    """The round's scores, best first; the unranked (served under 30 days) last."""
    return round_.scores.all()


def _newest_first(rounds_path: str = "") -> list:
    """Newest period first: a year's round before its fourth quarter's (it covers it)."""
    return [
        F(f"{rounds_path}year").desc(),
        F(f"{rounds_path}period").desc(nulls_first=True),
        F(f"{rounds_path}published_at").desc(nulls_last=True),
        F(f"{rounds_path}pk").desc(),
    ]


def _ranked_in_round() -> Subquery:
    """The number of ranked subjects in the outer score's round."""
    return Subquery(
        AssessmentScore.objects.filter(round=OuterRef("round"), rank__isnull=False)
        .order_by()
        .values("round")
        .annotate(n=Count("pk"))
        .values("n")
    )


@dataclass(frozen=True)
class ScorePart:
    """One criterion of a score: its label, the value (a percentage; None: nothing to divide,
    full points) and the points."""

    key: str
    label: str
    value: Decimal | None
    points: Decimal
    weight: Decimal | None  # the criterion's weight in the round's scheme: the most it scores


@dataclass(frozen=True)
class ChiefScore:
    """A chief's score in a published round: ``score.round`` (with its scheme) is loaded;
    ``ranked`` is the number of subjects ranked in the round (第N名 / 共M人)."""

    score: AssessmentScore
    ranked: int
    parts: list[ScorePart]
    adjustments: list[AssessmentAdjustment]

    @property
    def round(self) -> AssessmentRound:
        return self.score.round


def _parts(breakdown: list[dict], scheme: AssessmentScheme) -> list[ScorePart]:
    weights = {row["key"]: Decimal(str(row["weight"])) for row in scheme.criteria}
    return [
        ScorePart(
            key=row["key"],
            label=str(CRITERIA[row["key"]].label) if row["key"] in CRITERIA else row["key"],
            value=None if row.get("value") is None else Decimal(str(row["value"])),
            points=Decimal(str(row["points"])),
            weight=weights.get(row["key"]),
        )
        for row in breakdown
    ]


def chief_scores(*, chief: Chief) -> list[ChiefScore]:
    """The chief's own scores in the published rounds of chief schemes, newest first, with the
    breakdown and the adjustments (their reasons) made to that chief's score. Nobody else's
    score, no draft. Two queries (one when there is none)."""
    scores = list(
        AssessmentScore.objects.filter(
            subject_id=chief.pk,
            round__status=RoundStatus.PUBLISHED,
            round__scheme__subject=AssessmentSubject.CHIEF,
        )
        .select_related("round__scheme")
        .annotate(ranked=Coalesce(_ranked_in_round(), 0))
        .order_by(*_newest_first("round__"))
    )
    if not scores:
        return []
    adjustments: dict[int, list[AssessmentAdjustment]] = {}
    for adjustment in AssessmentAdjustment.objects.filter(
        round_id__in=[score.round_id for score in scores], subject_id=chief.pk
    ).order_by("created_at", "pk"):
        adjustments.setdefault(adjustment.round_id, []).append(adjustment)
    return [
        ChiefScore(
            score=score,
            ranked=score.ranked,
            parts=_parts(score.breakdown, score.round.scheme),
            adjustments=adjustments.get(score.round_id, []),
        )
        for score in scores
    ]


@dataclass(frozen=True)
class RankingLine:
    name: str
    score: Decimal
    rank: int


@dataclass(frozen=True)
class RoundRanking:
    """A published round's ranking for the dashboard: the first ``RANKING_TOP``, the last
    ``RANKING_BOTTOM`` when there are more than both, the average score of the ranked subjects
    (those who served under 30 days are listed in the round, not ranked, and not averaged)."""

    round: AssessmentRound
    ranked: int
    average: Decimal | None
    top: list[RankingLine]
    bottom: list[RankingLine]

    def as_dict(self) -> dict[str, Any]:
        def line(row: RankingLine) -> dict[str, Any]:
            return {"name": row.name, "score": float(row.score), "rank": row.rank}

        return {
            "round_id": self.round.pk,
            "scheme": self.round.scheme.name,
            "year": self.round.year,
            "period": self.round.period,
            "period_name": self.round.period_name,
            "ranked": self.ranked,
            "average": None if self.average is None else float(self.average),
            "top": [line(row) for row in self.top],
            "bottom": [line(row) for row in self.bottom],
        }


def latest_ranking(*, user: User, region: Region) -> RoundRanking | None:
    """The latest published round of ``region`` itself (not of the regions below it) that
    ``user`` may see, ranked; None when there is none. Two queries at most, whatever the round's
    size: the round with its count and average, then the lines shown."""
    ranked_only = Q(scores__rank__isnull=False)
    round_ = (
        AssessmentRound.objects.visible_to(user)
        .filter(region=region, status=RoundStatus.PUBLISHED)
        .select_related("scheme")
        .annotate(
            ranked=Count("scores", filter=ranked_only),
            average=Avg("scores__score", filter=ranked_only),
        )
        .order_by(*_newest_first())
        .first()
    )
    if round_ is None:
        return None
    ranked = round_.ranked
    average = round_.average
    if average is not None:
        average = Decimal(average).quantize(CENTS, ROUND_HALF_UP)
    shown = Q(place__lte=RANKING_TOP)
    if ranked > RANKING_TOP + RANKING_BOTTOM:
        shown |= Q(place__gt=ranked - RANKING_BOTTOM)
    lines = (
        round_.scores.filter(rank__isnull=False)
        .annotate(place=Window(RowNumber(), order_by=("rank", "name", "pk")))
        .filter(shown)
        .order_by("place")
        .values_list("name", "score", "rank", "place")
    )
    top, bottom = [], []
    for name, score, rank, place in lines:
        (top if place <= RANKING_TOP else bottom).append(RankingLine(name, score, rank))
    return RoundRanking(round=round_, ranked=ranked, average=average, top=top, bottom=bottom)


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
    how many of them are ranked, the average score (of the ranked, as the dashboard's
    ``latest_ranking``: one who served under 30 days is not averaged; two decimals) and the scores
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
        ranked = [score for score in listed if score.rank is not None]
        total = sum((score.score for score in ranked), Decimal(0))
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
                "average": str((total / len(ranked)).quantize(CENTS, ROUND_HALF_UP))
                if ranked
                else None,
                "top": [
                    {"name": score.name, "score": str(score.score), "rank": score.rank}
                    for score in top
                ],
            }
        )
    return citations


def assessment_round_adjustments(*, round_: AssessmentRound) -> list[AssessmentAdjustment]:
    """The round's adjustments, newest first, each with ``subject_name`` (its score's name; empty
    when the subject has left the round on a recomputation): two queries."""
    adjustments = list(round_.adjustments.select_related("created_by"))
    names = dict(
        round_.scores.filter(subject_id__in={a.subject_id for a in adjustments}).values_list(
            "subject_id", "name"
        )
    )
    for adjustment in adjustments:
        adjustment.subject_name = names.get(adjustment.subject_id, "")
    return adjustments
