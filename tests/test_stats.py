"""The statistics service and ``/api/v1/stats/``: every figure of a region and period."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from activities.models import (
    CheckResult,
    Cleanup,
    FacilityCheck,
    Inspection,
    Meeting,
    MeetingKind,
    OutfallCheck,
    PublicityEvent,
    SignUpdate,
)
from issues import services as issue_services
from issues.models import Issue, IssueEvent, IssueStatus
from patrols.models import Patrol
from reports.models import ReportKind
from reports.statistics import period_bounds, region_statistics, report_details
from rivers.models import ChiefRole, FacilityKind, OutfallKind

from . import factories
from .conftest import make_account

YEAR = 2025
JAN = datetime.date(YEAR, 1, 1)
DEC = datetime.date(YEAR, 12, 31)


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def patrol(chief, reach, day: datetime.date) -> Patrol:
    start = at(day)
    return Patrol.objects.create(
        chief=chief,
        reach=reach,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=40),
        started_on=day,
        distance_km=Decimal("2.1"),
        valid=True,
    )


def issue(
    reach,
    reported: datetime.date,
    *,
    closed: datetime.date | None = None,
    deadline: datetime.date | None = None,
    source: str = "patrol",
    category: str = "dumping",
    assigned: bool = False,
) -> Issue:
    row = issue_services.issue_report(
        user=None,
        title="河道内有垃圾",
        category=category,
        source=source,
        reach=reach,
        reported_at=at(reported),
    )
    Issue.objects.filter(pk=row.pk).update(
        status=IssueStatus.CLOSED if closed else IssueStatus.ASSIGNED,
        closed_at=at(closed, 16) if closed else None,
        deadline=deadline,
    )
    if assigned:
        event = IssueEvent.objects.create(
            issue=row, action="assign", from_status="reported", to_status="assigned"
        )
        IssueEvent.objects.filter(pk=event.pk).update(at=at(reported, 11))
    return row


@pytest.fixture
def year_of_work(street_a, street_b):
    """Street A's 2025, plus rows that must not count: other years and street B."""
    reach1, reach2 = street_a.reaches
    chief1, chief2 = street_a.chiefs
    for month in range(1, 13):
        patrol(chief1, reach1, datetime.date(YEAR, month, 5))
    patrol(chief2, reach2, datetime.date(YEAR, 3, 9))
    patrol(chief1, reach1, datetime.date(YEAR - 1, 12, 31))  # the year before
    patrol(street_b.chiefs[0], street_b.reaches[0], datetime.date(YEAR, 6, 1))  # elsewhere

    issue(reach1, datetime.date(YEAR, 2, 1), closed=datetime.date(YEAR, 2, 20), assigned=True)
    issue(reach1, datetime.date(YEAR, 4, 1), closed=datetime.date(YEAR + 1, 1, 5), assigned=True)
    issue(reach2, datetime.date(YEAR, 5, 1), deadline=datetime.date(YEAR, 6, 1), source="public")
    issue(reach2, datetime.date(YEAR, 12, 20), deadline=datetime.date(YEAR + 1, 1, 10))
    issue(reach1, datetime.date(YEAR - 1, 11, 1), deadline=datetime.date(YEAR, 1, 31))
    issue(street_b.reaches[0], datetime.date(YEAR, 5, 1), deadline=datetime.date(YEAR, 6, 1))

    community1 = street_a.communities[0]
    PublicityEvent.objects.create(
        date=datetime.date(YEAR, 3, 12),
        title="河长制宣传进社区",
        region=community1,
        place="滨河公园",
        units=3,
        participants=40,
        banners=4,
        slogans=30,
        leaflets=500,
    )
    PublicityEvent.objects.create(
        date=datetime.date(YEAR, 9, 1),
        title="爱河护河宣传",
        region=street_a.street,
        place="滨河公园",
        units=2,
        banners=2,
        slogans=20,
        leaflets=300,
    )
    PublicityEvent.objects.create(
        date=datetime.date(YEAR, 9, 1), title="外街道", region=street_b.street, banners=99
    )
    for month, tonnes in ((4, "12.5"), (4, "7.5"), (8, "30")):
        cleanup = Cleanup.objects.create(
            date=datetime.date(YEAR, month, 15),
            title="清四乱",
            region=community1,
            campaign="four_disorders",
            points=3,
            garbage_t=Decimal(tonnes),
            garbage_m3=Decimal("10"),
            participants=50,
            vehicles=2,
            net_m=Decimal("20.5"),
            warning_signs=1,
            banners=1,
        )
        cleanup.reaches.set([reach1])
    Meeting.objects.create(date=JAN, title="河长制工作会议", region=street_a.street)
    Meeting.objects.create(
        date=DEC, title="培训会", region=street_a.street, kind=MeetingKind.TRAINING, attendees=30
    )
    Inspection.objects.create(
        date=datetime.date(YEAR, 7, 1),
        title="人大督查",
        region=street_a.street,
        inspector="congress",
        problems_found=4,
    )
    sign = reach1.signs.first()
    SignUpdate.objects.create(sign=sign, date=datetime.date(YEAR, 3, 1))
    SignUpdate.objects.create(sign=sign, date=datetime.date(YEAR, 9, 1))  # the same sign again
    outfall = reach1.outfalls.first()
    outfall.kind = OutfallKind.RAIN
    outfall.save()
    OutfallCheck.objects.create(outfall=outfall, date=datetime.date(YEAR, 6, 1))
    OutfallCheck.objects.create(outfall=outfall, date=datetime.date(YEAR, 7, 1))
    facility = reach2.facilities.first()
    facility.kind = FacilityKind.FOOTBRIDGE
    facility.save()
    problem = issue(reach2, datetime.date(YEAR, 7, 2), closed=datetime.date(YEAR, 7, 20))
    FacilityCheck.objects.create(
        facility=facility, date=datetime.date(YEAR, 7, 2), result=CheckResult.PROBLEM, issue=problem
    )
    factories.ChiefFactory(region=street_a.street, role=ChiefRole.STREET_CHIEF)
    factories.ChiefFactory(region=street_a.street, role=ChiefRole.PUBLIC_SUPERVISOR)
    return street_a


