"""Reads for activities: each list starts from the rows the user's region may see."""

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from rivers.models import Reach

from .models import (
    Cleanup,
    FacilityCheck,
    Inspection,
    Meeting,
    OutfallCheck,
    PublicityEvent,
    SignUpdate,
)


def publicity_event_list(*, user: User) -> QuerySet[PublicityEvent]:
    return PublicityEvent.objects.visible_to(user).select_related("region", "created_by")


def cleanup_list(*, user: User) -> QuerySet[Cleanup]:
    return (
        Cleanup.objects.visible_to(user)
        .select_related("region", "created_by")
        .prefetch_related(Prefetch("reaches", queryset=Reach.objects.select_related("river")))
    )


def meeting_list(*, user: User) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(user).select_related("region", "created_by")


def inspection_list(*, user: User) -> QuerySet[Inspection]:
    return Inspection.objects.visible_to(user).select_related("region", "created_by")


def sign_update_list(*, user: User) -> QuerySet[SignUpdate]:
    return SignUpdate.objects.visible_to(user).select_related(
        "sign__reach__river", "sign__reach__region", "created_by"
    )


def outfall_check_list(*, user: User) -> QuerySet[OutfallCheck]:
    return OutfallCheck.objects.visible_to(user).select_related(
        "outfall__reach__river", "outfall__reach__region", "issue", "created_by"
    )


def facility_check_list(*, user: User) -> QuerySet[FacilityCheck]:
    return FacilityCheck.objects.visible_to(user).select_related(
        "facility__reach__river", "facility__reach__region", "issue", "created_by"
    )
