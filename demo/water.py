"""The demo's water quality for `manage.py seed_demo`: a further stage of
``demo.street.build_demo``, run after the river plans.

The first street's office registers five monitoring sections (监测断面) on three of its rivers and
records a year of monthly readings up to last month, and quarterly ones for the year before,
through the rivers' own services (each write audited as the office's). The values come from the
small tables below, so the story is plain to read:

- 贾鲁河庙李桥 (boundary, target III) and 东风渠东风桥 (city, target IV) meet their targets all
  year; 金水河丰庆路桥 (target III) meets it except in the summer, when total phosphorus rises,
  and did worse the year before;
- 贾鲁河张家村桥 (target IV) gets worse month by month: ammonia nitrogen rises from class II to
  class V, as the plan's sewage outfalls wait to be connected;
- 东风渠关虎屯桥 (boundary, target IV) is worse than class V (劣V) every month: ammonia nitrogen
  about 2.4 mg/L and total phosphorus about 0.5, from the livestock along the channel.

Each point has a base value per parameter (mg/L); a month's value is the base times that month's
seasonal factor (more pollution and less dissolved oxygen in the summer floods), except where a
point's story gives the values month by month. No random draws. The grades follow by GB
3838-2002 on every read (``rivers.water_quality.assess``); nothing here states them.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from accounts.models import Role, User
from rivers.models import MonitoringLevel, MonitoringPoint, Reach, River
from rivers.services import monitoring_point_create, water_reading_create
from rivers.water_quality import TargetGrade

if TYPE_CHECKING:
    from .street import StreetPlan

# Readings are sampled on this day of each month.
SAMPLING_DAY = 10
MONTHS = 12
# The year before: one reading a quarter, the months -24, -21, -18 and -15 before this one.
EARLIER_MONTHS = (24, 21, 18, 15)

# Calendar month -> factor on the pollutants (COD, BOD5, ammonia, phosphorus...) and on oxygen.
POLLUTION = (0.9, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.2, 1.1, 1.0, 0.95, 0.9)
OXYGEN = (1.15, 1.15, 1.1, 1.0, 0.95, 0.9, 0.85, 0.85, 0.9, 1.0, 1.1, 1.15)

PLACES = {
    "do": Decimal("0.01"),
    "codmn": Decimal("0.01"),
    "cod": Decimal("0.1"),
    "bod5": Decimal("0.01"),
    "nh3n": Decimal("0.001"),
    "tp": Decimal("0.001"),
    "tn": Decimal("0.01"),
}


def _base(do, codmn, cod, bod5, nh3n, tp, tn) -> dict[str, str]:
    return {
        "do": do,
        "codmn": codmn,
        "cod": cod,
        "bod5": bod5,
        "nh3n": nh3n,
        "tp": tp,
        "tn": tn,
    }


@dataclass(frozen=True)
class PointPlan:
    code: str
    name: str
    river: str
    # Which of the river's reaches it lies on (upstream first), None for a boundary section,
    # which belongs to the street rather than to a community; ``at``: where along that reach,
    # or along the whole river for a boundary section (0 upstream end, 1 downstream end).
    reach: int | None
    at: float
    level: str
    target: str
    base: dict[str, str]
    # Values given month by month (oldest first) instead of base x season, per parameter.
    monthly: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The year before: base values where they differed.
    earlier: dict[str, str] = field(default_factory=dict)


POINTS: tuple[PointPlan, ...] = (
    PointPlan(
        code="DF-SZ-01",
        name="贾鲁河庙李桥断面",
        river="贾鲁河",
        reach=None,
        at=0.0,
        level=MonitoringLevel.BOUNDARY,
        target=TargetGrade.III,
        base=_base("6.8", "4.3", "15", "3.1", "0.42", "0.13", "2.6"),
    ),
    PointPlan(
        code="DF-SZ-02",
        name="贾鲁河张家村桥断面",
        river="贾鲁河",
        reach=-1,
        at=0.5,
        level=MonitoringLevel.COUNTY,
        target=TargetGrade.IV,
        base=_base("7.0", "4.2", "14", "2.8", "0.45", "0.09", "3.1"),
        # Class II at first, III from the third month, IV from the seventh, V in the last two.
        monthly={
            "nh3n": (
                "0.40",
                "0.44",
                "0.52",
                "0.58",
                "0.70",
                "0.85",
                "1.08",
                "1.20",
                "1.34",
                "1.46",
                "1.66",
                "1.85",
            )
        },
    ),
    PointPlan(
        code="DF-SZ-03",
        name="东风渠东风桥断面",
        river="东风渠",
        reach=0,
        at=0.5,
        level=MonitoringLevel.CITY,
        target=TargetGrade.IV,
        base=_base("5.6", "6.5", "22", "4.5", "0.9", "0.2", "4.2"),
    ),
    PointPlan(
        code="DF-SZ-04",
        name="东风渠关虎屯桥断面",
        river="东风渠",
        reach=None,
        at=1.0,
        level=MonitoringLevel.BOUNDARY,
        target=TargetGrade.IV,
        base=_base("3.6", "9", "32", "6.5", "2.4", "0.5", "6.8"),
        earlier={"nh3n": "2.6", "tp": "0.55"},
    ),
    PointPlan(
        code="DF-SZ-05",
        name="金水河丰庆路桥断面",
        river="金水河",
        reach=-1,
        at=0.4,
        level=MonitoringLevel.COUNTY,
        target=TargetGrade.III,
        # Total phosphorus 0.17: class III, but IV (0.204) in July and August.
        base=_base("6.6", "4.4", "15", "3.0", "0.40", "0.17", "2.9"),
        earlier={"tp": "0.22", "nh3n": "0.55"},
    ),
)


def month_back(today: datetime.date, months: int) -> datetime.date:
    """The sampling day ``months`` months before today's month."""
    index = today.year * 12 + today.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, SAMPLING_DAY)


