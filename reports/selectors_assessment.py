"""Reads of the assessment (考核): schemes (the county's, seen by every region reader), rounds and
adjustments of the account's region and below."""

from django.db.models import QuerySet

from accounts.models import User

from .models import AssessmentAdjustment, AssessmentRound, AssessmentScheme, AssessmentScore


def assessment_scheme_list(*, user: User) -> QuerySet[AssessmentScheme]:
    return AssessmentScheme.objects.all()


def assessment_round_list(*, user: User) -> QuerySet[AssessmentRound]:
    return AssessmentRound.objects.visible_to(user).select_related("scheme", "region", "document")


def assessment_adjustment_list(*, user: User) -> QuerySet[AssessmentAdjustment]:
    return AssessmentAdjustment.objects.visible_to(user).select_related("round")


def assessment_scores(*, round_: AssessmentRound) -> QuerySet[AssessmentScore]:
    """The round's scores, best first; the unranked (served under 30 days) last."""
    return round_.scores.all()
