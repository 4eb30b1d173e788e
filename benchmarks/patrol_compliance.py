"""Benchmark: patrol compliance (巡河率) for every chief of a large county over a year.

Builds, in its own PostgreSQL database, about 1,000,000 patrols by 10,000 chiefs over one year
(skipped when the data is already there), then times

  (a) the compliance service, ``patrols.selectors.compliance_of`` for all chiefs, and
  (b) the one SQL aggregate it rests on (``_counting_query``), executed raw, fetching all rows,

and prints the median and p95 of both and their ratio. The aim: (a) under 2 s, and within 1.5x
of (b). Run from the project root:

    .venv/bin/python benchmarks/patrol_compliance.py [--chiefs 10000 --patrols 1000000] [--drop]

See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import math
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import _django

# What the other scripts took from here before benchmarks/_django.py held them.
from _django import DEFAULT_SERVER  # noqa: F401
from _django import ensure_database as _ensure_database  # noqa: F401

DEFAULT_DATABASE = "river_chief_bench"
BENCH_CODE = "BENCH"  # the benchmark county's region code
AIM_SECONDS = 2.0
AIM_RATIO = 1.5

# One street per block of 100 chiefs: 2 general chiefs, 15 street chiefs, 70 community chiefs
# (14 communities, 5 reaches each) and 13 cleaners. Positions in the block:
GENERAL, STREET, COMMUNITY, CLEANER = range(0, 2), range(2, 17), range(17, 87), range(87, 100)
COMMUNITIES, RIVERS = 14, 5
# In every street one community chief is replaced on 1 July: the post's two chiefs split the year.
RELIEVED, SUCCESSOR = 85, 86
# Per role: chance a period is missed, chance of one patrol more than the rule asks.
HABITS = {
    "general_chief": (0.03, 0.3),
    "street_chief": (0.03, 0.3),
    "community_chief": (0.03, 0.3),
}
INVALID_SHARE = 0.05
TRACK_POINTS = 8  # the simplified track kept in the row (the raw track would be TOASTed)


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    _django.django_on(args.server, args.database, drop=args.drop)

    first, last = datetime.date(args.year, 1, 1), datetime.date(args.year, 12, 31)
    if not _data_present(args.chiefs):
        started = time.perf_counter()
        _build(chiefs=args.chiefs, patrols=args.patrols, first=first, last=last)
        print(f"build: {time.perf_counter() - started:.1f} s")
    _describe()
    _time(first=first, last=last, runs=args.runs, warmup=args.warmup, explain=args.explain)
    if args.profile:
        _profile(first=first, last=last)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chiefs", type=int, default=10_000, help="chiefs (default 10000)")
    parser.add_argument(
        "--patrols", type=int, default=1_000_000, help="patrols, about (default 1000000)"
    )
    parser.add_argument("--year", type=int, default=2025, help="the year patrolled (2025)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each (5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (1)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the SQL")
    parser.add_argument("--profile", action="store_true", help="cProfile one service run")
    _django.add_database_arguments(parser, database=DEFAULT_DATABASE)
    args = parser.parse_args(argv)
    if args.chiefs < 100 or args.patrols < 1:
        parser.error("--chiefs must be at least 100 (one street) and --patrols positive")
    return args


# --- Building -----------------------------------------------------------------------------------


def _data_present(chiefs: int) -> bool:
    from accounts.models import Region
    from patrols.models import Patrol
    from rivers.models import Chief

    county = Region.objects.filter(code=BENCH_CODE).first()
    if county is None:
        return False
    have = Chief.objects.in_region(county).count()
    if have != chiefs or not Patrol.objects.exists():
        sys.exit(
            f"The benchmark database holds {have} chiefs, not {chiefs} (or no patrols): "
            "run again with --drop to rebuild it."
        )
    print("build: skipped, the data is already there (--drop rebuilds it)")
    return True


def _build(*, chiefs: int, patrols: int, first: datetime.date, last: datetime.date) -> None:
    from django.db import connection, transaction

    with transaction.atomic():
        started = time.perf_counter()
        plan = _build_roster(chiefs, first=first, last=last)
        print(f"  roster: {chiefs} chiefs in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        written = _build_patrols(plan, target=patrols, first=first, last=last)
        print(f"  patrols: {written} inserted in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # What autovacuum would have done on a live table: statistics and the visibility map.
        cursor.execute("VACUUM (ANALYZE) patrols_patrol")
        cursor.execute("VACUUM (ANALYZE) rivers_chief")
        cursor.execute("ANALYZE rivers_region")
    print(f"  vacuum analyze: {time.perf_counter() - started:.1f} s")


def _build_roster(
    n: int,
    *,
    first: datetime.date,
    last: datetime.date,
    code: str = BENCH_CODE,
    name: str = "基准区",
) -> list[tuple[int, int, str, datetime.date, datetime.date]]:
    """Regions, rivers, reaches and chiefs of one county (region ``code``, ``name``), in bulk;
    returns per chief (id, patrolled reach id, role, first and last day patrolled in the year).
    The chiefs' names carry the county's code, so that several counties can share a database
    (benchmarks/province.py)."""
    from accounts.models import Region, RegionLevel
    from rivers.models import Bank, Chief, ChiefRole, Reach, River, RiverKind

    county = Region.objects.create(name=name, code=code, level=RegionLevel.COUNTY)
    n_streets = math.ceil(n / 100)
    streets = Region.objects.bulk_create(
        Region(
            name=f"{'基准' if code == BENCH_CODE else name}街道{s:04d}",
            code=f"{code}-{s:04d}",
            level=RegionLevel.STREET,
            parent=county,
        )
        for s in range(n_streets)
    )
    communities = Region.objects.bulk_create(
        Region(
            name=f"{street.name}社区{c:02d}",
            code=f"{street.code}-{c:02d}",
            level=RegionLevel.COMMUNITY,
            parent=street,
        )
        for street in streets
        for c in range(COMMUNITIES)
    )
    rivers = River.objects.bulk_create(
        River(
            name=f"基准河{r}",
            code=f"{street.code}-R{r}",
            kind=RiverKind.RIVER,
            length_km=12,
            region=street,
        )
        for street in streets
        for r in range(RIVERS)
    )
    reaches = Reach.objects.bulk_create(
        (
            Reach(
                river=rivers[s * RIVERS + r],
                region=communities[s * COMMUNITIES + c],
                name=f"{communities[s * COMMUNITIES + c].name}段",
                bank=Bank.BOTH,
                length_km=2,
            )
            for s in range(n_streets)
            for r in range(RIVERS)
            for c in range(COMMUNITIES)
        ),
        batch_size=5000,
    )

    def reach(s: int, r: int, c: int) -> Reach:
        return reaches[(s * RIVERS + r) * COMMUNITIES + c]

    long_ago, mid_year = datetime.date(2021, 1, 1), datetime.date(first.year, 7, 1)
    rows, charge = [], []
    for i in range(n):
        s, j = divmod(i, 100)
        appointed, relieved = long_ago, None
        if j in GENERAL:
            role, region, walked, answers = ChiefRole.GENERAL_CHIEF, streets[s], reach(s, 0, 0), []
        elif j in STREET:
            river = (j - STREET.start) % RIVERS
            role, region = ChiefRole.STREET_CHIEF, streets[s]
            walked = reach(s, river, (j - STREET.start) % COMMUNITIES)
            answers = [reach(s, river, c) for c in range(COMMUNITIES)]
        elif j in COMMUNITY:
            c, r = divmod(j - COMMUNITY.start, RIVERS)
            if j == SUCCESSOR:  # takes over the post (and reach) of the chief before
                r, appointed = r - 1, mid_year
            elif j == RELIEVED:
                relieved = mid_year - datetime.timedelta(days=1)
            role, region = ChiefRole.COMMUNITY_CHIEF, communities[s * COMMUNITIES + c]
            walked = reach(s, r, c)
            answers = [walked]
        else:
            c = (j - CLEANER.start) % COMMUNITIES
            role, region = ChiefRole.CLEANER, communities[s * COMMUNITIES + c]
            walked = reach(s, 0, c)
            answers = [reach(s, r, c) for r in range(RIVERS)]
        rows.append(
            Chief(
                name=f"河长{i:05d}" if code == BENCH_CODE else f"河长{code}-{i:05d}",
                phone="13800000000",
                role=role,
                title="基准",
                region=region,
                appointed_on=appointed,
                relieved_on=relieved,
            )
        )
        charge.append((walked, answers))
    Chief.objects.bulk_create(rows, batch_size=5000)
    through = Chief.reaches.through
    through.objects.bulk_create(
        (
            through(chief_id=chief.pk, reach_id=r.pk)
            for chief, (_walked, answers) in zip(rows, charge, strict=True)
            for r in answers
        ),
        batch_size=5000,
    )
    return [
        (
            chief.pk,
            walked.pk,
            str(chief.role),  # the value: psycopg would write an Enum by its name
            max(first, chief.appointed_on),
            min(last, chief.relieved_on or last),
        )
        for chief, (walked, _answers) in zip(rows, charge, strict=True)
    ]


def _periods(rule_book, role: str, first: datetime.date, last: datetime.date):
    """(start, days, minimum) of each period of the rules in force for ``role``."""
    for stretch in rule_book.stretches(role, first, last):
        yield stretch.start, (stretch.end - stretch.start).days + 1, stretch.rule.min_count


def _build_patrols(
    plan: list[tuple[int, int, str, datetime.date, datetime.date]],
    *,
    target: int,
    first: datetime.date,
    last: datetime.date,
    seed: float = 0.42,
) -> int:
    """Each chief under a rule patrols each period of it (now and then one more, rarely none)
    on a random day of the period; the cleaners' attendance is set so the total comes to about
    ``target``. Generated by PostgreSQL from two small tables loaded with COPY."""
    from django.db import connection

    from patrols.rules import RuleBook

    rule_book = RuleBook.load()
    periods = {role: list(_periods(rule_book, role, first, last)) for role in rule_book.roles}
    chiefs_by_role: dict[str, int] = {}
    for _pk, _reach, role, _first, _last in plan:
        chiefs_by_role[role] = chiefs_by_role.get(role, 0) + 1
    habits = {}
    expected = 0.0
    for role, (miss, extra) in HABITS.items():
        if role in periods:
            habits[role] = (miss, extra)
            owed = sum(minimum for _start, _days, minimum in periods[role])
            expected += chiefs_by_role.get(role, 0) * owed * (1 - miss) * (1 + extra)
    if "cleaner" in periods and chiefs_by_role.get("cleaner"):
        owed = chiefs_by_role["cleaner"] * sum(m for _s, _d, m in periods["cleaner"])
        attendance = max(0.0, target - expected) / owed
        # Cleaners fill the rest: most days, capped so the total stays near the target.
        habits["cleaner"] = (1 - min(attendance, 1.0), max(0.0, min(attendance - 1, 1.0)))

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(
            "CREATE TEMP TABLE bench_plan (chief_id int, reach_id int, role text, "
            "first_day date, last_day date, miss float8, extra float8) ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_period (role text, start date, days int, minimum int) "
            "ON COMMIT DROP"
        )
        with cursor.copy("COPY bench_plan FROM STDIN") as copy:
            for pk, reach, role, day_from, day_to in plan:
                if role in habits and day_from <= day_to:
                    copy.write_row((pk, reach, role, day_from, day_to, *habits[role]))
        with cursor.copy("COPY bench_period FROM STDIN") as copy:
            for role, rows in periods.items():
                for start, days, minimum in rows:
                    copy.write_row((role, start, days, minimum))
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(_PATROLS_SQL.format(track=_track_sql()), [INVALID_SHARE])
        return cursor.rowcount


def _track_sql() -> str:
    points = ", ".join(
        f"'[' || round((113.5 + r3 * 0.3 + {k} * 0.0008)::numeric, 6) || ',' || "
        f"round((34.7 + r4 * 0.2 + {k} * 0.0005)::numeric, 6) || ']'"
        for k in range(TRACK_POINTS)
    )
    return f"""('{{"type": "LineString", "coordinates": [' || concat_ws(',', {points}) || ']}}')"""


# Periods missed are dropped; each kept one gets its minimum (plus one now and then) of patrols,
# each on a random day of the period, kept if the chief served that day in the year.
_PATROLS_SQL = """
WITH slots AS (
    -- random() in the select list: one draw per period (in WHERE it would be one per chief)
    SELECT p.chief_id, p.reach_id, p.first_day, p.last_day, p.miss, p.extra,
           d.start, d.days, d.minimum, random() AS r_miss, random() AS r_extra
    FROM bench_plan p JOIN bench_period d ON d.role = p.role
    WHERE d.start + d.days > p.first_day AND d.start <= p.last_day
), picks AS (
    SELECT s.chief_id, s.reach_id, s.first_day, s.last_day,
           s.start + floor(random() * s.days)::int AS day,
           random() AS r1, random() AS r2, random() AS r3, random() AS r4
    FROM slots s
    CROSS JOIN LATERAL generate_series(1, s.minimum + (s.r_extra < s.extra)::int)
    WHERE s.r_miss >= s.miss
), timed AS (
    SELECT *, (day + time '07:00' + r1 * interval '10 hours') AT TIME ZONE 'Asia/Shanghai'
                  AS started_at,
           r2 >= %s AS valid
    FROM picks WHERE day BETWEEN first_day AND last_day
)
INSERT INTO patrols_patrol (
    uuid, chief_id, reach_id, started_at, ended_at, started_on, track_raw, track,
    points_dropped, distance_km, valid, invalid_reason, notes, created_by_id, created_at,
    filed_late, late_reason
)
SELECT gen_random_uuid(), chief_id, reach_id, started_at,
       started_at + CASE WHEN valid THEN 20 + r3 * 70 ELSE 3 + r3 * 5 END * interval '1 minute',
       day, NULL, {track}::jsonb, 0,
       round((CASE WHEN valid THEN 0.5 + r4 * 4.5 ELSE 0.05 + r4 * 0.2 END)::numeric, 3),
       valid,
       CASE WHEN valid THEN '' ELSE '时长 5 分钟，不足 10 分钟' END,
       '', NULL,
       started_at + CASE WHEN valid THEN 20 + r3 * 70 ELSE 3 + r3 * 5 END * interval '1 minute',
       false, ''