def test_statistics_count_the_region_and_period_only(year_of_work):
    stats = region_statistics(region=year_of_work.street, date_from=JAN, date_to=DEC)

    assert stats.rivers == 1
    assert stats.reaches == 2
    assert stats.chiefs[ChiefRole.COMMUNITY_CHIEF] == 2
    assert stats.chiefs[ChiefRole.STREET_CHIEF] == 1
    assert stats.chiefs[ChiefRole.PUBLIC_SUPERVISOR] == 1
    assert stats.chiefs[ChiefRole.CLEANER] == 0
    assert stats.signs_updated == 1
    assert (stats.patrols, stats.patrolling_chiefs) == (13, 2)
    # Five found in 2025 (one by a facility check); two closed within the year.
    assert stats.issues_found == 5
    assert stats.issues_closed == 2
    assert stats.issues_assigned == 2
    assert stats.resolution_rate == Decimal("0.4000")
    # Open past the deadline at year end: May's, and last year's carried over.
    assert stats.issues_overdue == 2
    assert stats.issues_by_source["public"] == 1
    assert stats.publicity_events == 2
    assert (stats.banners, stats.slogans, stats.leaflets, stats.publicity_units) == (6, 50, 800, 5)
    assert stats.cleanups == 3
    assert stats.garbage_t == Decimal("50.00")
    assert stats.garbage_m3 == Decimal("30.00")
    assert (stats.cleanup_participants, stats.vehicles, stats.cleanup_points) == (150, 6, 9)
    assert stats.net_m == Decimal("61.5")
    assert (stats.meetings, stats.trainings) == (1, 1)
    assert (stats.inspections, stats.inspection_problems) == (1, 4)
    assert stats.outfalls[OutfallKind.RAIN] == 1  # one outfall, checked twice
    assert stats.outfalls_checked == 1
    assert stats.facilities[FacilityKind.FOOTBRIDGE] == 1
    assert (stats.facility_problems, stats.facility_issues_closed) == (1, 1)


def test_statistics_of_an_empty_period_are_zero_not_errors(street_a):
    stats = region_statistics(region=street_a.street, date_from=JAN, date_to=DEC)
    assert stats.patrols == stats.issues_found == stats.cleanups == 0
    assert stats.garbage_t == Decimal(0)
    assert stats.resolution_rate is None
    assert stats.as_dict()["garbage_t"] == 0


def test_quarter_counts_only_its_months(year_of_work):
    first, last = period_bounds(kind=ReportKind.QUARTERLY, year=YEAR, period=2)
    assert (first, last) == (datetime.date(YEAR, 4, 1), datetime.date(YEAR, 6, 30))
    stats = region_statistics(region=year_of_work.street, date_from=first, date_to=last)
    assert stats.patrols == 3
    assert stats.cleanups == 2
    assert stats.garbage_t == Decimal("20.00")


def test_period_bounds_of_halves_and_years():
    assert period_bounds(kind=ReportKind.HALF_YEAR, year=2024, period=2) == (
        datetime.date(2024, 7, 1),
        datetime.date(2024, 12, 31),
    )
    assert period_bounds(kind=ReportKind.ANNUAL, year=2024, period=None) == (
        datetime.date(2024, 1, 1),
        datetime.date(2024, 12, 31),
    )


