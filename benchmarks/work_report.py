"""Benchmark: building a work report (工作总结) end to end: figures, text, PDF and Word file.

In a PostgreSQL database of its own, times ``reports.documents.build_documents`` for

  (a) the demo street's annual report (``seed_demo`` is run first; idempotent), and
  (b) the annual report of a county of 10 streets x 10 communities with a year of patrols,
      issues, publicity, cleanups, meetings, inspections and checks (written with bulk_create,
      skipped when already there),

and prints the median and max of several runs and the figures the report says. The aim: (a)
under 5 s, (b) under 20 s. Run from the project root:

    .venv/bin/python benchmarks/work_report.py [--runs 5] [--drop]

See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import time
from decimal import Decimal

import _django

DEFAULT_DATABASE = "river_chief_report_bench"
COUNTY_CODE = "RPTBENCH"
STREETS, COMMUNITIES = 10, 10
AIM_DEMO, AIM_COUNTY = 5.0, 20.0


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    _django.django_on(args.server, args.database, drop=args.drop)
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Region, RegionLevel
    from reports.models import Report, ReportKind

    started = time.perf_counter()
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 (lives as long as the run)
    print(f"seed_demo: {time.perf_counter() - started:.1f} s")
    today = timezone.localdate()
    demo = Region.objects.get(name="东风街道", level=RegionLevel.STREET)
    demo_report, _created = Report.objects.get_or_create(
        region=demo, kind=ReportKind.ANNUAL, year=today.year, period=0
    )
    _run("(a) demo street", demo_report, runs=args.runs, aim=AIM_DEMO)

    year = args.year
    county = Region.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        started = time.perf_counter()
        county = _build_county(year=year, seed=args.seed)
        print(f"build: the county in {time.perf_counter() - started:.1f} s")
    else:
        print("build: skipped, the county is already there (--drop rebuilds it)")
    county_report, _created = Report.objects.get_or_create(
        region=county, kind=ReportKind.ANNUAL, year=year, period=0
    )
    _run("(b) county, 100 communities", county_report, runs=args.runs, aim=AIM_COUNTY)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each (5)")
    parser.add_argument("--year", type=int, default=2025, help="the county's year (2025)")
    parser.add_argument("--seed", default="work-report", help="random seed of the county's data")
    _django.add_database_arguments(parser, database=DEFAULT_DATABASE)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


# --- timing -------------------------------------------------------------------------------------


def _run(label: str, report, *, runs: int, aim: float) -> None:
    from reports.documents import build_documents

    times, steps = [], {}
    built = None
    for _ in range(runs):
        marks = {}
        started = time.perf_counter()
        built = build_documents(
            report=report,
            on_progress=lambda value, s=started, m=marks: m.setdefault(
                value, time.perf_counter() - s
            ),
        )
        times.append(time.perf_counter() - started)
        steps = marks
    if built is None:
        raise SystemExit("no run")
    median, worst = statistics.median(times), max(times)
    figures = built.data["figures"]
    print(f"\n{label}: {built.data['title']}")
    print(
        f"  build_documents x{runs}: median {median:.2f} s, max {worst:.2f} s "
        f"(aim < {aim:.0f} s: {'met' if worst < aim else 'MISSED'})"
    )
    figures_s, text_s = steps.get(10, 0), steps.get(30, 0) - steps.get(10, 0)
    pdf_s, word_s = steps.get(85, 0) - steps.get(40, 0), steps.get(95, 0) - steps.get(85, 0)
    print(
        f"  last run: figures {figures_s:.2f} s, text {text_s:.2f} s, PDF {pdf_s:.2f} s, "
        f"Word {word_s:.2f} s"
    )
    print(
        f"  PDF {len(built.pdf) / 1024:.0f} KiB, Word {len(built.docx) / 1024:.0f} KiB; "
        f"{len(built.data['details']['communities'])} rows in the table"
    )
    print(
        "  figures: patrols {patrols}, chiefs patrolling {patrolling_chiefs}, issues found "
        "{issues_found} (closed {issues_closed}, overdue {issues_overdue}), publicity events "
        "{publicity_events}, cleanups {cleanups} ({garbage_t} t, {cleanup_participants} "
        "person-times), inspections {inspections}, outfalls checked {outfalls_checked}".format(
            **figures
        )
    )


# --- the county ---------------------------------------------------------------------------------


def _build_county(*, year: int, seed: str):
    """10 streets x 10 communities, 2 reaches each, a year of everything a report counts."""
    from django.db import connection, transaction

    from accounts.models import Region, RegionLevel
    from activities.models import (
        CheckResult,
        Cleanup,
        FacilityCheck,
        Inspection,
        Inspector,
        Meeting,
        MeetingKind,
        OutfallCheck,
        PublicityEvent,
        SignUpdate,
    )
    from issues.models import Issue, IssueSource, IssueStatus
    from patrols.models import Patrol
    from rivers.models import (
        Chief,
        ChiefRole,
        Facility,
        FacilityKind,
        Outfall,
        OutfallKind,
        Reach,
        River,
        RiverKind,
        Sign,
    )

    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)  # nosec B311
    tz = datetime.timezone(datetime.timedelta(hours=8))
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    appointed = datetime.date(year - 1, 1, 1)

    def moment(day: datetime.date, hour: int = 9) -> datetime.datetime:
        return datetime.datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=tz)

    with transaction.atomic():
        county = Region.objects.create(
            name="基准测试区", code=COUNTY_CODE, level=RegionLevel.COUNTY
        )
        streets = Region.objects.bulk_create(
            Region(
                name=f"基准街道{s}",
                code=f"{COUNTY_CODE}-{s:02d}",
                level=RegionLevel.STREET,
                parent=county,
            )
            for s in range(1, STREETS + 1)
        )
        communities = Region.objects.bulk_create(
            Region(
                name=f"{street.name}第{c}社区",
                code=f"{street.code}-{c:02d}",
                level=RegionLevel.COMMUNITY,
                parent=street,
            )
            for street in streets
            for c in range(1, COMMUNITIES + 1)
        )
        rivers = River.objects.bulk_create(
            River(
                name=f"{street.name}{name}",
                code=f"{street.code}-R{r}",
                kind=RiverKind.FLOOD_CHANNEL if r == 5 else RiverKind.RIVER,
                length_km=Decimal("15"),
                region=street,
            )
            for street in streets
            for r, name in enumerate(["清河", "沙河", "柳河", "运河", "东洪道"], start=1)
        )
        by_street = {
            street.pk: [r for r in rivers if r.region_id == street.pk] for street in streets
        }
        reaches = Reach.objects.bulk_create(
            Reach(
                river=by_street[community.parent_id][(i + k) % 5],
                region=community,
                name=f"{community.name}{k + 1}段",
                length_km=Decimal("2.5"),
            )
            for i, community in enumerate(communities)
            for k in range(2)
        )
        reaches_of = {c.pk: [r for r in reaches if r.region_id == c.pk] for c in communities}

        chiefs = []
        for street in streets:
            chiefs += [
                Chief(
                    name=f"{street.name}总河长",
                    phone="13800000000",
                    role=ChiefRole.GENERAL_CHIEF,
                    region=street,
                    appointed_on=appointed,
                ),
                Chief(
                    name=f"{street.name}街级河长甲",
                    phone="13800000001",
                    role=ChiefRole.STREET_CHIEF,
                    region=street,
                    appointed_on=appointed,
                ),
                Chief(
                    name=f"{street.name}街级河长乙",
                    phone="13800000002",
                    role=ChiefRole.STREET_CHIEF,
                    region=street,
                    appointed_on=appointed,
                ),
                Chief(
                    name=f"{street.name}社会监督员",
                    phone="13800000003",
                    role=ChiefRole.PUBLIC_SUPERVISOR,
                    region=street,
                    appointed_on=appointed,
                ),
                Chief(
                    name=f"{street.name}警长",
                    phone="13800000004",
                    role=ChiefRole.POLICE_CHIEF,
                    unit=f"{street.name}派出所",
                    region=street,
                    appointed_on=appointed,
                ),
            ]
        for community in communities:
            chiefs += [
                Chief(
                    name=f"{community.name}河长",
                    phone="13900000000",
                    role=ChiefRole.COMMUNITY_CHIEF,
                    region=community,
                    appointed_on=appointed,
                ),
                Chief(
                    name=f"{community.name}保洁员",
                    phone="13900000001",
                    role=ChiefRole.CLEANER,
                    region=community,
                    appointed_on=appointed,
                ),
            ]
        chiefs = Chief.objects.bulk_create(chiefs)
        links = []
        for chief in chiefs:
            if chief.role in (ChiefRole.COMMUNITY_CHIEF, ChiefRole.CLEANER):
                mine = reaches_of[chief.region_id]
            elif chief.role in (ChiefRole.GENERAL_CHIEF, ChiefRole.STREET_CHIEF):
                mine = [
                    r
                    for c in communities
                    if c.parent_id == chief.region_id
                    for r in reaches_of[c.pk]
                ]
            else:
                continue
            links += [Chief.reaches.through(chief_id=chief.pk, reach_id=r.pk) for r in mine]
        Chief.reaches.through.objects.bulk_create(links)

        # Patrols: street chiefs about 3 a month, community chiefs weekly (some weeks missed),
        # cleaners on most working days.
        patrols = []
        for chief in chiefs:
            if chief.role == ChiefRole.GENERAL_CHIEF:
                dates = [d for d in days if d.day == 15]
            elif chief.role == ChiefRole.STREET_CHIEF:
                dates = [d for d in days if d.day in (5, 15, 25) and rng.random() < 0.95]
            elif chief.role == ChiefRole.COMMUNITY_CHIEF:
                dates = [d for d in days if d.weekday() == 2 and rng.random() < 0.9]
            elif chief.role == ChiefRole.CLEANER:
                dates = [d for d in days if d.weekday() < 5 and rng.random() < 0.8]
            else:
                continue
            mine = [link.reach_id for link in links if link.chief_id == chief.pk]
            for day in dates:
                start = moment(day, 8 + rng.randrange(8))
                patrols.append(
                    Patrol(
                        chief_id=chief.pk,
                        reach_id=rng.choice(mine),
                        started_at=start,
                        ended_at=start + datetime.timedelta(minutes=20 + rng.randrange(40)),
                        started_on=day,
                        distance_km=Decimal("1.5"),
                        valid=rng.random() < 0.95,
                    )
                )
        Patrol.objects.bulk_create(patrols, batch_size=5000)

        # Assets and their checks.
        signs = Sign.objects.bulk_create(
            Sign(
                reach=r,
                code=f"{r.region.code}-{r.pk}",
                lat=Decimal("34.75"),
                lon=Decimal("113.62"),
                updated_on=first,
            )
            for r in reaches
        )
        outfalls = Outfall.objects.bulk_create(
            Outfall(
                reach=r,
                name=f"排口{r.pk}",
                kind=rng.choice(OutfallKind.values),
                lat=Decimal("34.75"),
                lon=Decimal("113.62"),
            )
            for r in reaches
        )
        facilities = Facility.objects.bulk_create(
            Facility(
                reach=r,
                name=f"设施{r.pk}",
                kind=rng.choice(FacilityKind.values),
                lat=Decimal("34.75"),
                lon=Decimal("113.62"),
            )
            for r in reaches
        )
        SignUpdate.objects.bulk_create(
            SignUpdate(sign=s, date=rng.choice(days)) for s in signs if rng.random() < 0.4
        )
        OutfallCheck.objects.bulk_create(
            OutfallCheck(outfall=o, date=rng.choice(days)) for o in outfalls for _ in range(2)
        )

        # Issues: about 10 per community, most closed, some overdue, a few from superiors.
        issues, n = [], 0
        categories = ["dumping", "garbage", "pollution", "outfall", "bank_damage", "occupation"]
        sources = [IssueSource.PATROL] * 6 + [
            IssueSource.PUBLIC,
            IssueSource.OFFICE,
            IssueSource.SUPERIOR,
            IssueSource.PROCURATORATE,
        ]
        for community in communities:
            for _ in range(10):
                n += 1
                day = rng.choice(days[:-20])
                closed = rng.random() < 0.8
                reach = rng.choice(reaches_of[community.pk])
                issues.append(
                    Issue(
                        code=f"BENCH-{year}-{n:05d}",
                        title=f"河道问题{n}",
                        category=rng.choice(categories),
                        source=rng.choice(sources),
                        status=IssueStatus.CLOSED if closed else IssueStatus.RECTIFYING,
                        region=community,
                        reach=reach,
                        deadline=day + datetime.timedelta(days=14),
                        reported_at=moment(day),
                        closed_at=moment(day + datetime.timedelta(days=rng.randrange(2, 19)))
                        if closed
                        else None,
                    )
                )
        issues = Issue.objects.bulk_create(issues)
        # Flood-season checks of every facility; one in ten finds a problem, ticketed as an issue.
        damage = [issue for issue in issues if issue.category == "bank_damage"]
        checks = []
        for index, facility in enumerate(facilities):
            issue = damage[index // 10] if index % 10 == 0 and index // 10 < len(damage) else None
            checks.append(
                FacilityCheck(
                    facility=facility,
                    date=datetime.date(year, 6, 10),
                    result=CheckResult.PROBLEM if issue else CheckResult.NORMAL,
                    issue=issue,
                )
            )
        FacilityCheck.objects.bulk_create(checks)

        # The office's activities, per street and per community.
        publicity, cleanups, meetings, inspections = [], [], [], []
        places = ["滨河公园", "小游园", "居民小区", "中心广场", "学校门口"]
        for region in [*streets, *communities]:
            big = region.level == RegionLevel.STREET
            for month in range(1, 13):
                day = datetime.date(year, month, 1 + rng.randrange(27))
                if big or rng.random() < 0.3:
                    publicity.append(
                        PublicityEvent(
                            date=day,
                            title="河长制宣传",
                            region=region,
                            place=rng.choice(places),
                            units=rng.randrange(1, 6),
                            participants=rng.randrange(20, 120),
                            banners=rng.randrange(0, 4),
                            slogans=rng.randrange(0, 20),
                            leaflets=rng.randrange(0, 300),
                        )
                    )
                if big or rng.random() < 0.5:
                    cleanups.append(
                        Cleanup(
                            date=day,
                            title="河道清理",
                            region=region,
                            points=rng.randrange(1, 8),
                            garbage_t=Decimal(rng.randrange(5, 200)) / 10,
                            garbage_m3=Decimal(rng.randrange(5, 300)) / 10,
                            participants=rng.randrange(10, 60),
                            vehicles=rng.randrange(0, 6),
                            warning_signs=rng.randrange(0, 3),
                        )
                    )
            if big:
                for month in (2, 5, 8, 11):
                    day = datetime.date(year, month, 10)
                    meetings.append(
                        Meeting(date=day, title="河长制工作会议", region=region, attendees=40)
                    )
                    inspections.append(
                        Inspection(
                            date=day,
                            title="督查",
                            region=region,
                            inspector=Inspector.CONGRESS,
                            problems_found=rng.randrange(0, 6),
                        )
                    )
                meetings.append(
                    Meeting(
                        date=datetime.date(year, 3, 15),
                        title="培训会",
                        region=region,
                        kind=MeetingKind.TRAINING,
                        attendees=60,
                    )
                )
        PublicityEvent.objects.bulk_create(publicity)
        Cleanup.objects.bulk_create(cleanups)
        Meeting.objects.bulk_create(meetings)
        Inspection.objects.bulk_create(inspections)

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"  {len(communities)} communities, {len(reaches)} reaches, {len(chiefs)} chiefs, "
        f"{len(patrols)} patrols, {len(issues)} issues, {len(publicity)} publicity events, "
        f"{len(cleanups)} cleanups"
    )
    return county


if __name__ == "__main__":
    main()
