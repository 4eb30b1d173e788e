"""Benchmark: a province's portal, 20 counties in one database.

Builds (once; skipped when present), in its own PostgreSQL database, ``--counties`` counties of
``--chiefs`` chiefs each (default 20 x 5,000 = 100,000 chiefs), about ``--patrols`` patrols over
a year (10,000,000), ``--issues`` issues (1,000,000) and ``--cleanups`` cleanups, with the
builders of patrol_compliance.py and dashboard.py (COPY and ``INSERT ... SELECT`` in
PostgreSQL, one county's patrols per transaction), then ``VACUUM (ANALYZE)`` and the rollups'
rebuild. Then it times, each beside its SQL:

  dashboard    the dashboard of one county for the year (dashboard.py's timing: selector, API,
               page, raw SQL), and the province's year from the same rollups in raw SQL
  compliance   ``compliance_of`` for every chief (100,000), the aggregate it sends, and the
               best hand-written SQL of the same figures
  lists        the list APIs (patrols, issues, chiefs, reaches) as a county's office and as the
               province (a superuser), beside the statements each sends, replayed

Run from the project root:

    .venv/bin/python benchmarks/province.py                       # build if missing, time all
    .venv/bin/python benchmarks/province.py --counties 2 --patrols 200000 --issues 20000 \\
        --database river_chief_province_small                      # a small one, to try it
    .venv/bin/python benchmarks/province.py --only compliance --runs 5

See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import _django  # noqa: E402 - the database and Django setup of every benchmark
import dashboard as db  # noqa: E402 - the issue and cleanup builders, the dashboard's timing
import patrol_compliance as pc  # noqa: E402 - the county builder

DEFAULT_DATABASE = "river_chief_province"
PREFIX = "P"  # county codes P00, P01, ...
OFFICE = "province-office"  # the first county's office
PROVINCE = "province-admin"  # a superuser: sees every county
AIM_LIST_P95_MS = 50.0
AIM_RATIO = 1.5


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    _django.django_on(args.server, args.database, drop=args.drop)
    from django.conf import settings

    logging.disable(logging.INFO)  # a log line per request would be timed too

    # As in production (the test settings count stats/ live: tests' writes never commit).
    settings.STATS_FROM_ROLLUPS = True
    first, last = datetime.date(args.year, 1, 1), datetime.date(args.year, 12, 31)
    if not _present(args):
        _build(args, first=first, last=last)
    _describe()
    wanted = set(args.only or ["dashboard", "compliance", "lists"])
    if "dashboard" in wanted:
        _dashboard(first=first, last=last, runs=args.runs, warmup=args.warmup)
    if "compliance" in wanted:
        _compliance(first=first, last=last, runs=args.compliance_runs)
    if "lists" in wanted:
        _lists(runs=args.runs, warmup=args.warmup)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counties", type=int, default=20, help="counties (20)")
    parser.add_argument("--chiefs", type=int, default=5_000, help="chiefs per county (5000)")
    parser.add_argument("--patrols", type=int, default=10_000_000, help="patrols in all, about")
    parser.add_argument("--issues", type=int, default=1_000_000, help="issues in all (1000000)")
    parser.add_argument("--cleanups", type=int, default=50_000, help="cleanups in all (50000)")
    parser.add_argument("--year", type=int, default=2025, help="the year (2025)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each page (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (3)")
    parser.add_argument(
        "--compliance-runs", type=int, default=3, help="timed runs of the compliance (3)"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=["build", "dashboard", "compliance", "lists"],
        help="only these parts (repeatable); 'build' builds and times nothing",
    )
    _django.add_database_arguments(parser, database=DEFAULT_DATABASE)
    args = parser.parse_args(argv)
    if args.chiefs < 100 or args.counties < 1 or args.patrols < 1 or args.issues < 1:
        parser.error("--chiefs at least 100; --counties, --patrols and --issues positive")
    return args


# --- Building -----------------------------------------------------------------------------------


def _codes(counties: int) -> list[str]:
    return [f"{PREFIX}{k:02d}" for k in range(counties)]


def _present(args: argparse.Namespace) -> bool:
    from accounts.models import Region
    from rivers.models import Chief

    counties = list(Region.objects.filter(parent=None, code__in=_codes(args.counties)))
    have = len(counties)
    if not have:
        return False
    # The counties' own chiefs (the load run seeds the demo street into this database too).
    chiefs = sum(Chief.objects.in_region(county).count() for county in counties)
    if have != args.counties or chiefs != args.counties * args.chiefs:
        sys.exit(
            f"The benchmark database holds {have} counties and {chiefs} chiefs, not "
            f"{args.counties} x {args.chiefs}: run again with --drop to rebuild it."
        )
    print("build: skipped, the data is already there (--drop rebuilds it)")
    return True


def _build(args: argparse.Namespace, *, first: datetime.date, last: datetime.date) -> None:
    from django.db import connection, transaction

    from reports import rollups

    started = time.perf_counter()
    with connection.cursor() as cursor:
        # The change history's triggers (django-pghistory: a history row per inserted patrol,
        # issue, chief...) and the foreign keys' triggers are off for the build: they made
        # 100,000 patrols take minutes, the rows are consistent by construction, and no timed
        # read looks at the history.
        cursor.execute("SET session_replication_role = replica")
    plans = []
    for k, code in enumerate(_codes(args.counties)):
        with transaction.atomic():
            plans.append(
                pc._build_roster(
                    args.chiefs, first=first, last=last, code=code, name=f"基准{k:02d}区"
                )
            )
    print(
        f"  roster: {args.counties} counties, {args.counties * args.chiefs} chiefs "
        f"in {time.perf_counter() - started:.1f} s"
    )
    step = time.perf_counter()
    written = 0
    for k, plan in enumerate(plans):
        with transaction.atomic():
            written += pc._build_patrols(
                plan,
                target=args.patrols // args.counties,
                first=first,
                last=last,
                seed=(k + 1) / (args.counties + 1),  # each county its own draws
            )
        elapsed = time.perf_counter() - step
        print(f"    county {k + 1}/{args.counties}: {written} patrols, {elapsed:.0f} s")
    print(f"  patrols: {written} inserted in {time.perf_counter() - step:.1f} s")
    step = time.perf_counter()
    with connection.cursor() as cursor:
        # What the partitioned table's uuid triggers (off for the build) would have kept.
        cursor.execute("SELECT to_regclass('patrols_patrol_uuid') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute(
                "INSERT INTO patrols_patrol_uuid (uuid, patrol_id) "
                "SELECT uuid, id FROM patrols_patrol ON CONFLICT DO NOTHING"
            )
            print(f"  uuid keys: {cursor.rowcount} in {time.perf_counter() - step:.1f} s")
    db._build_issues(args.issues, first=first, last=last)
    db._build_cleanups(args.cleanups, first=first, last=last)
    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("RESET session_replication_role")
        # What autovacuum would have done on live tables: statistics and the visibility map.
        for table in (
            "patrols_patrol",
            "rivers_chief",
            "rivers_region",
            "rivers_reach",
            "rivers_chief_reaches",
            "issues_issue",
            "activities_cleanup",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(f"  vacuum analyze: {time.perf_counter() - step:.1f} s")
    step = time.perf_counter()
    result = rollups.rebuild(first=first, last=last)
    db._analyze()
    with connection.cursor() as cursor:
        for table in (
            "reports_treemonth",
            "reports_treeissuemonth",
            "reports_treeclosedmonth",
            "reports_treeoverdue",
            "reports_overduespan",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(
        f"  rollups rebuilt: {result.months} months, {result.rows} rows "
        f"in {time.perf_counter() - step:.1f} s"
    )
    print(f"build: {time.perf_counter() - started:.1f} s in all")


def _describe() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM rivers_region WHERE parent_id IS NULL), "
            "(SELECT count(*) FROM rivers_region), (SELECT count(*) FROM rivers_chief), "
            "(SELECT count(*) FROM rivers_reach), "
            "(SELECT count(*) FROM patrols_patrol), "
            "pg_size_pretty((SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "WHERE c.relname LIKE 'patrols_patrol%%' AND c.relkind IN ('r', 'p'))::bigint), "
            "(SELECT count(*) FROM pg_inherits WHERE inhparent = 'patrols_patrol'::regclass), "
            "(SELECT count(*) FROM issues_issue), "
            "(SELECT count(*) FROM issues_issue WHERE status NOT IN ('closed', 'voided')), "
            "pg_size_pretty(pg_database_size(current_database()))"
        )
        tops, regions, chiefs, reaches, patrols, size, parts, issues, open_, total = (
            cursor.fetchone()
        )
    print(
        f"data: {tops} counties, {regions} regions, {chiefs} chiefs, {reaches} reaches; "
        f"{patrols} patrols ({size} with indexes, {parts} partitions); {issues} issues "
        f"({open_} open); database {total}"
    )


def _users():
    from accounts.models import Region, Role, User

    county = Region.objects.get(code=f"{PREFIX}00")
    office = User.objects.filter(username=OFFICE).first() or User.objects.create_user(
        username=OFFICE, password=None, role=Role.OFFICE, region=county
    )
    leader = User.objects.filter(username=db.LEADER).first() or User.objects.create_user(
        username=db.LEADER, password=None, role=Role.LEADER, region=county
    )
    province = User.objects.filter(username=PROVINCE).first() or User.objects.create_superuser(
        username=PROVINCE, password=None, role=Role.ADMIN
    )
    return county, office, leader, province


# --- the dashboard ------------------------------------------------------------------------------

# The province's year from the rollups: what a dashboard of the 20 counties would read (the
# counties' subtree rows, summed), and its open and overdue issues, the 20 most overdue.
PROVINCE_SQL = [
    "SELECT id, name FROM rivers_region WHERE parent_id IS NULL AND code LIKE 'P%%'",  # PREFIX
    "SELECT month, sum(patrols), sum(patrols_invalid), sum(cleaning_rounds), sum(issues_found), "
    "sum(cleanups), sum(garbage_t), sum(required), sum(done), sum(counted) "
    "FROM reports_treemonth WHERE region_id = ANY(%(tops)s) "
    "AND month BETWEEN %(first)s AND %(last)s GROUP BY month",
    "SELECT region_id, sum(required), sum(counted), sum(issues_found) FROM reports_treemonth "
    "WHERE region_id = ANY(%(tops)s) AND month BETWEEN %(first)s AND %(last)s "
    "GROUP BY region_id",
    "SELECT region_id, sum(issues) FROM reports_treeclosedmonth "
    "WHERE region_id = ANY(%(tops)s) AND closed_month <= %(last)s "
    "AND month BETWEEN %(first)s AND %(last)s GROUP BY region_id",
    "SELECT sum(issues) FROM reports_treeclosedmonth WHERE region_id = ANY(%(tops)s) "
    "AND closed_month BETWEEN %(first)s AND %(last)s",
    "SELECT category, sum(issues) FROM reports_treeissuemonth WHERE region_id = ANY(%(tops)s) "
    "AND month BETWEEN %(first)s AND %(last)s GROUP BY category",
    "SELECT status, sum(issues) FROM reports_treeissuemonth WHERE region_id = ANY(%(tops)s) "
    "AND month BETWEEN %(first)s AND %(last)s GROUP BY status",
    "SELECT count(*) FROM issues_issue WHERE status NOT IN ('closed', 'voided') "
    "AND reported_at < %(end)s",
    "SELECT coalesce(sum(spans) FILTER (WHERE end_month IS NULL OR end_month >= %(last)s), 0) "
    "FROM reports_treeoverdue WHERE region_id = ANY(%(tops)s) AND first_month <= %(last)s "
    "AND (last_month IS NULL OR last_month >= %(first)s)",
    "SELECT i.id, i.code, i.title, i.status, i.deadline, g.name, r.name, v.name "
    "FROM issues_issue i JOIN rivers_region g ON g.id = i.region_id "
    "LEFT JOIN rivers_reach r ON r.id = i.reach_id "
    "LEFT JOIN rivers_river v ON v.id = r.river_id "
    "WHERE i.status NOT IN ('closed', 'voided') AND i.reported_at < %(end)s "
    "AND i.deadline < %(today)s ORDER BY i.deadline, i.reported_at, i.id LIMIT 20",
]


def _dashboard(*, first: datetime.date, last: datetime.date, runs: int, warmup: int) -> None:
    from django.db import connection
    from django.utils import timezone

    county, _office, leader, province = _users()
    print(f"\n== the dashboard of one county ({county.name}), {first.year}")
    db._time(
        first=first, last=last, runs=runs, warmup=warmup, live_runs=0, user=leader, county=county
    )
    print("\n== the province's year (every county), raw SQL")
    end = timezone.make_aware(
        datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
    )

    def province_raw():
        with connection.cursor() as cursor:
            cursor.execute(PROVINCE_SQL[0])
            tops = [row[0] for row in cursor.fetchall()]
            params = {
                "tops": tops,
                "first": first,
                "last": last.replace(day=1),
                "end": end,
                "today": timezone.localdate(),
            }
            for sql in PROVINCE_SQL[1:]:
                cursor.execute(sql, params)
                cursor.fetchall()

    # What the portal answers for the province today: no region holds the counties (the tree
    # has three levels, a county on top), so the dashboard is asked once per county.
    from accounts.models import Region
    from reports.dashboard import dashboard

    counties = list(Region.objects.filter(parent=None, code__startswith=PREFIX).order_by("code"))

    def every_county():
        for region in counties:
            dashboard(user=province, region=region, date_from=first, date_to=last)

    seconds, per_county = db._timings(
        [province_raw, every_county], runs=max(3, runs // 3), warmup=1
    )
    for label, values in (
        ("raw SQL, the counties' rollups summed", seconds),
        (f"the dashboard of each of the {len(counties)} counties", per_county),
    ):
        print(
            f"  {label:44} p50 {db._p(values, 50) * 1000:7.1f} ms, "
            f"p95 {db._p(values, 95) * 1000:7.1f} ms, max {max(values) * 1000:7.1f} ms"
        )


# --- compliance ---------------------------------------------------------------------------------

# The least SQL of the same figures, by hand: each chief's valid patrols while serving, bucketed
# into its role's periods by date arithmetic on the day number (no date_part per row): a
# calendar of the year's days, one row per (role, day) with the period's number, joined by
# value; capped per owed period, summed per chief.
BEST_COMPLIANCE_SQL = """
WITH owed AS (
    SELECT * FROM unnest(%(roles)s::text[], %(starts)s::date[], %(ends)s::date[], %(caps)s::int[])
        AS o(role, first_day, last_day, cap)
), days AS (
    SELECT o.role, d::date AS day, o.first_day, o.last_day, o.cap
    FROM owed o, generate_series(o.first_day, o.last_day, interval '1 day') d
), per_day AS (
    SELECT p.chief_id, p.started_on, count(*) AS n
    FROM patrols_patrol p
    WHERE p.valid AND p.started_on BETWEEN %(from)s AND %(to)s
    GROUP BY p.chief_id, p.started_on
), per_period AS (
    SELECT t.chief_id, d.first_day, min(d.cap) AS cap, sum(t.n) AS n
    FROM per_day t JOIN rivers_chief c ON c.id = t.chief_id
    JOIN days d ON d.role = c.role AND d.day = t.started_on
    WHERE t.started_on >= c.appointed_on
      AND (c.relieved_on IS NULL OR t.started_on <= c.relieved_on)
      AND c.appointed_on <= d.first_day AND (c.relieved_on IS NULL OR c.relieved_on >= d.last_day)
    GROUP BY t.chief_id, d.first_day
), done AS (
    SELECT p.chief_id, count(*) AS done
    FROM patrols_patrol p JOIN rivers_chief c ON c.id = p.chief_id
    WHERE p.valid AND p.started_on BETWEEN %(from)s AND %(to)s
      AND p.started_on >= c.appointed_on
      AND (c.relieved_on IS NULL OR p.started_on <= c.relieved_on)
    GROUP BY p.chief_id
)
SELECT done.chief_id, done.done, coalesce(sum(least(pp.n, pp.cap)), 0)
FROM done LEFT JOIN per_period pp ON pp.chief_id = done.chief_id
GROUP BY done.chief_id, done.done
"""


def _compliance(*, first: datetime.date, last: datetime.date, runs: int) -> None:
    from django.db import connection

    from patrols.rules import RuleBook
    from patrols.selectors import compliance_of, owed_periods
    from rivers.models import Chief

    print(f"\n== compliance of every chief, {first} to {last}")
    sql, params = pc._counting_sql(first, last)
    rule_book = RuleBook.load()
    owed = owed_periods(
        rule_book, roles=rule_book.roles, date_from=first, as_of=last, today=datetime.date.today()
    )
    best_params = {
        "roles": [o.role for o in owed],
        "starts": [o.start for o in owed],
        "ends": [o.end for o in owed],
        "caps": [o.min_count for o in owed],
        "from": first,
        "to": last,
    }

    def service():
        return compliance_of(chiefs=Chief.objects.all(), date_from=first, date_to=last)

    def aggregate():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def best():
        with connection.cursor() as cursor:
            cursor.execute(BEST_COMPLIANCE_SQL, best_params)
            return cursor.fetchall()

    old_sql, old_params = _first_version_sql(first, last)

    def first_version():
        with connection.cursor() as cursor:
            cursor.execute(old_sql, old_params)
            return cursor.fetchall()

    named = [
        ("(a) compliance_of", service),
        ("(b) its SQL", aggregate),
        ("(c) calendar join", best),
        ("(d) date_part keys", first_version),
    ]
    seconds, results = pc._timings([fn for _, fn in named], runs=runs, warmup=1)
    rows, agg_rows, best_rows, old_rows = results
    same = sorted(old_rows) == sorted(agg_rows)
    print(f"  (d) gives the same rows as (b): {'yes' if same else 'NO'}")
    rated = [row for row in rows if row.rate is not None]
    print(
        f"  rows: service {len(rows)} chiefs ({len(rated)} rated), its SQL {len(agg_rows)}, "
        f"best SQL {len(best_rows)}"
    )
    mine = {row[0]: (int(row[1]), int(row[2])) for row in agg_rows}
    theirs = {row[0]: (int(row[1]), int(row[2])) for row in best_rows}
    print(
        f"  best SQL gives the same (done, counted) per chief: {'yes' if mine == theirs else 'NO'}"
    )
    fastest = min(statistics.median(values) for values in seconds[1:])
    print(f"  {'':22}{'median':>10}{'min':>10}{'max':>10}{'/best':>8}")
    for (label, _), values in zip(named, seconds, strict=True):
        print(
            f"  {label:22}{statistics.median(values):>9.2f}s{min(values):>9.2f}s"
            f"{max(values):>9.2f}s{statistics.median(values) / fastest:>7.2f}x"
        )
    ratio = statistics.median(seconds[0]) / fastest
    print(
        f"  aim (service within {AIM_RATIO:g}x of the best SQL): "
        f"{'met' if ratio <= AIM_RATIO else 'MISSED'} ({ratio:.2f}x)"
    )


def _first_version_sql(first: datetime.date, last: datetime.date) -> tuple[str, tuple]:
    """The aggregate as compliance_of built it before periods were named by day numbers: the
    period's first day as YYYYMMDD from three date_parts per patrol."""
    from patrols import periods, selectors

    ymd = (
        "(date_part('year', {d})::int * 10000 + date_part('month', {d})::int * 100"
        " + date_part('day', {d})::int)"
    )
    saved = periods._PG_KEY, selectors.period_key
    periods._PG_KEY = ymd
    selectors.period_key = lambda day: day.year * 10000 + day.month * 100 + day.day
    try:
        return pc._counting_sql(first, last)
    finally:
        periods._PG_KEY, selectors.period_key = saved