def reading_days(today: datetime.date) -> list[datetime.date]:
    """This year of monthly samplings, oldest first, the last one last month."""
    return [month_back(today, months) for months in range(MONTHS, 0, -1)]


def earlier_days(today: datetime.date) -> list[datetime.date]:
    return [month_back(today, months) for months in EARLIER_MONTHS]


def reading_values(
    point: PointPlan, day: datetime.date, *, index: int | None
) -> dict[str, Decimal]:
    """The values of ``point`` sampled on ``day``: the ``index``-th of this year's monthly
    readings, or (None) one of the year before."""
    base = dict(point.base)
    if index is None:
        base.update(point.earlier)
    values = {}
    for parameter, text in base.items():
        if index is not None and parameter in point.monthly:
            value = Decimal(point.monthly[parameter][index])
        else:
            table = OXYGEN if parameter == "do" else POLLUTION
            value = Decimal(text) * Decimal(str(table[day.month - 1]))
        values[parameter] = value.quantize(PLACES[parameter], rounding=ROUND_HALF_UP)
    return values


def _position(point: PointPlan, reaches: list[Reach]) -> tuple[Reach | None, Decimal, Decimal]:
    """The point's reach and where it lies: on the reach's drawn course, or for a boundary
    section at the river's upstream or downstream end."""
    if point.reach is None:
        reach = reaches[0] if point.at < 0.5 else reaches[-1]
        on = None
    else:
        reach = on = reaches[point.reach]
    coordinates = reach.geometry["coordinates"]
    if point.reach is None:
        lon, lat = coordinates[0] if point.at < 0.5 else coordinates[-1]
    else:
        lon, lat = coordinates[round(point.at * (len(coordinates) - 1))]
    return on, Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


def build_water(*, streets: Sequence[StreetPlan], today: datetime.date) -> int:
    """The points and readings of the first street among ``streets``; returns how many
    readings."""
    for plan in streets:
        if plan.number != 1:
            continue
        office = (
            User.objects.filter(role=Role.OFFICE, region=plan.street, is_active=True)
            .order_by("pk")
            .first()
        )
        if office is None or MonitoringPoint.objects.filter(code=POINTS[0].code).exists():
            return 0
        rivers: dict[str, River] = {river.name: river for river in plan.rivers}
        count = 0
        for point in POINTS:
            river = rivers[point.river]
            reaches = [reach for reach in plan.reaches if reach.river_id == river.pk]
            reach, lat, lon = _position(point, reaches)
            saved = monitoring_point_create(
                user=office,
                river=river,
                reach=reach,
                name=point.name,
                code=point.code,
                lat=lat,
                lon=lon,
                level=point.level,
                target_grade=point.target,
            )
            for day in earlier_days(today):
                values = reading_values(point, day, index=None)
                water_reading_create(user=office, point=saved, sampled_on=day, **values)
                count += 1
            for index, day in enumerate(reading_days(today)):
                values = reading_values(point, day, index=index)
                water_reading_create(user=office, point=saved, sampled_on=day, **values)
                count += 1
        return count
    return 0