def test_details_list_months_communities_and_overdue(year_of_work):
    stats = region_statistics(region=year_of_work.street, date_from=JAN, date_to=DEC)
    details = report_details(
        region=year_of_work.street, date_from=JAN, date_to=DEC, statistics=stats
    )
    assert [row["month"] for row in details.monthly] == [f"{YEAR}-{m:02d}" for m in range(1, 13)]
    assert sum(row["patrols"] for row in details.monthly) == stats.patrols
    assert sum(row["issues_found"] for row in details.monthly) == stats.issues_found
    assert sum(row["patrols"] for row in details.communities) == stats.patrols
    assert sum(row["issues_found"] for row in details.communities) == stats.issues_found
    assert sum(row["issues_overdue"] for row in details.communities) == stats.issues_overdue
    assert [row["name"] for row in details.communities] == [
        c.name for c in year_of_work.communities
    ]
    assert len(details.overdue_issues) == 2
    assert details.publicity_places == ["滨河公园"]
    assert [row["month"] for row in details.cleanup_months] == [f"{YEAR}-04", f"{YEAR}-08"]
    assert details.cleanup_months[0]["garbage_t"] == Decimal("20.00")
    assert details.recurring_categories[0]["category"] == "dumping"
    assert details.facility_rectifying_communities == [year_of_work.communities[1].name]
    assert details.as_of == DEC and not details.running


def test_statistics_take_the_same_number_of_queries_whatever_the_data(year_of_work, street_b):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            region_statistics(region=year_of_work.street, date_from=JAN, date_to=DEC)
        return len(captured.captured_queries)

    before = queries()
    for day in range(1, 28):
        patrol(year_of_work.chiefs[1], year_of_work.reaches[1], datetime.date(YEAR, 10, day))
        issue(year_of_work.reaches[1], datetime.date(YEAR, 10, day))
    assert queries() == before
    # One aggregate per kind of record, one per breakdown, one per figure the deadline history
    # decides (overdue on as_of, overdue in the period), the compliance's few, and the water
    # figures' one (the period's means per monitoring point), the region's subtree read once:
    # 28 today.
    assert before <= 28


def test_stats_api_answers_the_service_figures(api, office_a, year_of_work):
    response = api.as_user(office_a).get(
        "/api/v1/stats/", {"date_from": JAN.isoformat(), "date_to": DEC.isoformat()}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    expected = region_statistics(region=year_of_work.street, date_from=JAN, date_to=DEC)
    assert body["region"] == year_of_work.street.pk
    assert body["patrols"] == expected.patrols == 13
    assert body["garbage_t"] == 50
    # Field by field, the API says what the service computed.
    figures = expected.as_dict()
    figures["region"] = figures.pop("region_id")
    # The 清四乱 campaign's figures again, grouped as shared/API.md names them.
    assert body.pop("four_disorders") == {
        "cleanups": 3,
        "points": 9,
        "garbage_t": 50,
        "garbage_m3": 30,
    }
    assert body == figures
    assert body["chiefs"]["street_chief"] == 1


def test_stats_api_narrows_to_a_community(api, office_a, year_of_work):
    community = year_of_work.communities[1]
    response = api.as_user(office_a).get(
        "/api/v1/stats/", {"date_from": JAN, "date_to": DEC, "region": community.pk}
    )
    assert response.status_code == 200
    assert response.json()["patrols"] == 1


def test_stats_api_refuses_regions_outside_and_bad_dates(api, office_b, year_of_work):
    client = api.as_user(office_b)
    outside = client.get(
        "/api/v1/stats/", {"date_from": JAN, "date_to": DEC, "region": year_of_work.street.pk}
    )
    assert outside.status_code == 400
    assert "region" in outside.json()
    assert client.get("/api/v1/stats/").status_code == 400
    backwards = client.get("/api/v1/stats/", {"date_from": DEC, "date_to": JAN})
    assert backwards.status_code == 400
    assert "date_to" in backwards.json()


def test_chief_sees_only_their_community_figures(api, year_of_work):
    chief = year_of_work.chiefs[1]
    account = make_account(Role.CHIEF, chief.region, chief=chief)
    response = api.as_user(account).get("/api/v1/stats/", {"date_from": JAN, "date_to": DEC})
    assert response.status_code == 200
    assert response.json()["region"] == chief.region_id
    assert response.json()["patrols"] == 1


def test_stats_api_needs_a_login(api):
    assert api.get("/api/v1/stats/", {"date_from": JAN, "date_to": DEC}).status_code == 401
