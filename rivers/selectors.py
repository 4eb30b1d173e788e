"""Reads of the organisation, rivers and assets; each starts from the user's visible rows."""

from django.db.models import Count, OuterRef, QuerySet, Subquery

from accounts.models import Region, User

from .models import (
    Chief,
    ChiefRole,
    Facility,
    MonitoringPoint,
    Outfall,
    Reach,
    River,
    Sign,
    WaterReading,
)


def region_list(*, user: User) -> QuerySet[Region]:
    return Region.objects.visible_to(user).select_related("parent")


def river_list(*, user: User) -> QuerySet[River]:
    return River.objects.visible_to(user).select_related("region")


def river_managed(*, user: User) -> QuerySet[River]:
    return River.objects.managed_by(user)


def reach_list(*, user: User) -> QuerySet[Reach]:
    return Reach.objects.visible_to(user).select_related("river", "region")


def chief_list(*, user: User) -> QuerySet[Chief]:
    return Chief.objects.visible_to(user).select_related("region").prefetch_related("reaches")


def sign_list(*, user: User) -> QuerySet[Sign]:
    return Sign.objects.visible_to(user).select_related("reach__river")


def outfall_list(*, user: User) -> QuerySet[Outfall]:
    return Outfall.objects.visible_to(user).select_related("reach__river")


def facility_list(*, user: User) -> QuerySet[Facility]:
    return Facility.objects.visible_to(user).select_related("reach__river")


def monitoring_point_list(*, user: User) -> QuerySet[MonitoringPoint]:
    return MonitoringPoint.objects.visible_to(user).select_related("river", "reach")


def water_reading_list(*, user: User) -> QuerySet[WaterReading]:
    # The point comes along: a reading's grade depends on its water body and target.
    return WaterReading.objects.visible_to(user).select_related("point__river")


def point_readings(*, point: MonitoringPoint) -> QuerySet[WaterReading]:
    """A point's readings, oldest first: what its trend is drawn from."""
    return point.readings.select_related("point").order_by("sampled_on")


def points_with_latest(*, user: User) -> list[tuple[MonitoringPoint, WaterReading | None]]:
    """The user's points, each with its latest reading (None before the first): two queries."""
    latest = (
        WaterReading.objects.filter(point=OuterRef("pk")).order_by("-sampled_on").values("pk")[:1]
    )
    points = list(
        monitoring_point_list(user=user).annotate(latest_id=Subquery(latest)).order_by("code")
    )
    readings = WaterReading.objects.in_bulk([p.latest_id for p in points if p.latest_id])
    pairs = []
    for point in points:
        reading = readings.get(point.latest_id)
        if reading is not None:
            reading.point = point  # its grade reads the point's target
        pairs.append((point, reading))
    return pairs


def region_overview(*, user: User) -> dict:
    """What the user's region holds: the counts on the home page."""
    by_role = dict(
        Chief.objects.visible_to(user)
        .filter(relieved_on__isnull=True)
        .values_list("role")
        .annotate(n=Count("pk"))
    )
    return {
        "region": user.region,
        "regions": Region.objects.visible_to(user).count(),
        "rivers": River.objects.visible_to(user).count(),
        "reaches": Reach.objects.visible_to(user).count(),
        "chiefs": [(label, by_role.get(value, 0)) for value, label in ChiefRole.choices],
        "signs": Sign.objects.visible_to(user).count(),
        "outfalls": Outfall.objects.visible_to(user).count(),
        "facilities": Facility.objects.visible_to(user).count(),
    }
