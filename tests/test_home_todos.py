"""Home pages as to-do lists (issue #15, item 1): the office's figures each link to the list that
shows exactly those records; the leader finds the community with the most overdue issues in one
click and this month's rankings; chiefs land on /me/, their to-do; each home in bounded queries."""

import datetime
import html as html_lib
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from calendars.models import CalendarDay
from issues.models import IssueStatus
from map_patches.models import Verdict
from reports.models import TreeMonth

from . import factories
from .conftest import make_account

# A Friday; the Monday after it is made a holiday, so "within 3 working days" runs to Thursday.
FRIDAY = datetime.date(2025, 3, 14)
HOLIDAY_MONDAY = datetime.date(2025, 3, 17)
THIRD_WORKING_DAY = datetime.date(2025, 3, 20)  # Tue 18, Wed 19, Thu 20
DAY = datetime.timedelta(days=1)


@pytest.fixture
def on_friday(monkeypatch, db):
    """Today is FRIDAY for the pages (timezone.localdate() with no argument)."""
    real = timezone.localdate
    CalendarDay.objects.update_or_create(
        date=HOLIDAY_MONDAY, defaults={"is_workday": False, "name": "测试假日"}
    )
    monkeypatch.setattr(
        timezone, "localdate", lambda value=None, tz=None: real(value, tz) if value else FRIDAY
    )
    return FRIDAY


def _issue(reach, status=IssueStatus.ASSIGNED, deadline=None, **fields):
    return factories.IssueFactory(reach=reach, status=status, deadline=deadline, **fields)


def _todo(html: str, key: str) -> tuple[int, str]:
    """(the figure, its link) of one to-do on the home page."""
    match = re.search(
        rf'<a class="todo[^"]*" id="todo-{key}" href="([^"]+)">\s*<span class="n">(\d+)</span>',
        html,
    )
    assert match, key
    return int(match.group(2)), html_lib.unescape(match.group(1))


@pytest.fixture
def office_work(on_friday, street_a, street_b):
    """The office of street A's work, with street B's alongside (never counted)."""
    reach, other = street_a.reaches[0], street_a.reaches[1]
    _issue(reach, IssueStatus.REPORTED)
    _issue(other, IssueStatus.REPORTED)
    # Public reports: one waiting for triage (counted), one accepted and waiting to be assigned
    # (an issue to assign, no longer a report to triage), one of street B.
    factories.PublicReportFactory(issue=_issue(reach, IssueStatus.REPORTED, source="public"))
    factories.PublicReportFactory(
        issue=_issue(other, IssueStatus.REPORTED, source="public"), triage="accepted"
    )
    _issue(reach, IssueStatus.AWAITING_ACCEPTANCE, deadline=FRIDAY)  # due today: due soon
    _issue(other, IssueStatus.RECTIFYING, deadline=THIRD_WORKING_DAY)  # due soon
    _issue(reach, IssueStatus.ASSIGNED, deadline=THIRD_WORKING_DAY + DAY)  # not yet
    _issue(reach, IssueStatus.ASSIGNED, deadline=FRIDAY - DAY)  # overdue
    closed_at = timezone.make_aware(datetime.datetime(2025, 3, 1, 9))
    _issue(reach, IssueStatus.CLOSED, deadline=FRIDAY - 5 * DAY, closed_at=closed_at)
    _issue(reach, IssueStatus.VOIDED, deadline=FRIDAY - 5 * DAY, void_reason="invalid")
    for status in (IssueStatus.REPORTED, IssueStatus.AWAITING_ACCEPTANCE):
        factories.PublicReportFactory(
            issue=_issue(street_b.reaches[0], status, deadline=FRIDAY - DAY, source="public")
        )
    batch = factories.PatchBatchFactory(region=street_a.street)
    for verdict in (Verdict.PENDING, Verdict.PENDING, Verdict.OBSTRUCTION):
        factories.MapPatchFactory(batch=batch, region=street_a.communities[0], verdict=verdict)
    factories.MapPatchFactory(batch__region=street_b.street)
    factories.ReportFactory(region=street_a.street, status="failed")
    factories.ReportFactory(region=street_a.street, status="done", year=2023)
    factories.ReportFactory(region=street_b.street, status="failed")


