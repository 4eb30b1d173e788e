"""Benchmark: the pages a county's office opens most, at a county's size.

Builds (once; skipped when present) the county of benchmarks/dashboard.py in its own database:
10,000 chiefs, about 1,000,000 patrols, 200,000 issues (that script's and
patrol_compliance.py's builders), rebuilds the rollups, then times, interleaved in one run,
through Django's test client as the county's office (home also as a leader):

  GET /issues/                 the issue list with its filter form (pickers, no roster)
  GET /workbench/patrols/      the workbench's patrol list
  GET /api/v1/patrols/         the patrol list API (first page, default order)
  GET /api/v1/issues/          the issue list API
  GET /                        the home page (office, leader)
  GET /api/v1/stats/           every figure of the county for the year

each beside its raw SQL: the statements the page needs, written by hand (for stats/, the
statements the view sends, captured once and replayed on a cursor), run on the same connection.
p50, p95 and max of each; the aim: p95 under 200 ms. Run from the project root:

    .venv/bin/python benchmarks/county_pages.py [--runs 30] [--drop]

See benchmarks/README.md.
"""

# ruff: noqa: S608 - the raw SQL is built from constants; ids go as parameters

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import _django  # noqa: E402 - the database and Django setup of every benchmark
import dashboard as db  # noqa: E402 - the county builder this benchmark reuses
import patrol_compliance as pc  # noqa: E402

DEFAULT_DATABASE = "river_chief_pages_bench"
AIM_P95_MS = 200.0
OFFICE = "bench-office"


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    _django.django_on(args.server, args.database, drop=args.drop)
    from django.conf import settings

    # As in production (the test settings count stats/ live: tests' writes never commit).
    settings.STATS_FROM_ROLLUPS = True

    first, last = datetime.date(args.year, 1, 1), datetime.date(args.year, 12, 31)
    if not db._data_present(args.chiefs):
        started = time.perf_counter()
        pc._build(chiefs=args.chiefs, patrols=args.patrols, first=first, last=last)
        db._build_issues(args.issues, first=first, last=last)
        db._build_cleanups(args.cleanups, first=first, last=last)
        db._analyze()
        print(f"build: {time.perf_counter() - started:.1f} s in all")
    db._describe()
    if args.rebuild_rollups or not _rollups_present(first):
        from reports import rollups

        started = time.perf_counter()
        result = rollups.rebuild(first=first, last=last)
        db._analyze()
        print(
            f"rollups rebuilt: {result.months} months, {result.rows} rows "
            f"in {time.perf_counter() - started:.1f} s"
        )
    _time(
        first=first,
        last=last,
        runs=args.runs,
        warmup=args.warmup,
        live=args.live_runs,
        only_stats=args.only_stats,
    )


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chiefs", type=int, default=10_000, help="chiefs (default 10000)")
    parser.add_argument("--patrols", type=int, default=1_000_000, help="patrols, about")
    parser.add_argument("--issues", type=int, default=200_000, help="issues (default 200000)")
    parser.add_argument("--cleanups", type=int, default=5_000, help="cleanups (default 5000)")
    parser.add_argument("--year", type=int, default=2025, help="the year (2025)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each (30)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (2)")
    parser.add_argument(
        "--live-runs", type=int, default=3, help="runs of the all-live statistics, for scale"
    )
    parser.add_argument("--rebuild-rollups", action="store_true", help="rebuild them anyway")
    parser.add_argument(
        "--only-stats", action="store_true", help="time only stats/ and its raw SQL"
    )
    _django.add_database_arguments(parser, database=DEFAULT_DATABASE)
    args = parser.parse_args(argv)
    if args.chiefs < 100 or args.patrols < 1 or args.issues < 1:
        parser.error("--chiefs must be at least 100; --patrols and --issues positive")
    return args


def _rollups_present(first: datetime.date) -> bool:
    """The year's rollups are there, the newer tables included (a database rolled up before
    they existed is rebuilt once after the migration that adds them)."""
    from reports.models import ChiefMonth, OverdueSpan, TreeIssueSourceMonth, TreeMonth

    return (
        TreeMonth.objects.filter(month=first).exists()
        and TreeIssueSourceMonth.objects.filter(month=first).exists()
        and ChiefMonth.objects.filter(month=first, patrolled__gt=0).exists()
        and OverdueSpan.objects.exists()
    )