FROM timed
"""


def _describe() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE valid), min(started_on), max(started_on), "
            "pg_size_pretty(pg_total_relation_size('patrols_patrol')) FROM patrols_patrol"
        )
        total, valid, day_from, day_to, size = cursor.fetchone()
        cursor.execute("SELECT role, count(*) FROM rivers_chief GROUP BY role ORDER BY 2 DESC")
        roles = ", ".join(f"{role} {n}" for role, n in cursor.fetchall())
        cursor.execute(
            "SELECT c.role, count(*) FROM patrols_patrol p JOIN rivers_chief c "
            "ON c.id = p.chief_id GROUP BY c.role ORDER BY 2 DESC"
        )
        by_role = ", ".join(f"{role} {n}" for role, n in cursor.fetchall())
        cursor.execute(
            "SELECT current_setting('server_version'), current_setting('shared_buffers'), "
            "current_setting('work_mem'), current_setting('max_parallel_workers_per_gather'), "
            "current_setting('jit')"
        )
        version, buffers, work_mem, workers, jit = cursor.fetchone()
    print(
        f"PostgreSQL {version}: shared_buffers {buffers}, work_mem {work_mem}, "
        f"parallel workers per gather {workers}, jit {jit}; {os.cpu_count()} CPUs"
    )
    print(f"chiefs: {roles}")
    print(
        f"patrols: {total} ({valid / total:.1%} valid), {day_from} to {day_to}, "
        f"table with indexes {size}"
    )
    print(f"patrols by role: {by_role}")


# --- Timing -------------------------------------------------------------------------------------


def _timings(
    fns: list[Callable[[], Any]], *, runs: int, warmup: int
) -> tuple[list[list[float]], list[Any]]:
    """Run ``fns`` in turn, ``warmup`` times untimed and then ``runs`` times timed: interleaved,
    so that a busy spell on the machine falls on all of them alike."""
    results: list[Any] = [None] * len(fns)
    seconds: list[list[float]] = [[] for _ in fns]
    for turn in range(warmup + runs):
        for i, fn in enumerate(fns):
            started = time.perf_counter()
            results[i] = fn()
            if turn >= warmup:
                seconds[i].append(time.perf_counter() - started)
    return seconds, results


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank


def _counting_sql(first: datetime.date, last: datetime.date) -> tuple[str, tuple]:
    """The aggregate exactly as ``compliance_of`` builds it for all chiefs."""
    from patrols.rules import RuleBook
    from patrols.selectors import _counting_query
    from rivers.models import Chief

    rule_book = RuleBook.load()
    chiefs = Chief.objects.all().serving_between(first, last).filter(role__in=rule_book.roles)
    return _counting_query(chiefs=chiefs, rule_book=rule_book, date_from=first, date_to=last)


def _time(
    *, first: datetime.date, last: datetime.date, runs: int, warmup: int, explain: bool
) -> None:
    from django.db import connection

    from patrols.selectors import compliance_of
    from rivers.models import Chief

    def service():
        return compliance_of(chiefs=Chief.objects.all(), date_from=first, date_to=last)

    sql, params = _counting_sql(first, last)

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    print(f"\ntiming {first} to {last}: {warmup} warm-up and {runs} timed runs each, interleaved")
    (service_s, raw_s), (rows, raw_rows) = _timings([service, raw], runs=runs, warmup=warmup)
    rated = [row for row in rows if row.rate is not None]
    keeping = sum(1 for row in rated if row.rate >= Decimal("0.9"))
    print(
        f"  rows: service {len(rows)} chiefs ({len(rated)} rated, median rate "
        f"{statistics.median(row.rate for row in rated)}, {keeping} at 0.9 or more), "
        f"raw SQL {len(raw_rows)} chiefs with valid patrols"
    )
    print(f"  {'':22}{'median':>10}{'p95':>10}{'min':>10}{'max':>10}")
    for label, values in (("(a) compliance_of", service_s), ("(b) raw SQL", raw_s)):
        print(
            f"  {label:22}{statistics.median(values):>9.3f}s{_p95(values):>9.3f}s"
            f"{min(values):>9.3f}s{max(values):>9.3f}s"
        )
    ratio = statistics.median(service_s) / statistics.median(raw_s)
    print(f"  ratio (a)/(b) of medians: {ratio:.2f}x")
    met = statistics.median(service_s) < AIM_SECONDS and ratio <= AIM_RATIO
    print(
        f"  aim (< {AIM_SECONDS:g} s, within {AIM_RATIO:g}x of the SQL): "
        f"{'met' if met else 'MISSED'}"
    )
    if explain:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            print("\n" + "\n".join(line for (line,) in cursor.fetchall()))
    if not met:
        print("\nThe service missed the aim: profiling one run (also: --profile, --explain).")
        _profile(first=first, last=last)


def _profile(*, first: datetime.date, last: datetime.date) -> None:
    from patrols.selectors import compliance_of
    from rivers.models import Chief

    profiler = cProfile.Profile()
    profiler.enable()
    compliance_of(chiefs=Chief.objects.all(), date_from=first, date_to=last)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(30)
    print(out.getvalue())


if __name__ == "__main__":
    main()
