"""A year of demo patrols for `manage.py seed_demo`: a further stage of ``demo.street.build_demo``.

Every chief under a patrol rule walks the reaches in their charge as the rule in force asks, over
the twelve months up to ``today`` and only while appointed (a replaced chief and the successor
split the year). Most patrols are 20-90 minute walks along a reach, recorded as a raw GeoJSON
track with one timestamped fix a minute (cleaners: shorter, lighter tracks) that passes the
reach's signs, outfalls and facilities, now and then with a GPS jump the filing code drops. About
one in twenty is cut short, and ``patrol_assess`` says why it does not count. A few posts in
every street are behind their rule (see ``LAGGARDS``) so compliance pages have someone to chase.

Only the streets written in this run get patrols, so running the seeder again adds nothing.
Randomness comes from one ``random.Random`` per street, so a street's patrols do not depend on
which other streets were created in the same run.
"""

from __future__ import annotations

import datetime
import math
import random
import uuid as uuid_lib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from patrols import tracks
from patrols.models import Finding, Patrol
from patrols.rules import RuleBook
from patrols.services import patrol_assess
from rivers.models import Chief, ChiefRole, Reach

if TYPE_CHECKING:  # demo.street imports this module: no import back at run time
    from demo.street import StreetPlan

BATCH_SIZE = 500
DEG = math.pi / 180


@dataclass(frozen=True)
class Habit:
    """How a role goes about its patrols."""

    extra: float  # chance of one patrol more than the rule's minimum in a period
    miss: float  # chance a period goes without a patrol
    minutes: tuple[int, int]  # length of a proper patrol
    speed_kmh: tuple[float, float]
    fix_seconds: int  # one GPS fix every so many seconds
    hours: tuple[int, int]  # first and last hour a patrol starts in
    weekdays: bool  # prefers working days
    finding: float  # chance a patrol records a finding


HABITS = {
    ChiefRole.GENERAL_CHIEF: Habit(0.2, 0.02, (40, 90), (3.0, 4.5), 60, (8, 16), True, 0.25),
    ChiefRole.STREET_CHIEF: Habit(0.4, 0.02, (30, 80), (3.0, 4.8), 60, (8, 16), True, 0.12),
    ChiefRole.COMMUNITY_CHIEF: Habit(0.4, 0.02, (20, 60), (3.0, 4.8), 60, (7, 17), True, 0.08),
    # One a day: a lighter track (a fix every three minutes) while cleaning along the bank.
    ChiefRole.CLEANER: Habit(0.0, 0.04, (20, 45), (1.5, 3.0), 180, (6, 9), False, 0.02),
}
# A role some office has since put under a rule patrols like a community chief.
DEFAULT_HABIT = HABITS[ChiefRole.COMMUNITY_CHIEF]
# Chance that a period also has a patrol cut short (too brief, or lingering in one spot).
SHORT_CHANCE = 0.05
# Chance a patrol's raw track holds a GPS jump (dropped on filing: ``points_dropped``).
JUMP_CHANCE = 0.08

# The posts in every demo street that are behind their rule: (role, title or community name,
# share of periods missed). Names follow demo.street's roster (STREET_CHIEFS, COMMUNITY_NAMES).
LAGGARDS: tuple[tuple[str, str, float], ...] = (
    (ChiefRole.STREET_CHIEF, "街道武装部长", 0.5),
    (ChiefRole.COMMUNITY_CHIEF, "宋寨社区", 0.5),
    (ChiefRole.CLEANER, "杨君刘社区", 0.4),
)

# What a patrol finds, and where: at an outfall, at a sign, or anywhere along the walk.
FINDINGS: tuple[tuple[str, str], ...] = (
    ("河道内有漂浮垃圾", "track"),
    ("岸边有建筑垃圾堆放", "track"),
    ("河坡有生活垃圾", "track"),
    ("排污口有异味", "outfall"),
    ("排污口有污水直排", "outfall"),
    ("河道内有水葫芦等水生植物疯长", "track"),
    ("岸边有违规种植，侵占河道", "track"),
    ("护栏破损，存在安全隐患", "track"),
    ("河长公示牌字迹模糊，需更新", "sign"),
    ("有人在危险河段垂钓", "track"),
    ("河道内发现死鱼", "track"),
)
QUIET_NOTES = (
    "河面清洁，无漂浮物。",
    "水体无异味，岸坡整洁。",
    "排口无异常排放，护栏完好。",
    "河道畅通，未发现乱占、乱采、乱堆、乱建。",
    "公示牌完好，信息准确。",
    "",
    "",
)
CLEANER_NOTES = ("日常保洁，清理岸边垃圾。", "打捞水面漂浮物。", "清理河坡杂草和垃圾。", "")


