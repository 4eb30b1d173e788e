"""`seed_demo`'s year of issues: every source, category, urgency and status, each timeline written
by the workflow services and dated in the past, and replaying to the stored status."""

import datetime
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import override_settings

from accounts.models import Region, RegionLevel, Role, User
from calendars.models import IssueCategory, Urgency
from calendars.selectors import default_deadline
from demo.issues import CASEBOOK, Life
from demo.patrols import year_window
from demo.street import build_demo, demo_counts
from issues.models import (
    Issue,
    IssueDeadline,
    IssueEvent,
    IssuePhoto,
    IssueSource,
    IssueStatus,
    PhotoStage,
    SupervisionOrder,
)
from issues.services import issue_replay
from notifications.models import Notification

TODAY = datetime.date(2026, 11, 22)
SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_TODAY = datetime.datetime.combine(
    TODAY + datetime.timedelta(days=1), datetime.time(), SHANGHAI
)
CHIEF_STEPS = {"start", "submit"}


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker, tmp_path_factory):
    """One demo street with its year of patrols and issues, built once for the module and
    rolled back after it; the photos go to a scratch media folder."""
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=str(media)),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_demo(today=TODAY)
        transaction.set_rollback(True)


@pytest.fixture
def demo(year, db):
    return year


def _issues(demo) -> list[Issue]:
    return list(
        Issue.objects.in_region(demo.county)
        .select_related("patrol", "finding", "created_by")
        .prefetch_related("events__by", "photos")
    )


def _overdue(issue: Issue) -> bool:
    return (
        issue.status not in (IssueStatus.CLOSED, IssueStatus.VOIDED)
        and issue.deadline is not None
        and (issue.deadline < TODAY)
    )


def test_a_year_of_issues_from_every_source_in_every_status(demo):
    issues = _issues(demo)
    assert 80 <= len(issues) <= 150
    assert demo.counts["issues"] == len(issues)
    assert {i.source for i in issues} == set(IssueSource.values)
    assert {i.status for i in issues} == set(IssueStatus.values)
    assert {i.category for i in issues} == set(IssueCategory.values)
    assert {i.urgency for i in issues} == set(Urgency.values)
    sources = Counter(i.source for i in issues)
    # Patrols find most of them.
    assert sources.most_common(1)[0][0] == IssueSource.PATROL
    assert sources[IssueSource.PATROL] > len(issues) / 2
    statuses = Counter(i.status for i in issues)
    # Find, fix, close: most are signed off.
    assert statuses[IssueStatus.CLOSED] > 0.6 * len(issues)
    first = year_window(TODAY)
    for issue in issues:
        assert first <= issue.reported_at.astimezone(SHANGHAI).date() <= TODAY, issue.code
        issue.full_clean()


def test_patrol_issues_are_tickets_for_the_demo_findings(demo):
    patrol_issues = [i for i in _issues(demo) if i.source == IssueSource.PATROL]
    office = User.objects.get(username="office")
    for issue in patrol_issues:
        finding = issue.finding
        assert finding is not None, issue.code
        assert issue.patrol == finding.patrol
        assert issue.reported_at == finding.patrol.started_at
        assert issue.reach_id == finding.patrol.reach_id
        assert (issue.lat, issue.lon) == (finding.lat, finding.lon)
        assert issue.title == finding.description
        assert issue.created_by == office


def test_the_seed_reports_cases_are_there(demo):
    issues = _issues(demo)
    # 3月下旬: the procuratorate's recommendation about rubbish piled in the river, cleared.
    (procuratorate,) = [i for i in issues if "河道乱堆垃圾" in i.title]
    assert procuratorate.source == IssueSource.PROCURATORATE
    assert procuratorate.reported_at.astimezone(SHANGHAI).month == 3
    assert procuratorate.status == IssueStatus.CLOSED
    # 7月上旬: the province's river office supervises a problem, fixed promptly.
    (province,) = [i for i in issues if i.title.startswith("省河长办督办")]
    assert province.source == IssueSource.SUPERIOR
    assert province.reported_at.astimezone(SHANGHAI).month == 7
    assert province.status == IssueStatus.CLOSED
    assert province.closed_at.astimezone(SHANGHAI).month in (7, 8)
    assert len([i for i in issues if i.source != IssueSource.PATROL]) == len(CASEBOOK)
    assert {case.life for case in CASEBOOK} == {
        value for name, value in vars(Life).items() if name.isupper()
    }


