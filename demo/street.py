"""A believable demo organisation for `manage.py seed_demo`: a county, a street office with its
communities, rivers, reaches, the whole roster, assets and one login per role.

Everything is derived from ``random.Random`` seeded per street, so the demo looks the same on
every machine and a street added by a later ``--scale`` run matches one added in a single run.
Rows are written with ``bulk_create`` so load-test scales stay fast; the first street then goes
through the roster services for what must look like real history (a replaced chief).

Later stages (a year of patrols, issues, activities) are further steps of ``build_demo`` that
take the street plans it has just written.
"""

from __future__ import annotations

import datetime
import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple, TextIO

from django.contrib.auth.password_validation import validate_password
from django.db import models, transaction
from django.utils import timezone

from accounts.models import Region, RegionLevel, Role, User
from activities.models import (
    Cleanup,
    FacilityCheck,
    Inspection,
    Meeting,
    OutfallCheck,
    PublicityEvent,
    SignUpdate,
)
from issues.models import Issue
from patrols.models import Finding, Patrol
from reports.rollups import rebuild as rebuild_rollups
from rivers.models import (
    Bank,
    Chief,
    ChiefRole,
    Facility,
    FacilityKind,
    MonitoringPoint,
    Outfall,
    OutfallKind,
    Reach,
    River,
    RiverKind,
    Sign,
    WaterReading,
)
from rivers.services import chief_replace

from .activities import build_activities
from .assessment import build_assessment
from .issues import build_issues
from .map_patches import build_map_patches
from .patrols import build_patrols
from .river_plans import build_river_plans
from .water import build_water

DEMO_SEED = "river-chief-demo"
DEMO_COUNTY_CODE = "410105"
DEMO_COUNTY_NAME = "示范区"
# Street codes are the county code plus three digits, so this many streets fit under it.
MAX_SCALE = 999
BATCH_SIZE = 1000


class DemoAccount(NamedTuple):
    username: str
    password: str
    description: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "Demo-Admin-2024!", "管理员（示范区，可登录 Django 管理后台）"),
    DemoAccount("office", "Demo-Office-2024!", "河长办（东风街道河长制办公室）"),
    DemoAccount("leader", "Demo-Leader-2024!", "领导（东风街道）"),
    DemoAccount("chief", "Demo-Chief-2024!", "河长（东风社区社区级河长）"),
)
_ACCOUNT_ROLES = {"admin": Role.ADMIN, "office": Role.OFFICE, "leader": Role.LEADER}
_CHIEF_ACCOUNT = "chief"

# --- The shape of one street -------------------------------------------------------------------

FIRST_STREET_NAME = "东风街道"
FIRST_STREET_STEM = "东风"
FIRST_POLICE_STATION = "东风路派出所"
# Streets added by --scale take these names first, then numbered copies of them.
EXTRA_STREET_STEMS = (
    "花园路",
    "丰产路",
    "大石桥",
    "文化路",
    "南阳路",
    "杜岭",
    "人民路",
    "经八路",
    "未来路",
    "凤凰台",
    "兴达路",
    "国基路",
    "丰庆路",
    "杨金路",
    "北林路",
    "如意湖",
    "龙子湖",
    "博学路",
    "祭城路",
    "金光路",
)
COMMUNITY_NAMES = (
    "东风社区",
    "丰庆路社区",
    "沙口路社区",
    "庙李社区",
    "杨君刘社区",
    "宋寨社区",
    "张家村社区",
    "关虎屯社区",
)


class Both(NamedTuple):
    """A stretch lying wholly inside one community: one reach covering both banks."""

    community: int


class Split(NamedTuple):
    """A stretch forming the boundary of two communities: each answers for its own bank."""

    left: int
    right: int