def _laggard_miss(chief: Chief) -> float | None:
    for role, post, miss in LAGGARDS:
        if chief.role == role and post in (chief.title, chief.region.name):
            return miss
    return None


def year_window(today: datetime.date) -> datetime.date:
    """The first day of the twelve months ending ``today``."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + datetime.timedelta(days=1)


# --- Where patrols walk -------------------------------------------------------------------------


class _Route:
    """A straight walk along a reach, past its signs, outfalls and facilities.

    The river's direction comes from all its assets (they lie along its course); the reach's
    walk is centred on its own assets and is as long as the reach, at least as long as they
    spread. Positions are in metres along the route and across it, from one bank's path.
    """

    def __init__(
        self,
        anchors: list[tuple[float, float]],
        river_anchors: list[tuple[float, float]],
        length_m: float,
        rng: random.Random,
    ) -> None:
        self.lat0 = sum(lat for lat, _ in anchors) / len(anchors)
        self.lon0 = sum(lon for _, lon in anchors) / len(anchors)
        self.ky = tracks.EARTH_RADIUS_M * DEG
        self.kx = math.cos(self.lat0 * DEG) * self.ky
        angle = self._axis(river_anchors) if len(river_anchors) >= 2 else None
        if angle is None:
            angle = rng.uniform(0, math.pi)
        self.ux, self.uy = math.cos(angle), math.sin(angle)
        along, self.across = [], []
        for lat, lon in anchors:
            x, y = self._xy(lat, lon)
            along.append(x * self.ux + y * self.uy)
            self.across.append(-x * self.uy + y * self.ux)
        self.length = max(max(along) - min(along), length_m, 200.0)
        self.start = (min(along) + max(along)) / 2 - self.length / 2

    def _xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def _axis(self, points: list[tuple[float, float]]) -> float | None:
        xy = [self._xy(lat, lon) for lat, lon in points]
        mx = sum(x for x, _ in xy) / len(xy)
        my = sum(y for _, y in xy) / len(xy)
        sxx = sum((x - mx) ** 2 for x, _ in xy)
        syy = sum((y - my) ** 2 for _, y in xy)
        sxy = sum((x - mx) * (y - my) for x, y in xy)
        if sxx + syy < 100**2:  # assets bunched together: no telling the direction
            return None
        return 0.5 * math.atan2(2 * sxy, sxx - syy)

    def position(self, along: float, across: float) -> tuple[float, float]:
        """(lon, lat) of a point ``along`` metres from the route's start (folded back at the
        ends: a walker turns round) and ``across`` metres to its left."""
        folded = along % (2 * self.length)
        if folded > self.length:
            folded = 2 * self.length - folded
        s = self.start + folded
        x = s * self.ux - across * self.uy
        y = s * self.uy + across * self.ux
        return round(self.lon0 + x / self.kx, 6), round(self.lat0 + y / self.ky, 6)


def _routes(plan: StreetPlan, rng: random.Random) -> dict[int, tuple[_Route, dict]]:
    """Per reach pk: its route, and the assets a finding can be placed at."""
    anchors: dict[int, list[tuple[float, float]]] = defaultdict(list)
    assets: dict[int, dict[str, list[tuple[Decimal, Decimal]]]] = defaultdict(
        lambda: {"sign": [], "outfall": []}
    )
    for kind, rows in (("sign", plan.signs), ("outfall", plan.outfalls), ("", plan.facilities)):
        for row in rows:
            anchors[row.reach.pk].append((float(row.lat), float(row.lon)))
            if kind:
                assets[row.reach.pk][kind].append((row.lat, row.lon))
    by_river: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for reach in plan.reaches:
        by_river[reach.river.pk].extend(anchors[reach.pk])
    routes = {}
    for reach in plan.reaches:
        points = anchors[reach.pk] or by_river[reach.river.pk]
        if not points:
            continue  # a reach with no asset at all: nowhere to place a walk
        route = _Route(points, by_river[reach.river.pk], float(reach.length_km) * 1000, rng)
        routes[reach.pk] = (route, assets[reach.pk])
    return routes


def _walk(
    route: _Route,
    rng: random.Random,
    *,
    start: datetime.datetime,
    seconds: int,
    speed_kmh: float,
    fix_seconds: int,
) -> list[tracks.TrackPoint]:
    """Fixes every ``fix_seconds`` along the route (and one at the end), with GPS noise."""
    along = rng.uniform(0, route.length)
    heading = rng.choice((-1, 1))
    path = rng.choice(route.across) + rng.uniform(-8, 8)
    speed = speed_kmh / 3.6
    points = []
    elapsed = 0
    noise = rng.random
    while True:
        # A few metres of GPS noise either way.
        lon, lat = route.position(along + 8 * noise() - 4, path + 8 * noise() - 4)
        when = start + datetime.timedelta(seconds=elapsed)
        points.append(tracks.TrackPoint(lon=lon, lat=lat, time=when))
        if elapsed >= seconds:
            break
        step = min(fix_seconds, seconds - elapsed)
        along += heading * speed * step * rng.uniform(0.5, 1.4)
        elapsed += step
    if len(points) > 4 and rng.random() < JUMP_CHANCE:
        # A fix kilometres off: faster than anyone walks, so filing drops it.
        i = rng.randrange(1, len(points) - 1)
        jump = rng.uniform(3, 6) * settings.PATROL_MAX_SPEED_KMH / 3.6 * fix_seconds
        lon, lat = route.position(along, path + jump)
        points[i] = tracks.TrackPoint(lon=lon, lat=lat, time=points[i].time)
    return points


# --- When patrols happen ------------------------------------------------------------------------


def _days(
    rng: random.Random, start: datetime.date, end: datetime.date, n: int, weekdays: bool
) -> list[datetime.date]:
    span = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]
    pool = [d for d in span if d.weekday() < 5] if weekdays else span
    if len(pool) < n:
        pool = span
    return rng.sample(pool, min(n, len(pool)))


def _schedule(
    chief: Chief,
    habit: Habit,
    rule_book: RuleBook,
    rng: random.Random,
    *,
    first: datetime.date,
    last: datetime.date,
    miss: float,
) -> list[tuple[datetime.date, bool]]:
    """(day, proper) for each patrol of ``chief`` from ``first`` to ``last``: per period of the
    rule in force, the rule's minimum (now and then one more) placed in the whole period and
    kept if it falls in range, so part periods at the edges get their share."""
    plan: list[tuple[datetime.date, bool]] = []
    for stretch in rule_book.stretches(chief.role, first, last):
        if rng.random() >= miss:
            n = stretch.rule.min_count + (1 if rng.random() < habit.extra else 0)
            for when in _days(rng, stretch.start, stretch.end, n, habit.weekdays):
                if stretch.first <= when <= stretch.last:
                    plan.append((when, True))
        if rng.random() < SHORT_CHANCE:
            offset = rng.randrange((stretch.last - stretch.first).days + 1)
            plan.append((stretch.first + datetime.timedelta(days=offset), False))
    return plan


# --- Writing ------------------------------------------------------------------------------------


def build_patrols(
    *, streets: Sequence[StreetPlan], today: datetime.date, seed: str, batch_size: int = BATCH_SIZE
) -> int:
    """Write a year of patrols (and their findings) for the chiefs of ``streets``, which must
    have just been written; returns how many patrols were written."""
    rule_book = RuleBook.load()
    if not rule_book.roles:
        return 0
    now = timezone.now()
    written = 0
    for plan in streets:
        # One generator per street: its patrols are the same whichever run created it.
        rng = random.Random(f"{seed}-patrols-{plan.number}")  # noqa: S311 - repeatable demo  # nosec B311
        patrols, findings = street_patrols(plan, today=today, rng=rng, rule_book=rule_book, now=now)
        # Not ``patrol_submit``: it files one patrol from a signed-in phone today (whose rights,
        # how late, photos) and the demo writes a year of them at once. Each row is built from
        # the same parts it uses (``tracks.drop_jumps``, ``tracks.simplify``, ``patrol_assess``),
        # so it holds what filing would have stored; bulk, because a street has ~3,000.
        Patrol.objects.bulk_create(patrols, batch_size=batch_size)
        Finding.objects.bulk_create(findings, batch_size=batch_size)
        # Filed from the phone as the walk ended, not when the seeder ran. The chiefs are new
        # in this run, so every patrol of theirs is one just written.
        Patrol.objects.filter(chief__in=[chief.pk for chief in plan.chiefs]).update(
            created_at=F("ended_at")
        )
        written += len(patrols)
    return written


def street_patrols(
    plan: StreetPlan,
    *,
    today: datetime.date,
    rng: random.Random,
    rule_book: RuleBook,
    now: datetime.datetime | None = None,
) -> tuple[list[Patrol], list[Finding]]:
    """The patrols (unsaved) of one street's chiefs over the year up to ``today``; none ends
    after ``now``."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    window_first = year_window(today)
    # The roster as it now stands: the replacement step has relieved one chief and added one.
    ids = [chief.pk for chief in plan.chiefs]
    chiefs = Chief.objects.select_related("region").in_bulk(ids)
    reach_ids: dict[int, set[int]] = defaultdict(set)
    for chief_id, reach_id in Chief.reaches.through.objects.filter(chief_id__in=ids).values_list(
        "chief_id", "reach_id"
    ):
        reach_ids[chief_id].add(reach_id)
    routes = _routes(plan, rng)
    walkable = [reach for reach in plan.reaches if reach.pk in routes]

    patrols: list[Patrol] = []
    findings: list[Finding] = []
    for planned in plan.chiefs:
        chief = chiefs[planned.pk]
        if chief.role not in rule_book.roles:
            continue
        first = max(window_first, chief.appointed_on)
        last = min(today, chief.relieved_on or today)
        # A general chief answers for the whole street, so walks any of its reaches.
        reaches = [r for r in walkable if r.pk in reach_ids[chief.pk]] or walkable
        if first > last or not reaches:
            continue
        habit = HABITS.get(chief.role, DEFAULT_HABIT)
        miss = _laggard_miss(chief)
        schedule = _schedule(
            chief,
            habit,
            rule_book,
            rng,
            first=first,
            last=last,
            miss=habit.miss if miss is None else miss,
        )
        for day, proper in sorted(schedule):
            patrol, finding = _patrol(
                chief, rng.choice(reaches), day, proper, habit, rng, routes, rule_book, tz
            )
            if patrol.ended_at > now:
                continue  # not walked yet
            patrols.append(patrol)
            if finding is not None:
                findings.append(finding)
    return patrols, findings


