"""Reads of the organisation, rivers and assets; each starts from the user's visible rows."""

import datetime

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from accounts.models import Region, User

from .models import (
    Chief,
    ChiefRole,
    Facility,
    MonitoringPoint,
    Outfall,
    Reach,
    River,
    RiverPlan,
    RiverPlanTask,
    RiverPlanTaskNote,
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


def points_with_latest(
    *, user: User, region: Region | None = None, limit: int | None = None
) -> list[tuple[MonitoringPoint, WaterReading | None]]:
    """The user's points (in ``region`` and below, if given; the first ``limit`` by code), each
    with its latest reading (None before the first): two queries."""
    latest = (
        WaterReading.objects.filter(point=OuterRef("pk")).order_by("-sampled_on").values("pk")[:1]
    )
    rows = monitoring_point_list(user=user)
    if region is not None:
        rows = rows.in_region(region)
    rows = rows.annotate(latest_id=Subquery(latest)).order_by("code")
    points = list(rows[:limit] if limit is not None else rows)
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


def river_plan_list(*, user: User) -> QuerySet[RiverPlan]:
    """The plans of the rivers the user sees, with their tasks and notes (three queries for any
    number of plans)."""
    tasks = RiverPlanTask.objects.select_related("responsible_region").prefetch_related(
        Prefetch("notes", queryset=RiverPlanTaskNote.objects.select_related("by"))
    )
    return (
        RiverPlan.objects.visible_to(user)
        .select_related("river")
        .prefetch_related(Prefetch("tasks", queryset=tasks))
    )


def river_plan_managed(*, user: User) -> QuerySet[RiverPlan]:
    return RiverPlan.objects.managed_by(user)


def river_plan_open_tasks(
    *,
    user: User | None = None,
    region: Region | int | None = None,
    year: int | None = None,
    overdue_on: datetime.date | None = None,
) -> QuerySet[RiverPlanTask]:
    """The tasks of the river plans not done yet, soonest due first: those the user sees, or
    those of plans of the rivers in ``region`` (and below; a report's region), or both.

    ``year``: tasks due in that year or earlier and still open (what a year's report lists as
    next steps); ``overdue_on``: only those past their due date on that day."""
    if user is None and region is None:
        raise TypeError("river_plan_open_tasks needs a user or a region")
    tasks = RiverPlanTask.objects.open()
    if user is not None:
        tasks = tasks.visible_to(user)
    if region is not None:
        tasks = tasks.in_region(region)
    if year is not None:
        tasks = tasks.filter(due__year__lte=year)
    if overdue_on is not None:
        tasks = tasks.filter(due__lt=overdue_on)
    return tasks.select_related("plan__river", "responsible_region").order_by("due", "pk")