EXPECTED = {
    "to_assign": 4,
    "awaiting_acceptance": 1,
    "due_soon": 2,
    "overdue": 1,
    "public_reports": 1,
    "map_patches": 2,
    "failed_reports": 1,
    "river_plan_overdue": 0,  # no river plan in this world (tests/test_river_plans.py)
}


def test_office_home_counts_its_work(client, office_a, office_work):
    client.force_login(office_a)
    html = client.get("/").content.decode()
    assert {key: _todo(html, key)[0] for key in EXPECTED} == EXPECTED


@pytest.mark.parametrize("key", list(EXPECTED))
def test_each_office_figure_is_the_number_of_rows_on_its_list(client, office_a, office_work, key):
    client.force_login(office_a)
    count, url = _todo(client.get("/").content.decode(), key)
    listed = client.get(url)
    assert listed.status_code == 200, url
    assert listed.context["page"].paginator.count == count == EXPECTED[key], url


def test_due_soon_counts_working_days_and_links_the_deadline_span(client, office_a, office_work):
    client.force_login(office_a)
    _, url = _todo(client.get("/").content.decode(), "due_soon")
    assert "deadline_from=2025-03-14" in url and "deadline_to=2025-03-20" in url
    listed = client.get(url)
    assert {issue.deadline for issue in listed.context["page"].object_list} == {
        FRIDAY,
        THIRD_WORKING_DAY,
    }


def test_office_home_answers_in_bounded_queries_however_much_work(
    client, office_a, office_work, street_a, django_assert_max_num_queries
):
    for n in range(30):
        _issue(street_a.reaches[n % 2], IssueStatus.ASSIGNED, deadline=FRIDAY - n * DAY)
    client.force_login(office_a)
    with django_assert_max_num_queries(12):  # 10, the holiday banner, the subtree
        response = client.get("/")
    assert _todo(response.content.decode(), "overdue")[0] == 1 + 29


# --- the leader ---------------------------------------------------------------------------------


@pytest.fixture
def leader_a(street_a):
    return make_account(Role.LEADER, street_a.street)


@pytest.fixture
def overdue_work(street_a, street_b):
    today = timezone.localdate()
    one, two = street_a.reaches  # in communities 1 and 2 of street A
    for _ in range(2):
        _issue(one, deadline=today - 3 * DAY)
    for _ in range(3):
        _issue(two, IssueStatus.RECTIFYING, deadline=today - DAY)
    _issue(two, deadline=today)  # due today: not overdue
    _issue(two, IssueStatus.REPORTED)  # no deadline
    for _ in range(5):
        _issue(street_b.reaches[0], deadline=today - DAY)  # another street's


def test_leader_finds_the_community_with_most_overdue_issues_in_one_click(
    client, leader_a, street_a, overdue_work
):
    client.force_login(leader_a)
    html = client.get("/").content.decode()
    section = html.split('id="overdue-communities"', 1)[1].split("</section>", 1)[0]
    links = re.findall(r'<li><a href="([^"]+)" data-region="(\d+)">', section)
    worst, second = street_a.communities[1], street_a.communities[0]
    assert [int(pk) for _, pk in links] == [worst.pk, second.pk]
    assert "共 5 件超期未办结" in section
    listed = client.get(html_lib.unescape(links[0][0]))
    issues = list(listed.context["page"].object_list)
    assert len(issues) == 3 and {issue.region_id for issue in issues} == {worst.pk}
    assert all(issue.overdue for issue in issues)