def _patrol(
    chief: Chief,
    reach: Reach,
    day: datetime.date,
    proper: bool,
    habit: Habit,
    rng: random.Random,
    routes: dict[int, tuple[_Route, dict]],
    rule_book: RuleBook,
    tz: datetime.tzinfo,
) -> tuple[Patrol, Finding | None]:
    route, assets = routes[reach.pk]
    first_hour, last_hour = habit.hours
    started_at = datetime.datetime(
        day.year,
        day.month,
        day.day,
        rng.randint(first_hour, last_hour),
        rng.randrange(60),
        rng.randrange(60),
        tzinfo=tz,
    )
    speed = rng.uniform(*habit.speed_kmh)
    if proper:
        seconds = rng.randint(habit.minutes[0] * 60, habit.minutes[1] * 60)
    elif rng.random() < 0.6:
        seconds = rng.randint(2 * 60, 8 * 60)  # stopped early, or the app was closed
    else:
        seconds, speed = rng.randint(12 * 60, 25 * 60), rng.uniform(0.2, 0.7)  # stood about
    raw = _walk(
        route,
        rng,
        start=started_at,
        seconds=seconds,
        speed_kmh=speed,
        fix_seconds=habit.fix_seconds if proper else 60,
    )
    kept, dropped = tracks.drop_jumps(
        raw, max_speed_kmh=settings.PATROL_MAX_SPEED_KMH, max_gap_m=settings.PATROL_MAX_GAP_M
    )
    ended_at = started_at + datetime.timedelta(seconds=seconds)
    assessment = patrol_assess(
        chief=chief,
        started_at=started_at,
        ended_at=ended_at,
        distance_km=tracks.length_km(kept),
        rule_book=rule_book,
    )
    found = None
    if proper and rng.random() < habit.finding:
        description, place = rng.choice(FINDINGS)
        if assets.get(place):
            lat, lon = rng.choice(assets[place])
        else:
            point = rng.choice(kept)
            lat, lon = Decimal(f"{point.lat:.6f}"), Decimal(f"{point.lon:.6f}")
        found = (description, lat, lon)
        notes = f"发现问题：{description}，已拍照上报。"
    elif proper:
        notes = rng.choice(CLEANER_NOTES if chief.role == ChiefRole.CLEANER else QUIET_NOTES)
    else:
        notes = ""
    patrol = Patrol(
        uuid=uuid_lib.UUID(int=rng.getrandbits(128), version=4),
        chief=chief,
        reach=reach,
        started_at=started_at,
        ended_at=ended_at,
        started_on=timezone.localdate(started_at),
        track_raw=tracks.to_geojson(raw),
        track={
            "type": "LineString",
            "coordinates": tracks.simplify(kept, tolerance_m=settings.PATROL_SIMPLIFY_M),
        },
        points_dropped=dropped,
        distance_km=assessment.distance_km,
        valid=assessment.valid,
        invalid_reason=assessment.invalid_reason,
        notes=notes,
    )
    finding = None
    if found is not None:
        description, lat, lon = found
        finding = Finding(patrol=patrol, description=description, lat=lat, lon=lon)
    return patrol, finding
