"""Benchmark: assessment (考核) rounds of a whole county, and the round's pages.

Uses the county of benchmarks/county_pages.py in its database (built by that script's builders
when missing: 10,000 chiefs, about 1,000,000 patrols, 200,000 issues over 2025). Everything it
writes is undone: it runs in one transaction rolled back at the end (then VACUUMs the issues it
touched), so the database is left as found. In that transaction it

1. hands each issue to a community chief of its community who served on the day it was found
   (the built county hands none, so a chief's resolution and on-time rates would be empty);
2. times ``services_assessment.assessment_round_compute`` (the POST of ``assessment-rounds/``)
   for the county: a quarterly chief round (Q3: 8,700 chiefs of the patrolling roles), a yearly
   chief round (200 chiefs served half of it) and a quarterly community round (1,400), each run
   in a savepoint rolled back; beside each the raw SQL of the same figures: the patrol aggregate
   as compliance_of builds it and the issues' two aggregates written by hand (reads only: the
   rows written are not in it);
3. times the per-subject path on ``--sample`` chiefs (each criterion's value for one subject:
   the shape of the first version, today a batch of one) and extrapolates to the round, and
   checks that it gives each sampled chief the breakdown the round stored (the yearly round's
   sample starts with the chiefs who served part of the year);
4. times, interleaved, the round page ``/reports/assessment/<pk>/`` and
   ``GET /api/v1/assessment-rounds/<pk>/scores/`` of the quarterly chief round, as the county's
   office, beside the raw SQL of the page.

Run from the project root:

    .venv/bin/python benchmarks/assessment.py [--runs 3] [--page-runs 30] [--sample 300]

See benchmarks/README.md.
"""

# ruff: noqa: S608 - the raw SQL is built from constants; ids and dates go as parameters

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import county_pages as cp  # noqa: E402 - the county, its database and its users
import dashboard as db  # noqa: E402
import patrol_compliance as pc  # noqa: E402

AIM_SECONDS = 5.0
AIM_P95_MS = 200.0
CRITERIA = [
    {"key": "patrol_rate", "weight": 50, "target": 90},
    {"key": "resolution_rate", "weight": 30, "target": 80},
    {"key": "on_time_rate", "weight": 20, "target": 80},
]


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    pc._ensure_database(args.server, args.database, drop=False)
    os.environ["DATABASE_URL"] = f"{args.server}/{args.database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection, transaction

    if settings.DEBUG:
        sys.exit("Run with DEBUG off: Django would record every query and skew the timings.")
    call_command("migrate", verbosity=0)
    first, last = datetime.date(args.year, 1, 1), datetime.date(args.year, 12, 31)
    if not db._data_present(10_000):
        started = time.perf_counter()
        pc._build(chiefs=10_000, patrols=1_000_000, first=first, last=last)
        db._build_issues(200_000, first=first, last=last)
        db._build_cleanups(5_000, first=first, last=last)
        db._analyze()
        print(f"build: {time.perf_counter() - started:.1f} s in all")
    db._describe()
    # The test client closes the connection after each request when not in autocommit; the
    # whole run is one transaction, rolled back at the end.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with transaction.atomic():
            _run(args)
            transaction.set_rollback(True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) issues_issue")
        print("\nrolled back; issues_issue vacuumed")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", type=int, default=2025, help="the county's year (2025)")
    parser.add_argument("--quarter", type=int, default=3, help="the quarter timed (3)")
    parser.add_argument(
        "--runs", type=int, default=3, help="timed computations of each, at least 1 (3)"
    )
    parser.add_argument("--page-runs", type=int, default=30, help="timed page loads (30)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed page loads first (2)")
    parser.add_argument(
        "--sample", type=int, default=300, help="chiefs timed one by one, extrapolated (300)"
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_SERVER_URL", pc.DEFAULT_SERVER),
        help=f"PostgreSQL server URL without a database ({pc.DEFAULT_SERVER})",
    )
    parser.add_argument("--database", default=cp.DEFAULT_DATABASE, help=f"({cp.DEFAULT_DATABASE})")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.page_runs < 1:
        parser.error("--runs and --page-runs must be at least 1")
    return args