def _users():
    from accounts.models import Region, Role, User

    county = Region.objects.get(code=pc.BENCH_CODE)
    office = User.objects.filter(username=OFFICE).first()
    if office is None:
        office = User.objects.create_user(
            username=OFFICE, password=None, role=Role.OFFICE, region=county
        )
    leader = User.objects.filter(username=db.LEADER).first()
    if leader is None:
        leader = User.objects.create_user(
            username=db.LEADER, password=None, role=Role.LEADER, region=county
        )
    return county, office, leader


# --- the raw SQL of each page, by hand ----------------------------------------------------------
# (built from constants only; the region and user ids go as parameters)

SUBTREE = (
    "SELECT r.id FROM rivers_region r LEFT JOIN rivers_region p ON p.id = r.parent_id "
    "WHERE r.id = %(r)s OR r.parent_id = %(r)s OR p.parent_id = %(r)s"
)
SESSION_USER = (
    "SELECT u.*, g.name FROM accounts_user u LEFT JOIN rivers_region g ON g.id = u.region_id "
    "WHERE u.id = %(u)s"
)
ISSUE_PAGE = (
    "SELECT i.*, g.name, r.name, v.name, c.name, a.name FROM issues_issue i "  # nosec B608 (constants only; values go as parameters)
    "JOIN rivers_region g ON g.id = i.region_id "
    "LEFT JOIN rivers_reach r ON r.id = i.reach_id LEFT JOIN rivers_river v ON v.id = r.river_id "
    "LEFT JOIN rivers_chief c ON c.id = i.assignee_chief_id "
    "LEFT JOIN rivers_region a ON a.id = i.assignee_region_id "
    f"WHERE i.region_id IN ({SUBTREE}) ORDER BY i.reported_at DESC, i.id DESC LIMIT %(n)s"
)
ISSUE_COUNT = (
    "SELECT count(*) FROM (SELECT i.id FROM issues_issue i "  # nosec B608 (constants only; values go as parameters)
    f"WHERE i.region_id IN ({SUBTREE}) LIMIT 10001) capped"
)
PATROL_PAGE = (
    "SELECT p.id, p.uuid, p.started_at, p.ended_at, p.distance_km, p.valid, p.track, "  # nosec B608 (constants only; values go as parameters)
    "p.notes, c.name, r.name, v.name FROM patrols_patrol p "
    "JOIN rivers_reach r ON r.id = p.reach_id JOIN rivers_river v ON v.id = r.river_id "
    "JOIN rivers_chief c ON c.id = p.chief_id "
    f"WHERE r.region_id IN ({SUBTREE}) ORDER BY p.started_at DESC, p.id DESC LIMIT %(n)s"
)
PATROL_COUNT = (
    "SELECT count(*) FROM (SELECT p.id FROM patrols_patrol p "  # nosec B608 (constants only; values go as parameters)
    "JOIN rivers_reach r ON r.id = p.reach_id "
    f"WHERE r.region_id IN ({SUBTREE}) LIMIT 10001) capped"
)
FINDINGS = "SELECT f.* FROM patrols_finding f WHERE f.patrol_id = ANY(%(ids)s)"
# The office's home (workbench.selectors.office_todos): one aggregate over the open issues, the
# public reports waiting for triage, the map patches to verify, failed reports, the bell.
OPEN_ISSUES = f"status NOT IN ('closed', 'voided') AND region_id IN ({SUBTREE})"
OFFICE_TODOS = [
    "SELECT count(*) FILTER (WHERE status = 'reported'), "  # nosec B608 (constants only; values go as parameters)
    "count(*) FILTER (WHERE status = 'awaiting_acceptance'), "
    "count(*) FILTER (WHERE deadline >= %(today)s AND deadline <= %(due)s), "
    f"count(*) FILTER (WHERE deadline < %(today)s) FROM issues_issue WHERE {OPEN_ISSUES}",
    "SELECT count(*) FROM public_reports_publicreport p JOIN issues_issue i ON i.id = p.issue_id "  # nosec B608 (constants only; values go as parameters)
    f"WHERE p.triage = 'pending' AND i.region_id IN ({SUBTREE})",
    "SELECT count(*) FROM map_patches_mappatch "  # nosec B608 (constants only; values go as parameters)
    f"WHERE verdict = 'pending' AND region_id IN ({SUBTREE})",
    f"SELECT count(*) FROM reports_report WHERE status = 'failed' AND region_id IN ({SUBTREE})",  # nosec B608 (constants only; values go as parameters)
    "SELECT count(*) FROM notifications_notification WHERE recipient_id = %(u)s "
    "AND read_at IS NULL",
]
# The leader's home: the overdue open issues, the communities with the most of them (named,
# with their streets), this month's patrol ranking of the streets from the subtree rollups.
LEADER_HOME = [
    f"SELECT count(*) FROM issues_issue WHERE {OPEN_ISSUES} AND deadline < %(today)s",  # nosec B608 (constants only; values go as parameters)
    "SELECT g.id, g.name, s.name, n, oldest FROM (SELECT region_id, count(*) AS n, "  # nosec B608 (constants only; values go as parameters)
    f"min(deadline) AS oldest FROM issues_issue WHERE {OPEN_ISSUES} AND deadline < %(today)s "
    "GROUP BY region_id ORDER BY n DESC, oldest LIMIT 10) o "
    "JOIN rivers_region g ON g.id = o.region_id LEFT JOIN rivers_region s ON s.id = g.parent_id",
    "SELECT g.id, g.name, t.counted, t.required FROM reports_treemonth t "
    "JOIN rivers_region g ON g.id = t.region_id WHERE g.parent_id = %(r)s AND t.month = %(month)s",
    "SELECT count(*) FROM notifications_notification WHERE recipient_id = %(l)s "
    "AND read_at IS NULL",
]