# --- the list APIs ------------------------------------------------------------------------------

LISTS = ["/api/v1/patrols/", "/api/v1/issues/", "/api/v1/chiefs/", "/api/v1/reaches/"]


def _lists(*, runs: int, warmup: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    _county, office, _leader, province = _users()
    named: list[tuple[str, Callable]] = []
    for who, user in (("county office", office), ("province", province)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        for path in LISTS:

            def fetch(client=client, path=path):
                response = client.get(path)
                if response.status_code != 200:
                    sys.exit(f"benchmark stopped: {path} answered HTTP {response.status_code}")
                return response

            body = fetch().json()
            with CaptureQueriesContext(connection) as captured:
                fetch()
            statements = [q["sql"] for q in captured.captured_queries if q["sql"]]

            def replay(statements=statements):
                with connection.cursor() as cursor:
                    for sql in statements:
                        cursor.execute(sql)
                        cursor.fetchall()

            print(
                f"  {who:14} {path:20} count {body.get('count')}"
                f"{' (capped)' if body.get('count_capped') else ''}, "
                f"{len(body.get('results', []))} rows, {len(statements)} statements"
            )
            named.append((f"{path} ({who})", fetch))
            named.append(("  its SQL, replayed", replay))
    print(f"\n== list APIs: {warmup} warm-up and {runs} timed runs each, interleaved")
    timings = db._timings([fn for _, fn in named], runs=runs, warmup=warmup)
    print(f"  {'':36}{'p50':>10}{'p95':>10}{'max':>10}")
    worst = 0.0
    for (label, _), values in zip(named, timings, strict=True):
        p50, p95 = db._p(values, 50), db._p(values, 95)
        if not label.startswith(" "):
            worst = max(worst, p95)
        print(f"  {label:36}{p50 * 1000:>8.1f}ms{p95 * 1000:>8.1f}ms{max(values) * 1000:>8.1f}ms")
    print(
        f"  aim (every list p95 < {AIM_LIST_P95_MS:g} ms): "
        f"{'met' if worst * 1000 < AIM_LIST_P95_MS else 'MISSED'} (worst p95 {worst * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    main()
