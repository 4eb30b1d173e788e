"""Reads for activities: each list starts from the rows the user's region may see; and what the
work reports ask of the records before they print a sentence claiming the work."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from accounts.models import Region, User
from rivers.models import Chief, ChiefRole, Reach

from .models import (
    CheckTopic,
    Cleanup,
    FacilityCheck,
    Inspection,
    Meeting,
    OutfallCheck,
    PublicityEvent,
    SignUpdate,
    Venue,
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
    return (
        Inspection.objects.visible_to(user)
        .select_related("region", "created_by")
        .prefetch_related("participants")
    )


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


# --- Evidence for the work reports ---------------------------------------------------------------


@dataclass(frozen=True)
class JointPoliceChecks:
    """The checks a police chief took part in over a period: "街道河长联合*派出所警长对辖区河洪道
    进行全面排查。加大对辖区畜禽养殖业、屠宰行业的排查" is printed only when ``checks`` is not 0.

    ``units``: the police chiefs' units (派出所), distinct, in the order they first took part
    (blank units left out); ``topics``: the CheckTopic codes those checks covered, in the
    choices' order (``topic_labels`` reads them)."""

    checks: int
    units: tuple[str, ...]
    topics: tuple[str, ...]

    def __bool__(self) -> bool:
        return self.checks > 0

    @property
    def topic_labels(self) -> tuple[str, ...]:
        return tuple(str(CheckTopic(code).label) for code in self.topics)


def joint_police_checks(
    *, region: Region, date_from: datetime.date, date_to: datetime.date
) -> JointPoliceChecks:
    """Inspections of ``region`` (and below) dated in ``date_from``-``date_to`` (both inclusive)
    with a police chief (河道警长) among their participants, whatever their inspector kind. A
    police chief on the roster with no such record gives nothing: the roster is not evidence."""
    with_police = Inspection.participants.through.objects.filter(
        chief__role=ChiefRole.POLICE_CHIEF
    ).values("inspection_id")
    inspections = list(
        Inspection.objects.in_region(region)
        .filter(date__gte=date_from, date__lte=date_to, pk__in=with_police)
        .order_by("date", "pk")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Chief.objects.filter(role=ChiefRole.POLICE_CHIEF).order_by("pk"),
                to_attr="police",
            )
        )
    )
    units: dict[str, None] = {}
    covered: set[str] = set()
    for inspection in inspections:
        for chief in inspection.police:
            if chief.unit.strip():
                units.setdefault(chief.unit.strip(), None)
        covered.update(inspection.topics)
    return JointPoliceChecks(
        checks=len(inspections),
        units=tuple(units),
        topics=tuple(code for code in CheckTopic.values if code in covered),
    )


def publicity_venues(events: QuerySet[PublicityEvent]) -> list[str]:
    """The kinds of place (``Venue`` codes) the given publicity events were recorded at, in the
    choices' order: what lets a report say "进社区、进学校" and nothing it cannot show."""
    recorded: set[str] = set()
    for venues in events.values_list("venues", flat=True):
        recorded.update(venues or ())
    return [code for code in Venue.values if code in recorded]