def test_some_are_overdue_some_escalated_some_referred_some_rejected_once(demo):
    issues = _issues(demo)
    overdue = [i for i in issues if _overdue(i)]
    assert 3 <= len(overdue) <= 0.25 * len(issues)
    supervised = [i for i in issues if i.supervised]
    assert len(supervised) >= 3
    # Escalation worked for some and not (yet) for others.
    assert any(i.status == IssueStatus.CLOSED for i in supervised)
    assert any(_overdue(i) for i in supervised)
    for issue in supervised:
        escalations = [e for e in issue.events.all() if e.action == "escalate"]
        assert escalations, issue.code
        # The supervision order sets a later deadline than the one missed.
        assign = next(e for e in issue.events.all() if e.action == "assign")
        assert escalations[-1].deadline > assign.deadline
        assert escalations[-1].at.astimezone(SHANGHAI).date() > assign.deadline
    referred = [i for i in issues if i.referred]
    assert 1 <= len(referred) <= 3
    for issue in referred:
        (refer,) = [e for e in issue.events.all() if e.action == "refer"]
        assert "提请街道党工委会议研究" in refer.comment
    assert any(i.status != IssueStatus.CLOSED for i in referred)
    rejected = [
        i
        for i in issues
        if i.status == IssueStatus.CLOSED and any(e.action == "reject" for e in i.events.all())
    ]
    assert len(rejected) >= 2
    for issue in rejected:
        actions = [e.action for e in issue.events.all()]
        assert actions.count("submit") == 2
        assert actions[-1] == "accept"
    assert sum(1 for i in issues if any(e.action == "remind" for e in i.events.all())) >= 3


def test_every_closed_issue_has_an_after_photo_and_was_closed_after_it_was_reported(demo):
    closed = [i for i in _issues(demo) if i.status == IssueStatus.CLOSED]
    assert closed
    for issue in closed:
        events = list(issue.events.all())
        assert issue.closed_at > issue.reported_at, issue.code
        assert issue.closed_at == events[-1].at
        assert events[-1].action == "accept"
        after = [p for p in issue.photos.all() if p.stage == PhotoStage.AFTER]
        assert after, issue.code
        for photo in after:
            assert photo.uploaded_at <= issue.closed_at
            # Attached to the submission it was taken for, and dated by its EXIF.
            assert photo.event.action == "submit"
            assert photo.event.issue_id == issue.pk
            assert photo.taken_at is not None
            assert abs(photo.taken_at - photo.uploaded_at) < datetime.timedelta(seconds=1)


def test_photos_are_small_real_files_under_the_media_root(demo, settings):
    photos = list(IssuePhoto.objects.filter(issue__region__parent__parent=demo.county))
    assert photos
    for photo in photos:
        assert photo.image.name.startswith("issues/")
        assert photo.image.storage.exists(photo.image.name)
        assert photo.image.size < 4096
        assert photo.image.path.startswith(str(settings.MEDIA_ROOT))


def test_every_timeline_runs_forward_within_the_year(demo):
    first = datetime.datetime.combine(year_window(TODAY), datetime.time(), SHANGHAI)
    for issue in _issues(demo):
        events = list(issue.events.all())
        assert events[0].action == "report"
        assert events[0].at >= issue.reported_at
        times = [e.at for e in events]
        assert times == sorted(times), issue.code
        # Stored in the order the services wrote them.
        assert [e.pk for e in events] == sorted(e.pk for e in events), issue.code
        assert first <= times[0] and times[-1] <= END_OF_TODAY, issue.code