def _time(
    *,
    first: datetime.date,
    last: datetime.date,
    runs: int,
    warmup: int,
    live: int,
    only_stats: bool = False,
) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from reports.statistics import region_statistics
    from workbench.selectors import due_soon_last_day

    county, office, leader = _users()
    as_office = Client(HTTP_HOST="127.0.0.1")
    as_office.force_login(office)
    as_leader = Client(HTTP_HOST="127.0.0.1")
    as_leader.force_login(leader)
    today = datetime.date.today()
    params = {
        "r": county.pk,
        "u": office.pk,
        "l": leader.pk,
        "today": today,
        "due": due_soon_last_day(today=today),
        "month": today.replace(day=1),
    }
    stats_query = {"date_from": first.isoformat(), "date_to": last.isoformat()}

    def get(client, path, query=None):
        def fetch():
            response = client.get(path, query or {})
            if response.status_code != 200:
                sys.exit(f"benchmark stopped: {path} answered HTTP {response.status_code}")
            return response

        return fetch

    def raw(*statements, extra: Callable | None = None):
        def run():
            with connection.cursor() as cursor:
                for sql, values in statements:
                    cursor.execute(sql, values)
                    rows = cursor.fetchall()
                if extra is not None:
                    extra(cursor, rows)  # nosec B610 (a callback named extra, not QuerySet.extra)

        return run

    def findings(cursor, rows):
        cursor.execute(FINDINGS, {"ids": [row[0] for row in rows]})
        cursor.fetchall()

    def page_sql(page, count, n):
        return [
            (SESSION_USER, params),
            (count, params),
            (page, {**params, "n": n}),
        ]

    # stats/: the statements the view sends, captured once and replayed.
    with CaptureQueriesContext(connection) as captured:
        get(as_office, "/api/v1/stats/", stats_query)()
    stats_sql = [(q["sql"], None) for q in captured.captured_queries if q["sql"]]
    print(f"stats/ sends {len(stats_sql)} statements; the slowest, each run once:")
    costs = []
    with connection.cursor() as cursor:
        for sql, _ in stats_sql:
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            costs.append((time.perf_counter() - started, sql))
    for cost, sql in sorted(costs, reverse=True)[:8]:
        print(f"  {cost * 1000:8.1f} ms  {_what(sql)}")

    html = get(as_office, "/issues/")().content.decode()
    print(
        f"/issues/ as the office: {html.count('<option')} <option>s in "
        f"{len(html) // 1024} KB of HTML"
    )
    body = get(as_office, "/api/v1/patrols/")().json()
    print(
        f"/api/v1/patrols/: count {body['count']}, count_capped {body.get('count_capped')}, "
        f"{len(body['results'])} rows"
    )
    stats = get(as_office, "/api/v1/stats/", stats_query)().json()
    print(
        f"stats/ {first.year}: patrols {stats['patrols']}, issues found "
        f"{stats['issues_found']}, closed {stats['issues_closed']}, patrol rate "
        f"{stats['patrol_rate']}, chiefs short {stats['chiefs_short']}"
    )
    if live:
        times = []
        for _ in range(live):
            started = time.perf_counter()
            everything = region_statistics(region=county, date_from=first, date_to=last)
            times.append(time.perf_counter() - started)
        print(
            f"all-live statistics (reports.statistics.region_statistics), {live} runs: "
            f"median {sorted(times)[len(times) // 2] * 1000:.0f} ms; "
            f"same figures as stats/: {_same(everything.as_dict(), stats)}"
        )

    named: list[tuple[str, Callable]] = [
        ("/issues/", get(as_office, "/issues/")),
        ("  raw", raw(*page_sql(ISSUE_PAGE, ISSUE_COUNT, 40))),
        ("/workbench/patrols/", get(as_office, "/workbench/patrols/")),
        ("  raw", raw(*page_sql(PATROL_PAGE, PATROL_COUNT, 25))),
        ("/api/v1/patrols/", get(as_office, "/api/v1/patrols/")),
        ("  raw", raw(*page_sql(PATROL_PAGE, PATROL_COUNT, 50), extra=findings)),
        ("/api/v1/issues/", get(as_office, "/api/v1/issues/")),
        ("  raw", raw(*page_sql(ISSUE_PAGE, ISSUE_COUNT, 50))),
        ("/ (office)", get(as_office, "/")),
        ("  raw", raw((SESSION_USER, params), *((sql, params) for sql in OFFICE_TODOS))),
        ("/ (leader)", get(as_leader, "/")),
        ("  raw", raw((SESSION_USER, params), *((sql, params) for sql in LEADER_HOME))),
        ("/api/v1/stats/ (year)", get(as_office, "/api/v1/stats/", stats_query)),
        ("  raw (replayed)", raw(*stats_sql)),
    ]
    if only_stats:
        named = named[-2:]
    print(f"\ntiming: {warmup} warm-up and {runs} timed runs each, interleaved")
    timings = db._timings([fn for _, fn in named], runs=runs, warmup=warmup)
    print(f"  {'':26}{'p50':>10}{'p95':>10}{'max':>10}")
    worst = 0.0
    for (label, _), values in zip(named, timings, strict=True):
        p50, p95 = db._p(values, 50), db._p(values, 95)
        if not label.startswith(" "):
            worst = max(worst, p95)
        print(f"  {label:26}{p50 * 1000:>8.1f}ms{p95 * 1000:>8.1f}ms{max(values) * 1000:>8.1f}ms")
    print(
        f"  aim (every page p95 < {AIM_P95_MS:g} ms): "
        f"{'met' if worst * 1000 < AIM_P95_MS else 'MISSED'} (worst p95 {worst * 1000:.1f} ms)"
    )


def _what(sql: str) -> str:
    """A statement of stats/, named by what it reads (a figure's own SELECT list is long)."""
    table = sql.split(" FROM ", 1)[1].split()[0].strip('"') if " FROM " in sql else "?"
    head = sql[7:70].replace('"', "")
    return f"{table}: {head}..."


def _same(live: dict, served: dict) -> str:
    differ = [
        key for key, value in live.items() if key in served and _plain(value) != _plain(served[key])
    ]
    return "yes" if not differ else f"NO, they differ in {', '.join(differ)}"


def _plain(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


if __name__ == "__main__":
    main()