# (name, kind, stretches from upstream to downstream; numbers index COMMUNITY_NAMES)
RIVERS: tuple[tuple[str, str, tuple[Both | Split, ...]], ...] = (
    ("贾鲁河", RiverKind.RIVER, (Split(3, 4), Both(5), Both(6))),
    ("东风渠", RiverKind.RIVER, (Both(0), Split(1, 2), Both(7))),
    ("金水河", RiverKind.RIVER, (Both(0), Both(1))),
    ("熊儿河", RiverKind.RIVER, (Both(2), Both(7))),
    ("七里河", RiverKind.RIVER, (Both(5), Both(6))),
    ("魏河", RiverKind.RIVER, (Split(3, 5), Both(4))),
    ("索须河", RiverKind.RIVER, (Both(6), Split(4, 7))),
    ("丰庆路洪道", RiverKind.FLOOD_CHANNEL, (Both(1), Both(0))),
    ("杨君刘洪道", RiverKind.FLOOD_CHANNEL, (Both(4),)),
    ("沙口路洪道", RiverKind.FLOOD_CHANNEL, (Both(2), Both(3))),
    ("北三环洪道", RiverKind.FLOOD_CHANNEL, (Both(7), Both(0))),
    ("庙李排涝沟", RiverKind.DITCH, (Both(3),)),
)