def test_replaying_each_timeline_gives_the_issues_status(demo):
    issues = _issues(demo)
    assert issues
    for issue in issues:
        assert issue_replay(issue=issue) == issue.status, issue.code


def test_the_demo_logins_took_every_step(demo):
    office = User.objects.get(username="office")
    chief = User.objects.get(username="chief")
    steps = Counter()
    for event in IssueEvent.objects.filter(issue__region__parent__parent=demo.county):
        assert event.by_id in (office.pk, chief.pk), event.pk
        steps[event.by_id == chief.pk, event.action] += 1
    # The chief login starts and submits work handed to its community; the office does the rest.
    assert {action for by_chief, action in steps if by_chief} == CHIEF_STEPS
    office_actions = {action for by_chief, action in steps if not by_chief}
    assert {"report", "assign", "accept", "reject", "escalate", "remind", "refer"} <= (
        office_actions
    )
    assert chief.role == Role.CHIEF and office.role == Role.OFFICE


def test_deadlines_come_from_the_calendar_and_the_latest_order(demo):
    for issue in _issues(demo):
        events = list(issue.events.all())
        assigns = [e for e in events if e.action == "assign"]
        if not assigns:
            assert issue.status in (IssueStatus.REPORTED, IssueStatus.VOIDED)
            assert issue.deadline is None
            continue
        reported_on = issue.reported_at.astimezone(SHANGHAI).date()
        assert assigns[0].deadline == default_deadline(
            category=issue.category, urgency=issue.urgency, reported_on=reported_on
        ), issue.code
        latest = [e.deadline for e in events if e.deadline is not None][-1]
        assert issue.deadline == latest


def test_codes_number_each_years_issues_in_the_order_found(demo):
    street = Region.objects.get(parent=demo.county, level=RegionLevel.STREET)
    by_year: dict[int, list[Issue]] = {}
    for issue in sorted(_issues(demo), key=lambda i: (i.reported_at, i.pk)):
        by_year.setdefault(issue.reported_at.astimezone(SHANGHAI).year, []).append(issue)
    for year, issues in by_year.items():
        expected = [f"{street.code}-{year}-{n:04d}" for n in range(1, len(issues) + 1)]
        assert [i.code for i in issues] == expected


def test_running_again_adds_no_issues_and_a_new_street_gets_its_own(demo):
    before = demo_counts(demo.county)
    first_street = set(Issue.objects.values_list("pk", flat=True))
    assert build_demo(today=TODAY).counts == before
    result = build_demo(scale=2, today=TODAY)
    (plan,) = result.new_streets
    added = list(Issue.objects.exclude(pk__in=first_street).prefetch_related("events"))
    assert 25 <= len(added) < before["issues"]
    assert {i.region.parent_id for i in added} == {plan.street.pk}
    assert {i.source for i in added} == set(IssueSource.values)
    assert {i.status for i in added} == set(IssueStatus.values)
    for issue in added:
        assert issue_replay(issue=issue) == issue.status, issue.code
    # No office login there: the county's admin login acts for the street.
    admin = User.objects.get(username="admin")
    assert set(IssueEvent.objects.filter(issue__in=added).values_list("by", flat=True)) == {
        admin.pk
    }
    assert Issue.objects.filter(pk__in=first_street).count() == before["issues"]


