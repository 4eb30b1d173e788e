"""Reads of the assessment (考核): schemes (the county's, seen by every region reader), rounds and
adjustments of the account's region and below."""

from django.db.models import QuerySet

from accounts.models import User

from .models import AssessmentAdjustment, AssessmentRound, AssessmentScheme, AssessmentScore


def assessment_scheme_list(*, user: User) -> QuerySet[AssessmentScheme]:
    return AssessmentScheme.objects.all()


def assessment_round_list(*, user: User) -> QuerySet[AssessmentRound]:
    return AssessmentRound.objects.visible_to(user).select_related("scheme", "region")


def assessment_adjustment_list(*, user: User) -> QuerySet[AssessmentAdjustment]:
    return AssessmentAdjustment.objects.visible_to(user).select_related("round")


def assessment_scores(*, round_: AssessmentRound) -> QuerySet[AssessmentScore]:
    """The round's scores, best first; the unranked (served under 30 days) last."""
    return round_.scores.all()


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