def test_leader_home_ranks_this_months_patrol_rate_from_the_rollups(
    client, leader_a, street_a, django_assert_max_num_queries
):
    month = timezone.localdate().replace(day=1)
    low, high = street_a.communities
    TreeMonth.objects.update_or_create(
        region=low, month=month, defaults={"required": Decimal(4), "counted": 1}
    )
    TreeMonth.objects.update_or_create(
        region=high, month=month, defaults={"required": Decimal(2), "counted": 2}
    )
    client.force_login(leader_a)
    with django_assert_max_num_queries(20):
        html = client.get("/").content.decode()
    section = html.split('id="rankings"', 1)[1].split("</section>", 1)[0]
    assert section.index(high.name) < section.index(low.name)
    assert "100%" in section and "25%" in section
    assert 'href="/dashboard/"' in section


# --- chiefs -------------------------------------------------------------------------------------


def test_a_chief_lands_on_its_page_after_login_and_next_still_works(client, street_a):
    chief = street_a.chiefs[0]
    account = make_account(Role.CHIEF, chief.region, chief=chief)
    account.set_password("Chief-Password-2024!")
    account.save()
    form = {"username": account.username, "password": "Chief-Password-2024!"}
    response = client.post("/accounts/login/", form, follow=True)
    assert response.redirect_chain[-1] == ("/me/", 302)
    assert 'id="start-patrol"' in response.content.decode()
    client.logout()
    response = client.post("/accounts/login/?next=/issues/", form)
    assert response["Location"] == "/issues/"


def test_a_chief_account_without_a_roster_entry_is_told_so_at_home(client, street_a):
    client.force_login(make_account(Role.CHIEF, street_a.communities[0]))
    response = client.get("/")
    assert response.status_code == 200
    assert "您的账号未关联河长名录" in response.content.decode()


def test_chiefs_page_starts_with_the_patrol_button_then_issues_overdue_first(
    client, chief_a1, street_a
):
    me = chief_a1.chief
    today = timezone.localdate()
    _issue(street_a.reaches[0], deadline=today + 5 * DAY, title="下周到期", assignee_chief=me)
    _issue(street_a.reaches[0], deadline=today - 2 * DAY, title="已经超期", assignee_chief=me)
    _issue(street_a.reaches[0], title="没有时限", assignee_chief=me)
    factories.NotificationFactory(recipient=chief_a1)
    factories.NotificationFactory(recipient=chief_a1)
    factories.NotificationFactory(recipient=chief_a1, read_at=timezone.now())
    client.force_login(chief_a1)
    html = client.get("/me/").content.decode()
    body = html.split('<main id="main">', 1)[1]
    assert body.index('id="start-patrol"') < body.index('id="my-issues"')
    section = body.split('id="my-issues"', 1)[1].split("</section>", 1)[0]
    assert section.index("已经超期") < section.index("下周到期") < section.index("没有时限")
    assert "超期2天" in section and "剩余5天" in section
    assert 'href="/notifications/">2 条未读通知' in body
    assert re.search(r"本周已巡 <strong id=\"figure-done\">0</strong> / 应巡", body)


def test_leader_home_shows_last_months_ranking_while_this_month_owes_nothing_yet(
    client, leader_a, street_a, django_assert_max_num_queries
):
    """The first days of a month: no rule period has ended in it, every rate is blank."""
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - DAY).replace(day=1)
    low, high = street_a.communities
    TreeMonth.objects.update_or_create(
        region=low, month=last_month, defaults={"required": Decimal(4), "counted": 3}
    )
    TreeMonth.objects.update_or_create(
        region=high, month=last_month, defaults={"required": Decimal(4), "counted": 1}
    )
    client.force_login(leader_a)
    # the dashboard's rollups read twice; the water figures (live means per point) once a month each
    with django_assert_max_num_queries(27):
        html = client.get("/").content.decode()
    section = html.split('id="rankings"', 1)[1].split("</section>", 1)[0]
    assert f"上月（{last_month.year}年{last_month.month}月）巡河率排名" in section
    assert section.index(low.name) < section.index(high.name)
    assert "75%" in section and "25%" in section


def test_a_chiefs_menu_has_its_page_and_the_patrol_page_not_a_second_home(client, chief_a1):
    client.force_login(chief_a1)
    header = client.get("/me/").content.decode().split("</header>", 1)[0]
    nav = header.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'<a href="([^"]+)"', nav) == ["/me/", "/patrols/phone/"]