def test_demo_supervision_orders_and_notices_are_dated_by_their_actions(demo):
    orders = list(
        SupervisionOrder.objects.filter(issue__region__in=Region.objects.subtree(demo.county))
        .select_related("event")
        .order_by("street", "year", "serial")
    )
    assert orders
    for order in orders:
        assert order.issued_at == order.event.at
        year = order.issued_at.astimezone(SHANGHAI).year
        assert order.year == year
        assert order.number == f"督办〔{year}〕{order.serial}号"
    # Each year's series runs 1, 2, 3... in the order the orders were issued.
    series: dict[tuple[int, int], list[SupervisionOrder]] = {}
    for order in orders:
        series.setdefault((order.street_id, order.year), []).append(order)
    for numbered in series.values():
        assert [o.serial for o in numbered] == list(range(1, len(numbered) + 1))
        assert [o.issued_at for o in numbered] == sorted(o.issued_at for o in numbered)
    notices = Notification.objects.filter(issue__in=[o.issue_id for o in orders])
    assert notices
    events = IssueEvent.objects.filter(issue__in=notices.values("issue"))
    times = {f"event:{event.pk}": event.at for event in events}
    for notice in notices:
        assert notice.created_at == times[":".join(notice.dedup_key.split(":")[:2])]


def test_two_issues_are_voided_a_duplicate_and_one_not_ours(demo):
    office = User.objects.get(username="office")
    voided = [i for i in _issues(demo) if i.status == IssueStatus.VOIDED]
    assert {(i.source, i.void_reason) for i in voided} == {
        (IssueSource.PUBLIC, "duplicate"),
        (IssueSource.OFFICE, "not_ours"),
    }
    for issue in voided:
        events = list(issue.events.all())
        assert (events[-1].action, events[-1].reason, events[-1].by) == (
            "void",
            issue.void_reason,
            office,
        )
        assert issue.voided_at == events[-1].at and issue.closed_at is None
        assert issue_replay(issue=issue) == IssueStatus.VOIDED


def test_every_deadline_set_is_in_the_history_dated_by_its_step(demo):
    issues = _issues(demo)
    rows = list(
        IssueDeadline.objects.filter(issue__in=issues)
        .select_related("event")
        .order_by("set_at", "pk")
    )
    by_issue: dict[int, list[IssueDeadline]] = {}
    for row in rows:
        by_issue.setdefault(row.issue_id, []).append(row)
    for issue in issues:
        setting = [e for e in issue.events.all() if e.deadline is not None]
        history = by_issue.get(issue.pk, [])
        assert [(r.event, r.deadline, r.set_at) for r in history] == [
            (e, e.deadline, e.at) for e in setting
        ], issue.code
        if issue.deadline is not None:
            assert history[-1].deadline == issue.deadline
    # An escalated issue keeps the days it was overdue before its 督办.
    escalated = [i for i in issues if i.supervised]
    assert escalated
    for issue in escalated:
        first, *_rest = by_issue[issue.pk]
        escalation = next(r for r in by_issue[issue.pk] if r.action == "escalate")
        escalated_on = escalation.set_at.astimezone(SHANGHAI).date()
        assert first.action == "assign" and first.deadline < escalated_on
        day_after = first.deadline + datetime.timedelta(days=1)
        day_before = escalated_on - datetime.timedelta(days=1)
        overdue = Issue.objects.overdue_during(day_after, day_before).filter(pk=issue.pk)
        # Overdue from the day after the missed deadline to the day before the 督办 (none
        # when it came the very next day).
        assert overdue.exists() == (day_after <= day_before), issue.code


def test_the_demo_office_has_a_rectification_awaiting_its_acceptance_in_the_bell(demo):
    office = User.objects.get(username="office")
    waiting = Notification.objects.filter(
        recipient=office, kind="awaiting_acceptance", read_at__isnull=True
    )
    assert waiting.exists()
    # Unread only while the issue still awaits acceptance: the others were acted on since.
    assert {n.issue.status for n in waiting} == {IssueStatus.AWAITING_ACCEPTANCE}
    acted_on = Notification.objects.filter(recipient=office, kind="awaiting_acceptance").exclude(
        issue__status=IssueStatus.AWAITING_ACCEPTANCE
    )
    assert acted_on.exists() and not acted_on.filter(read_at__isnull=True).exists()
    chief = User.objects.get(username="chief")
    unread = Notification.objects.filter(recipient=chief, read_at__isnull=True)
    assert unread.filter(kind__in=["assigned", "remind"]).exists()
    assert all(n.url == f"/issues/{n.issue_id}/" for n in unread)