GENERAL_CHIEF_TITLES = ("街道党工委书记", "街道办事处主任")
# Each street leader answers for the reaches of one to three rivers (indexes into RIVERS).
STREET_CHIEFS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("街道党工委副书记", (0, 6)),
    ("街道人大工委主任", (1, 7)),
    ("街道纪工委书记", (2, 3)),
    ("街道办事处副主任", (4, 8, 11)),
    ("街道办事处副主任", (5, 9)),
    ("街道武装部长", (10,)),
)
# Each liaison works for two street chiefs and follows their reaches (indexes into STREET_CHIEFS).
LIAISONS = ((0, 1), (2, 3), (4, 5))
CLEANER_COMMUNITIES = (0, 1, 2, 3, 4, 6)
OUTFALL_KINDS = (OutfallKind.RAIN,) * 10 + (OutfallKind.DOMESTIC,) * 6
OUTFALL_KINDS += (OutfallKind.INDUSTRIAL,) * 2
FACILITY_COUNTS = {
    FacilityKind.FOOTBRIDGE: 6,
    FacilityKind.FORD: 4,
    FacilityKind.CULVERT: 5,
    FacilityKind.SEWAGE_PLANT: 2,
}
SEWAGE_PLANT_NAMES = ("五龙口污水处理厂", "马头岗污水处理厂")
# The community whose chief the demo replaces mid-year, and the one the chief login belongs to.
REPLACED_COMMUNITY = 3
ACCOUNT_COMMUNITY = 0

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡杜"
GIVEN_NAME_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红志新玉兰海峰晓东亮辉鹏"
MOBILE_PREFIXES = ("134", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159")
MOBILE_PREFIXES += ("130", "131", "132", "155", "156", "185", "186", "133", "153", "189", "199")

# Streets sit on a grid of cells over urban Zhengzhou (WGS-84), nearest the centre first.
GRID_SOUTH, GRID_WEST, CELL_DEG, GRID_ROWS, GRID_COLS = 34.70, 113.50, 0.025, 8, 12
DEMO_CENTRE = (34.80, 113.65)


# --- Results -----------------------------------------------------------------------------------


@dataclass
class AccountResult:
    account: DemoAccount
    user: User
    created: bool
    # False when an existing account of that name has another password: the demo one won't work.
    password_works: bool


@dataclass
class StreetPlan:
    """One street's rows, built in memory and written in bulk with every other new street."""

    number: int
    street: Region
    communities: list[Region] = field(default_factory=list)
    rivers: list[River] = field(default_factory=list)
    reaches: list[Reach] = field(default_factory=list)
    chiefs: list[Chief] = field(default_factory=list)
    chief_reaches: list[tuple[Chief, list[Reach]]] = field(default_factory=list)
    signs: list[Sign] = field(default_factory=list)
    outfalls: list[Outfall] = field(default_factory=list)
    facilities: list[Facility] = field(default_factory=list)
    # Kept by role so later steps (replacement, accounts, patrols) need no lookups.
    community_chiefs: list[Chief] = field(default_factory=list)


@dataclass
class DemoResult:
    county: Region
    new_streets: list[StreetPlan]
    accounts: list[AccountResult]
    counts: dict[str, int]
    seconds: float

    @property
    def created(self) -> bool:
        return bool(self.new_streets)


COUNT_LABELS = {
    "streets": "街道",
    "communities": "社区",
    "rivers": "河流",
    "reaches": "河段",
    "chiefs": "河长名录",
    "chief_reaches": "河长负责河段",
    "signs": "河长公示牌",
    "outfalls": "入河排污口",
    "facilities": "涉河设施",
    "patrols": "巡河记录",
    "findings": "巡河发现",
    "issues": "问题",
    "accounts": "账号",
    "publicity_events": "宣传活动",
    "cleanups": "河道清理行动",
    "meetings": "会议培训",
    "inspections": "督查",
    "sign_updates": "公示牌更新记录",
    "outfall_checks": "排污口排查记录",
    "facility_checks": "设施排查记录",
    "monitoring_points": "监测断面",
    "water_readings": "水质监测数据",
}


# --- Entry point -------------------------------------------------------------------------------


def build_demo(
    *,
    scale: int = 1,
    stdout: TextIO | None = None,
    today: datetime.date | None = None,
    seed: str = DEMO_SEED,
) -> DemoResult:
    """Create the demo county with ``scale`` streets, adding only the streets not there yet.

    Running it again is harmless: existing streets are left alone and the logins are checked.
    """
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between 1 and {MAX_SCALE}, got {scale}")
    started = time.monotonic()
    today = today or timezone.localdate()
    with transaction.atomic():
        county = _get_county()
        missing = _missing_street_numbers(county, scale)
        plans = [_plan_street(county, n, today=today, seed=seed) for n in missing]
        if plans:
            _log(stdout, f"正在创建 {len(plans)} 个街道的演示数据……")
            _write_plans(plans)
        first = next((plan for plan in plans if plan.number == 1), None)
        if first is not None:
            _replace_one_chief(first, today=today, seed=seed)
        if plans:
            # A year of patrols by the roster as it now stands (after the replacement).
            patrols = build_patrols(streets=plans, today=today, seed=seed)
            _log(stdout, f"已生成近一年的巡河记录 {patrols} 条。")
        accounts = _ensure_accounts(county)
        if plans:
            # After the logins: the demo accounts move each issue through the workflow.
            issues = build_issues(streets=plans, today=today, seed=seed)
            _log(stdout, f"已生成近一年的问题 {issues} 个。")
            # After the issues: the checks that found problems are linked to their tickets.
            activities = build_activities(streets=plans, today=today, seed=seed)
            _log(stdout, f"已生成近一年的工作活动和排查记录 {activities} 条。")
            # After the patrols and issues it scores: this year's published assessment rounds.
            rounds = build_assessment(streets=plans, today=today)
            _log(stdout, f"已发布本年度河长考核结果 {rounds} 轮。")
            # This month's pushed list of map patches, still to be checked on site.
            patches = build_map_patches(streets=plans, today=today, seed=seed)
            _log(stdout, f"已导入本月待核查的图斑 {patches} 个。")
            tasks = build_river_plans(streets=plans, today=today)
            _log(stdout, f"已为两条河流制定“一河一策”方案，任务 {tasks} 项。")
            # Monitoring sections on three rivers, with a year of monthly readings.
            readings = build_water(streets=plans, today=today)
            _log(stdout, f"已录入监测断面近两年的水质监测数据 {readings} 条。")
            # Last: the dashboard's rollups, from everything written above.
            rebuild_rollups(last=today)
    return DemoResult(
        county=county,
        new_streets=plans,
        accounts=accounts,
        counts=demo_counts(county),
        seconds=time.monotonic() - started,
    )


def demo_counts(county: Region) -> dict[str, int]:
    """Rows in the demo county, by kind, for the command's summary and the tests."""
    streets = Region.objects.filter(parent=county, level=RegionLevel.STREET)
    return {
        "streets": streets.count(),
        "communities": Region.objects.filter(parent__in=streets).count(),
        "rivers": River.objects.in_region(county).count(),
        "reaches": Reach.objects.in_region(county).count(),
        "chiefs": Chief.objects.in_region(county).count(),
        "chief_reaches": Chief.reaches.through.objects.filter(
            chief__in=Chief.objects.in_region(county)
        ).count(),
        "signs": Sign.objects.in_region(county).count(),
        "outfalls": Outfall.objects.in_region(county).count(),
        "facilities": Facility.objects.in_region(county).count(),
        "patrols": Patrol.objects.in_region(county).count(),
        "findings": Finding.objects.in_region(county).count(),
        "issues": Issue.objects.in_region(county).count(),
        "accounts": User.objects.in_region(county).count(),
        "publicity_events": PublicityEvent.objects.in_region(county).count(),
        "cleanups": Cleanup.objects.in_region(county).count(),
        "meetings": Meeting.objects.in_region(county).count(),
        "inspections": Inspection.objects.in_region(county).count(),
        "sign_updates": SignUpdate.objects.in_region(county).count(),
        "outfall_checks": OutfallCheck.objects.in_region(county).count(),
        "facility_checks": FacilityCheck.objects.in_region(county).count(),
        "monitoring_points": MonitoringPoint.objects.in_region(county).count(),
        "water_readings": WaterReading.objects.in_region(county).count(),
    }


# --- Steps -------------------------------------------------------------------------------------


def _log(stdout: TextIO | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _get_county() -> Region:
    county, _created = Region.objects.get_or_create(
        code=DEMO_COUNTY_CODE,
        defaults={"name": DEMO_COUNTY_NAME, "level": RegionLevel.COUNTY},
    )
    # Two seeders running at once would both find the same streets missing: take turns.
    return Region.objects.select_for_update().get(pk=county.pk)


def _street_code(county: Region, number: int) -> str:
    return f"{county.code}{number:03d}"


def _missing_street_numbers(county: Region, scale: int) -> list[int]:
    existing = set(Region.objects.filter(parent=county).values_list("code", flat=True))
    return [n for n in range(1, scale + 1) if _street_code(county, n) not in existing]


def _street_names(number: int) -> tuple[str, str, str]:
    """(street name, code prefix, police station) of the street with this number."""
    if number == 1:
        return FIRST_STREET_NAME, "DF", FIRST_POLICE_STATION
    index = number - 2
    stem = EXTRA_STREET_STEMS[index % len(EXTRA_STREET_STEMS)]
    round_ = index // len(EXTRA_STREET_STEMS)
    name = f"{stem}街道" if round_ == 0 else f"{stem}街道{round_ + 1}"
    return name, f"DF{number:03d}", f"{stem}派出所"


def _street_centre(number: int) -> tuple[float, float]:
    cells = sorted(
        (
            (GRID_SOUTH + (row + 0.5) * CELL_DEG, GRID_WEST + (col + 0.5) * CELL_DEG)
            for row in range(GRID_ROWS)
            for col in range(GRID_COLS)
        ),
        key=lambda c: (c[0] - DEMO_CENTRE[0]) ** 2 + (c[1] - DEMO_CENTRE[1]) ** 2,
    )
    # Past the grid, streets overlap earlier ones: fine for load tests, which ignore maps.
    return cells[(number - 1) % len(cells)]


class _Course:
    """A river's straight course across its street's cell, to place points along a reach."""

    def __init__(self, rng: random.Random, centre: tuple[float, float]) -> None:
        angle = rng.uniform(0, math.pi)
        half = CELL_DEG * 0.45
        offset = rng.uniform(-0.25, 0.25) * CELL_DEG
        self.dlat, self.dlon = math.sin(angle), math.cos(angle)
        lat = centre[0] - offset * self.dlon
        lon = centre[1] + offset * self.dlat
        self.start = (lat - half * self.dlat, lon - half * self.dlon)
        self.span = 2 * half

    def point(self, rng: random.Random, lo: float, hi: float, side: int) -> tuple[Decimal, Decimal]:
        """A point between fractions ``lo`` and ``hi`` of the course, on the given bank
        (-1 left, 1 right, 0 either) and a few dozen metres from the channel."""
        t = rng.uniform(lo, hi) * self.span
        across = (side or rng.choice((-1, 1))) * rng.uniform(0.0001, 0.0004)
        lat = self.start[0] + t * self.dlat - across * self.dlon
        lon = self.start[1] + t * self.dlon + across * self.dlat
        return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")

    def line(self, lo: float, hi: float, side: int, points: int = 8) -> dict:
        """The stretch from ``lo`` to ``hi`` as a GeoJSON LineString with a gentle bend; a
        one-bank reach runs a few metres off the channel on its side (no random draws, so the
        rest of the demo stays as it was)."""
        coordinates = []
        for i in range(points + 1):
            f = lo + (hi - lo) * i / points
            t = f * self.span
            across = side * 0.00008 + 0.0002 * math.sin(f * 3 * math.pi)
            lat = self.start[0] + t * self.dlat - across * self.dlon
            lon = self.start[1] + t * self.dlon + across * self.dlat
            coordinates.append([round(lon, 6), round(lat, 6)])
        return {"type": "LineString", "coordinates": coordinates}


@dataclass
class _ReachPlace:
    reach: Reach
    course: _Course
    lo: float
    hi: float
    side: int

    def point(self, rng: random.Random) -> tuple[Decimal, Decimal]:
        return self.course.point(rng, self.lo, self.hi, self.side)


def _person(rng: random.Random) -> tuple[str, str]:
    given = "".join(rng.choice(GIVEN_NAME_CHARS) for _ in range(rng.choice((1, 2, 2))))
    phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    return rng.choice(SURNAMES) + given, phone


def _past_date(rng: random.Random, first_year: int, last_year: int) -> datetime.date:
    start = datetime.date(first_year, 1, 1)
    end = datetime.date(last_year, 12, 31)
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _plan_street(county: Region, number: int, *, today: datetime.date, seed: str) -> StreetPlan:
    rng = random.Random(f"{seed}-{number}")  # noqa: S311 - repeatable demo data, not secrets  # nosec B311
    street_name, prefix, police_station = _street_names(number)
    street = Region(
        name=street_name,
        code=_street_code(county, number),
        level=RegionLevel.STREET,
        parent=county,
    )
    plan = StreetPlan(number=number, street=street)
    plan.communities = [
        Region(
            name=name,
            code=f"{street.code}{i:03d}",
            level=RegionLevel.COMMUNITY,
            parent=street,
        )
        for i, name in enumerate(COMMUNITY_NAMES, start=1)
    ]
    places = _plan_rivers(plan, rng, prefix=prefix, centre=_street_centre(number))
    _plan_roster(plan, rng, street_name=street_name, police_station=police_station)
    _plan_assets(plan, rng, places, prefix=prefix, today=today)
    return plan


def _plan_rivers(
    plan: StreetPlan, rng: random.Random, *, prefix: str, centre: tuple[float, float]
) -> list[_ReachPlace]:
    places: list[_ReachPlace] = []
    for i, (name, kind, stretches) in enumerate(RIVERS, start=1):
        river = River(name=name, code=f"{prefix}-R{i:02d}", kind=kind, region=plan.street)
        course = _Course(rng, centre)
        total = Decimal(0)
        for k, stretch in enumerate(stretches):
            length = Decimal(f"{rng.uniform(0.6, 3.2):.2f}")
            # A boundary stretch is one length of river however many banks share it.
            total += length
            lo, hi = k / len(stretches), (k + 1) / len(stretches)
            if isinstance(stretch, Both):
                sides = [(stretch.community, Bank.BOTH, "", 0)]
            else:
                sides = [
                    (stretch.left, Bank.LEFT, "（左岸）", -1),
                    (stretch.right, Bank.RIGHT, "（右岸）", 1),
                ]
            for community, bank, suffix, side in sides:
                region = plan.communities[community]
                reach = Reach(
                    river=river,
                    region=region,
                    name=f"{region.name}段{suffix}",
                    bank=bank,
                    length_km=length,
                    geometry=course.line(lo, hi, side),
                )
                plan.reaches.append(reach)
                places.append(_ReachPlace(reach, course, lo, hi, side))
        # The demo's rivers are the stretches this street manages, so that is their length.
        river.length_km = total
        plan.rivers.append(river)
    return places


def _appoint(
    plan: StreetPlan,
    rng: random.Random,
    *,
    role: str,
    title: str,
    unit: str,
    region: Region,
    reaches: Iterable[Reach] = (),
) -> Chief:
    name, phone = _person(rng)
    chief = Chief(
        name=name,
        phone=phone,
        role=role,
        title=title,
        unit=unit,
        region=region,
        appointed_on=_past_date(rng, 2021, 2023),
    )
    plan.chiefs.append(chief)
    reaches = list(reaches)
    if reaches:
        plan.chief_reaches.append((chief, reaches))
    return chief


def _plan_roster(
    plan: StreetPlan, rng: random.Random, *, street_name: str, police_station: str
) -> None:
    street = plan.street
    office = f"{street_name}办事处"
    # A general chief answers for the whole street rather than for named reaches.
    for title in GENERAL_CHIEF_TITLES:
        _appoint(plan, rng, role=ChiefRole.GENERAL_CHIEF, title=title, unit=office, region=street)

    street_chief_reaches = []
    for title, river_indexes in STREET_CHIEFS:
        rivers = {id(plan.rivers[i]) for i in river_indexes}
        reaches = [reach for reach in plan.reaches if id(reach.river) in rivers]
        street_chief_reaches.append(reaches)
        _appoint(
            plan,
            rng,
            role=ChiefRole.STREET_CHIEF,
            title=title,
            unit=office,
            region=street,
            reaches=reaches,
        )

    for community in plan.communities:
        plan.community_chiefs.append(
            _appoint(
                plan,
                rng,
                role=ChiefRole.COMMUNITY_CHIEF,
                title="社区党支部书记",
                unit=f"{community.name}居委会",
                region=community,
                reaches=_reaches_in(plan, community),
            )
        )

    for chief_indexes in LIAISONS:
        reaches = [reach for i in chief_indexes for reach in street_chief_reaches[i]]
        _appoint(
            plan,
            rng,
            role=ChiefRole.LIAISON,
            title="河长办工作人员",
            unit=f"{street_name}河长制办公室",
            region=street,
            reaches=reaches,
        )

    _appoint(
        plan,
        rng,
        role=ChiefRole.PUBLIC_SUPERVISOR,
        title="区人大代表",
        unit=f"{plan.communities[0].name}居民",
        region=street,
    )

    for i in CLEANER_COMMUNITIES:
        community = plan.communities[i]
        _appoint(
            plan,
            rng,
            role=ChiefRole.CLEANER,
            title="保洁员",
            unit=f"{street_name}环卫所",
            region=community,
            reaches=_reaches_in(plan, community),
        )

    # The police chief is paired with the general chiefs, so covers every reach in the street.
    _appoint(
        plan,
        rng,
        role=ChiefRole.POLICE_CHIEF,
        title="副所长",
        unit=police_station,
        region=street,
        reaches=plan.reaches,
    )


def _reaches_in(plan: StreetPlan, region: Region) -> list[Reach]:
    return [reach for reach in plan.reaches if reach.region is region]


def _plan_assets(
    plan: StreetPlan,
    rng: random.Random,
    places: Sequence[_ReachPlace],
    *,
    prefix: str,
    today: datetime.date,
) -> None:
    number = 0
    for place in places:
        for _ in range(2 if rng.random() < 0.35 else 1):
            number += 1
            lat, lon = place.point(rng)
            plan.signs.append(
                Sign(
                    reach=place.reach,
                    code=f"{prefix}-GSP-{number:03d}",
                    lat=lat,
                    lon=lon,
                    updated_on=today - datetime.timedelta(days=rng.randint(7, 360)),
                )
            )

    on_rivers = [p for p in places if p.reach.river.kind == RiverKind.RIVER]
    channels = [p for p in places if p.reach.river.kind != RiverKind.RIVER]
    seen: dict[str, int] = {}
    for kind in OUTFALL_KINDS:
        # Factories discharge into the rivers proper, not into flood channels and ditches.
        place = rng.choice(on_rivers if kind == OutfallKind.INDUSTRIAL else places)
        base = f"{place.reach.river.name}{place.reach.region.name}{kind.label}"
        seen[base] = seen.get(base, 0) + 1
        lat, lon = place.point(rng)
        plan.outfalls.append(
            Outfall(reach=place.reach, name=f"{base}{seen[base]}号", kind=kind, lat=lat, lon=lon)
        )

    candidates = {
        FacilityKind.FOOTBRIDGE: places,
        # Roads ford the small channels; the rivers proper have bridges.
        FacilityKind.FORD: channels,
        FacilityKind.CULVERT: places,
        FacilityKind.SEWAGE_PLANT: on_rivers,
    }
    for kind, count in FACILITY_COUNTS.items():
        for i, place in enumerate(rng.sample(candidates[kind], count)):
            if kind == FacilityKind.SEWAGE_PLANT:
                name = SEWAGE_PLANT_NAMES[i % len(SEWAGE_PLANT_NAMES)]
            else:
                name = f"{place.reach.river.name}{place.reach.region.name}{kind.label}"
            lat, lon = place.point(rng)
            plan.facilities.append(
                Facility(reach=place.reach, name=name, kind=kind, lat=lat, lon=lon)
            )


def _bulk(model: type[models.Model], rows: list[models.Model]) -> None:
    model.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def _write_plans(plans: Sequence[StreetPlan]) -> None:
    """Insert every planned row, parents first; bulk_create fills in each row's primary key,
    and a row's foreign key is read from its (by then saved) parent object.

    Straight to the tables, not through ``river_create`` / ``chief_appoint``: those write one
    row, one audit entry and one announcement at a time for an office user, and ``--scale``
    writes hundreds of streets. Nothing is lost: the rows are the ledger as an import would
    leave it, and ``build_demo`` rebuilds the rollups that the skipped announcements feed."""
    _bulk(Region, [plan.street for plan in plans])
    _bulk(Region, [c for plan in plans for c in plan.communities])
    _bulk(River, [r for plan in plans for r in plan.rivers])
    _bulk(Reach, [r for plan in plans for r in plan.reaches])
    _bulk(Chief, [c for plan in plans for c in plan.chiefs])
    through = Chief.reaches.through
    _bulk(
        through,
        [
            through(chief_id=chief.pk, reach_id=reach.pk)
            for plan in plans
            for chief, reaches in plan.chief_reaches
            for reach in reaches
        ],
    )
    _bulk(Sign, [s for plan in plans for s in plan.signs])
    _bulk(Outfall, [o for plan in plans for o in plan.outfalls])
    _bulk(Facility, [f for plan in plans for f in plan.facilities])


def replacement_date(today: datetime.date) -> datetime.date:
    """The most recent 1 July: within the last year, so a year of history shows both chiefs."""
    mid_year = datetime.date(today.year, 7, 1)
    return mid_year if mid_year <= today else mid_year.replace(year=today.year - 1)


def _replace_one_chief(plan: StreetPlan, *, today: datetime.date, seed: str) -> Chief:
    # A separate generator, so the street's own data doesn't depend on whether this step runs.
    rng = random.Random(f"{seed}-replacement")  # noqa: S311 - repeatable demo data  # nosec B311
    predecessor = plan.community_chiefs[REPLACED_COMMUNITY]
    name, phone = _person(rng)
    on = max(replacement_date(today), predecessor.appointed_on + datetime.timedelta(days=1))
    successor = chief_replace(chief=predecessor, on=on, name=name, phone=phone)
    plan.chiefs.append(successor)
    plan.community_chiefs[REPLACED_COMMUNITY] = successor
    return successor


def _ensure_accounts(county: Region) -> list[AccountResult]:
    """Create any demo login that is missing; an existing account is never changed, so a
    password someone has since changed is reported rather than reset."""
    street = Region.objects.get(code=_street_code(county, 1))
    results = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is not None:
            works = user.check_password(account.password)
            results.append(AccountResult(account, user, created=False, password_works=works))
            continue
        if account.username == _CHIEF_ACCOUNT:
            chief = (
                Chief.objects.filter(
                    region__code=f"{street.code}{ACCOUNT_COMMUNITY + 1:03d}",
                    role=ChiefRole.COMMUNITY_CHIEF,
                    relieved_on__isnull=True,
                )
                .order_by("-appointed_on")
                .first()
            )
            if chief is None:
                # Someone removed the post from the roster: a chief login needs an entry.
                continue
            # A chief's account sees what the chief answers for: the roster entry's region.
            user = User(
                username=account.username,
                role=Role.CHIEF,
                chief=chief,
                region=chief.region,
                first_name=chief.name,
            )
        else:
            role = _ACCOUNT_ROLES[account.username]
            is_admin = role == Role.ADMIN
            user = User(
                username=account.username,
                role=role,
                region=county if is_admin else street,
                # The admin login also opens the Django admin site.
                is_staff=is_admin,
                is_superuser=is_admin,
            )
        # Not ``account_create``: it needs an acting account allowed to create this one, and
        # the demo's admin is the first account there is (as ``createsuperuser``). The checks
        # it makes on the password and the fields are made here the same way.
        validate_password(account.password, user=user)
        user.set_password(account.password)
        user.full_clean(exclude=["password"])
        user.save()
        results.append(AccountResult(account, user, created=True, password_works=True))
    return results