# Each issue to a community chief of its community serving on the day it was found, spread
# over them by the issue's id.
ASSIGN = """
UPDATE issues_issue i SET assignee_chief_id = (
    SELECT c.id FROM rivers_chief c
    WHERE c.region_id = i.region_id AND c.role = 'community_chief'
      AND c.appointed_on <= (i.reported_at AT TIME ZONE %(tz)s)::date
      AND (c.relieved_on IS NULL OR c.relieved_on >= (i.reported_at AT TIME ZONE %(tz)s)::date)
    ORDER BY (c.id * 7919 + i.id) %% 101, c.id LIMIT 1
)
"""

# The chiefs of the round (patrolling roles, serving in the period, in the county).
SUBTREE = cp.SUBTREE
ROSTER = (
    "SELECT c.id, c.name, c.appointed_on, c.relieved_on FROM rivers_chief c "  # nosec B608 (constants only; values go as parameters)
    f"WHERE c.region_id IN ({SUBTREE}) AND c.role IN ('general_chief', 'street_chief', "
    "'community_chief') AND c.appointed_on <= %(last)s "
    "AND (c.relieved_on IS NULL OR c.relieved_on >= %(first)s) ORDER BY c.name, c.id"
)
# A chief's days: the period cut to its service.
CHIEF_DAYS = (
    "GREATEST(%(first)s, c.appointed_on) AND LEAST(%(last)s, COALESCE(c.relieved_on, %(last)s))"
)
LOCAL = "AT TIME ZONE %(tz)s)::date"
CHIEF_ISSUES = [
    # Found in the chief's days, and closed by their end.
    "SELECT i.assignee_chief_id, count(*), "  # nosec B608 (constants only; values go as parameters)
    f"count(*) FILTER (WHERE (i.closed_at {LOCAL} <= LEAST(%(last)s, "
    "COALESCE(c.relieved_on, %(last)s))) "
    "FROM issues_issue i JOIN rivers_chief c ON c.id = i.assignee_chief_id "
    "WHERE i.status <> 'voided' AND i.reported_at >= %(start)s AND i.reported_at < %(end)s "
    f"AND (i.reported_at {LOCAL} BETWEEN {CHIEF_DAYS} "
    f"AND c.region_id IN ({SUBTREE}) GROUP BY 1",
    # Closed in the chief's days, and by their deadline.
    "SELECT i.assignee_chief_id, count(*), "  # nosec B608 (constants only; values go as parameters)
    f"count(*) FILTER (WHERE i.deadline IS NULL OR (i.closed_at {LOCAL} <= i.deadline) "
    "FROM issues_issue i JOIN rivers_chief c ON c.id = i.assignee_chief_id "
    "WHERE i.status = 'closed' AND i.closed_at >= %(start)s AND i.closed_at < %(end)s "
    f"AND (i.closed_at {LOCAL} BETWEEN {CHIEF_DAYS} "
    f"AND c.region_id IN ({SUBTREE}) GROUP BY 1",
]
# The communities' issues: the region of each issue is a community (or one below it).
COMMUNITY_ISSUES = [
    "SELECT i.region_id, count(*), count(*) FILTER (WHERE i.closed_at < %(end)s) "  # nosec B608 (constants only; values go as parameters)
    "FROM issues_issue i WHERE i.status <> 'voided' "
    f"AND i.reported_at >= %(start)s AND i.reported_at < %(end)s AND i.region_id IN ({SUBTREE}) "
    "GROUP BY 1",
    "SELECT i.region_id, count(*), "  # nosec B608 (constants only; values go as parameters)
    f"count(*) FILTER (WHERE i.deadline IS NULL OR (i.closed_at {LOCAL} <= i.deadline) "
    "FROM issues_issue i WHERE i.status = 'closed' "
    f"AND i.closed_at >= %(start)s AND i.closed_at < %(end)s AND i.region_id IN ({SUBTREE}) "
    "GROUP BY 1",
]
# The round page: the session's user, the round with its scheme and region, the capped count of
# its scores and one page of them in rank order.
PAGE = [
    cp.SESSION_USER,
    "SELECT r.*, s.*, g.* FROM reports_assessmentround r "
    "JOIN reports_assessmentscheme s ON s.id = r.scheme_id "
    "JOIN rivers_region g ON g.id = r.region_id WHERE r.id = %(round)s",
    "SELECT count(*) FROM (SELECT id FROM reports_assessmentscore WHERE round_id = %(round)s "
    "LIMIT 10001) capped",
    "SELECT * FROM reports_assessmentscore WHERE round_id = %(round)s "
    "ORDER BY rank ASC NULLS LAST, name, id LIMIT %(n)s",
]


def _run(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client

    from reports import services_assessment as services
    from reports.assessment import CRITERIA as REGISTRY
    from reports.assessment import period_bounds, points_of, subjects_of
    from reports.models import AssessmentScheme

    county, office, _leader = cp._users()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(ASSIGN, {"tz": settings.TIME_ZONE})
        print(
            f"issues handed to community chiefs: {cursor.rowcount} in "
            f"{time.perf_counter() - started:.1f} s (rolled back at the end)"
        )
        cursor.execute("ANALYZE issues_issue")

    def scheme(subject: str, period: str) -> AssessmentScheme:
        return AssessmentScheme.objects.create(
            name=f"基准{subject}{period}", subject=subject, period=period, criteria=CRITERIA
        )

    rounds = {
        "chief, quarter": (scheme("chief", "quarter"), args.quarter),
        "chief, year": (scheme("chief", "year"), None),
        "community, quarter": (scheme("community", "quarter"), args.quarter),
    }

    def compute(label: str):
        scheme_, period = rounds[label]
        return services.assessment_round_compute(
            user=office, scheme=scheme_, region=county, year=args.year, period=period
        )

    def raw(label: str) -> Callable[[], None]:
        from patrols.rules import RuleBook
        from patrols.selectors import _counting_query
        from rivers.models import PATROLLING_ROLES, Chief

        _scheme, period = rounds[label]
        first, last = period_bounds(args.year, period)
        values = {
            "r": county.pk,
            "first": first,
            "last": last,
            "tz": settings.TIME_ZONE,
            "start": _moment(first),
            "end": _moment(last + datetime.timedelta(days=1)),
        }
        chiefs = (
            Chief.objects.in_region(county)
            .serving_between(first, last)
            .filter(role__in=PATROLLING_ROLES)
        )
        patrols, patrol_params = _counting_query(
            chiefs=chiefs,
            rule_book=RuleBook.load(),
            date_from=first,
            date_to=last,
            roles=PATROLLING_ROLES,
        )
        issues = CHIEF_ISSUES if label.startswith("chief") else COMMUNITY_ISSUES

        def run():
            with connection.cursor() as cursor:
                cursor.execute(ROSTER, values)
                cursor.fetchall()
                cursor.execute(patrols, patrol_params)
                cursor.fetchall()
                for sql in issues:
                    cursor.execute(sql, values)
                    cursor.fetchall()

        return run

    print(f"\ncomputing rounds of {county.name} ({args.runs} runs each, rolled back)")
    print(f"  {'':34}{'subjects':>9}{'median':>10}{'max':>10}{'raw SQL':>10}")
    kept = {}
    for label in rounds:
        times, raw_times = [], []
        run_raw = raw(label)
        for run in range(args.runs):
            sid = transaction.savepoint()
            started = time.perf_counter()
            round_ = compute(label)
            times.append(time.perf_counter() - started)
            started = time.perf_counter()
            run_raw()
            raw_times.append(time.perf_counter() - started)
            if run == args.runs - 1:  # the last one stays for the pages and the checks
                transaction.savepoint_commit(sid)
                kept[label] = round_
            else:
                transaction.savepoint_rollback(sid)
        n = kept[label].scores.count()
        print(
            f"  {label:34}{n:>9}{_median(times):>9.2f}s{max(times):>9.2f}s"
            f"{_median(raw_times):>9.2f}s"
        )
        if label == "chief, quarter":
            worst = max(times)

    # The per-subject path on a sample, and the check that it equals the round's breakdown.
    for label in ("chief, quarter", "chief, year"):
        round_ = kept[label]
        first, last = period_bounds(args.year, round_.period)
        subjects = subjects_of(subject="chief", region=county, date_from=first, date_to=last)
        partial = [s for s in subjects if (s.date_from, s.date_to) != (first, last)]
        sample = (partial + [s for s in subjects if s not in partial])[: args.sample]
        stored = {
            s.subject_id: s.breakdown
            for s in round_.scores.filter(subject_id__in=[s.id for s in sample])
        }
        started = time.perf_counter()
        differ = 0
        for subject in sample:
            rows = []
            for criterion in CRITERIA:
                value = REGISTRY[criterion["key"]].value(subject)
                points = points_of(
                    Decimal(str(criterion["weight"])), Decimal(str(criterion["target"])), value
                )
                rows.append(
                    {
                        "key": criterion["key"],
                        "value": None if value is None else float(value),
                        "points": float(points),
                    }
                )
            differ += rows != stored[subject.id]
        elapsed = time.perf_counter() - started
        print(
            f"per subject ({label}): {len(sample)} chiefs ({min(len(partial), len(sample))} "
            f"served part of it) in {elapsed:.2f} s, {elapsed / len(sample) * 1000:.1f} ms each: "
            f"~{elapsed / len(sample) * len(subjects):.0f} s for the round's {len(subjects)}; "
            f"breakdowns equal to the round's: "
            f"{'yes' if not differ else f'NO, {differ} differ'}"
        )

    round_ = kept["chief, quarter"]
    as_office = Client(HTTP_HOST="127.0.0.1")
    as_office.force_login(office)

    def get(path: str, query: dict | None = None) -> Callable[[], object]:
        def fetch():
            response = as_office.get(path, query or {})
            if response.status_code != 200:
                sys.exit(f"benchmark stopped: {path} answered HTTP {response.status_code}")
            return response

        return fetch

    page_values = {"u": office.pk, "round": round_.pk, "n": 50}

    def page_raw():
        with connection.cursor() as cursor:
            for sql in PAGE:
                cursor.execute(sql, page_values)
                cursor.fetchall()

    page_url = f"/reports/assessment/{round_.pk}/"
    api_url = f"/api/v1/assessment-rounds/{round_.pk}/scores/"
    html = get(page_url)().content.decode()
    body = get(api_url)().content
    print(
        f"\nround page: {html.count('<tr data-subject')} score rows, {html.count('<option')} "
        f"<option>s, {len(html) // 1024} KB; scores/: {len(body) // 1024} KB"
    )
    named: list[tuple[str, Callable]] = [
        ("round page", get(page_url)),
        ("round page, page 50", get(page_url, {"page": 50})),
        ("  raw", page_raw),
        ("scores/ (all)", get(api_url)),
        ("scores/?page_size=100", get(api_url, {"page_size": 100})),
    ]
    print(f"timing: {args.warmup} warm-up and {args.page_runs} timed runs each, interleaved")
    timings = db._timings([fn for _, fn in named], runs=args.page_runs, warmup=args.warmup)
    print(f"  {'':26}{'p50':>10}{'p95':>10}{'max':>10}")
    for (label, _), values in zip(named, timings, strict=True):
        print(
            f"  {label:26}{db._p(values, 50) * 1000:>8.1f}ms{db._p(values, 95) * 1000:>8.1f}ms"
            f"{max(values) * 1000:>8.1f}ms"
        )
    page_p95 = db._p(timings[0], 95) * 1000
    print(
        f"aim: a county round under {AIM_SECONDS:g} s: "
        f"{'met' if worst < AIM_SECONDS else 'MISSED'} (slowest run {worst:.2f} s); "
        f"round page p95 under {AIM_P95_MS:g} ms: "
        f"{'met' if page_p95 < AIM_P95_MS else 'MISSED'} ({page_p95:.1f} ms)"
    )


def _moment(day: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2] if values else 0.0


if __name__ == "__main__":
    main()
