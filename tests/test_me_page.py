"""The chief's page (/me/): reaches, this period's patrols against the rule (the compliance
service's figures), recent patrols, the open issues in the chief's hands, bounded queries."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from issues import services
from issues.models import Issue, IssueStatus
from patrols.models import Patrol, PatrolRule
from patrols.periods import period_bounds
from patrols.selectors import compliance_of
from rivers.models import Chief, ChiefRole

from . import factories
from .conftest import make_account


def patrol(chief, reach, day: datetime.date, *, valid=True) -> Patrol:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
    return Patrol.objects.create(
        chief=chief,
        reach=reach,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=40),
        started_on=day,
        distance_km=Decimal("2.10"),
        valid=valid,
    )


def issue(street, *, status=IssueStatus.ASSIGNED, title="河道垃圾", deadline=None, **assignee):
    made = services.issue_report(
        user=None,
        title=title,
        category="dumping",
        source="patrol",
        reach=street.reaches[0],
        # Reported well before any deadline a test gives (the database insists on that order).
        reported_at=timezone.now() - datetime.timedelta(days=30),
    )
    Issue.objects.filter(pk=made.pk).update(status=status, deadline=deadline, **assignee)
    return Issue.objects.get(pk=made.pk)


def test_other_roles_are_sent_home(client, office_a):
    client.force_login(office_a)
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_chief_account_without_a_roster_entry_is_refused(client, street_a):
    account = make_account(Role.CHIEF, street_a.communities[0])
    client.force_login(account)
    assert client.get("/me/").status_code == 403


def test_the_page_needs_a_login(client, db):
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_this_period_s_figures_are_the_compliance_service_s(client, chief_a1, street_a):
    chief = chief_a1.chief
    today = timezone.localdate()
    rule = PatrolRule.objects.filter(role=ChiefRole.COMMUNITY_CHIEF, months=[]).first()
    first, last = period_bounds(rule.period, today)
    patrol(chief, street_a.reaches[0], first)
    patrol(chief, street_a.reaches[0], today)
    patrol(chief, street_a.reaches[0], today, valid=False)
    patrol(chief, street_a.reaches[0], first - datetime.timedelta(days=1))  # last period
    patrol(street_a.chiefs[1], street_a.reaches[1], today)  # another chief's
    client.force_login(chief_a1)
    response = client.get("/me/")
    assert response.status_code == 200
    [expected] = compliance_of(
        chiefs=Chief.objects.filter(pk=chief.pk), date_from=first, date_to=last, as_of=today
    )
    progress = response.context["progress"]
    assert progress.row == expected
    assert (progress.first, progress.last) == (first, last)
    # The period is still running: it owes nothing yet, and is no shortfall.
    assert (expected.required, expected.done, expected.rate, expected.short) == (0, 2, None, False)
    page = response.content.decode()
    assert 'id="figure-required">1<' in page  # the rule's minimum, 每周至少1次
    assert 'id="figure-done">2<' in page
    assert 'id="figure-counted">1<' in page  # two patrols, one counts
    assert f"{rule.get_period_display()}至少{rule.min_count}次" in page
    assert "本期巡河已达到要求" in page
    # The week before ended with its one patrol (the chief served since 2023).
    assert (progress.previous.required, progress.previous.counted) == (1, 1)
    assert "上期巡河已达到要求" in page
    assert "开始巡河" in page and "/patrols/phone/" in page


def test_a_running_period_with_no_patrol_yet_is_not_a_shortfall(client, chief_a1, street_a):
    """Nothing filed this week and none last week: this week reads as still to do, last week
    (ended) as short."""
    client.force_login(chief_a1)
    response = client.get("/me/")
    progress = response.context["progress"]
    assert (progress.row.required, progress.row.short, progress.counted) == (0, False, 0)
    page = response.content.decode()
    assert "本期还需巡河 1 次，本期结束后计入考核。" in page
    assert "本期巡河次数尚未达到要求" not in page
    assert (progress.previous.required, progress.previous.counted, progress.previous.short) == (
        1,
        0,
        True,
    )
    assert "上期巡河次数未达到要求" in page


def test_a_post_under_no_rule_says_so(client, street_a):
    cleaner = factories.ChiefFactory(region=street_a.communities[0], role=ChiefRole.LIAISON)
    PatrolRule.objects.filter(role=ChiefRole.LIAISON).delete()
    account = make_account(Role.CHIEF, cleaner.region, chief=cleaner)
    client.force_login(account)
    response = client.get("/me/")
    assert response.context["progress"] is None
    assert "您的职务没有巡河次数要求" in response.content.decode()


def test_my_reaches_list_river_bank_length_and_signs(client, chief_a1, street_a):
    reach = street_a.reaches[0]
    client.force_login(chief_a1)
    page = client.get("/me/").content.decode()
    table = page.split('id="my-reaches"', 1)[1].split("</table>", 1)[0]
    assert reach.river.name in table and reach.name in table
    assert reach.get_bank_display() in table
    for sign in reach.signs.all():
        assert sign.code in table
    assert street_a.reaches[1].name not in table


def test_open_issues_in_my_hands_are_listed_and_no_one_else_s(client, chief_a1, street_a, street_b):
    me = chief_a1.chief
    today = timezone.localdate()
    mine = issue(street_a, title="交给我的", assignee_chief=me, deadline=today)
    community = issue(
        street_a,
        status=IssueStatus.RECTIFYING,
        title="交给本社区的",
        assignee_region=me.region,
        deadline=today - datetime.timedelta(days=3),
    )
    issue(street_a, title="交给别的河长的", assignee_chief=street_a.chiefs[1])
    issue(street_a, title="已销号的", status=IssueStatus.CLOSED, assignee_chief=me)
    issue(street_a, title="还没交办的", status=IssueStatus.REPORTED)
    issue(street_b, title="别的街道的", assignee_chief=street_b.chiefs[0])
    client.force_login(chief_a1)
    response = client.get("/me/")
    assert [i.pk for i in response.context["issues"]] == [community.pk, mine.pk]
    section = response.content.decode().split('id="my-issues"', 1)[1].split("</section>", 1)[0]
    assert "交给我的" in section and "交给本社区的" in section
    assert "今天到期" in section and "超期3天" in section
    assert f"/issues/{mine.pk}/" in section
    for other in ("交给别的河长的", "已销号的", "还没交办的", "别的街道的"):
        assert other not in section


def test_no_open_issues_is_an_empty_state(client, chief_a1):
    client.force_login(chief_a1)
    assert "暂无待处理的问题" in client.get("/me/").content.decode()


def test_the_page_answers_in_18_queries_with_many_rows(
    client, chief_a1, street_a, django_assert_max_num_queries
):
    me = chief_a1.chief
    reaches = [factories.ReachFactory(region=me.region) for _ in range(12)]
    for reach in reaches:
        factories.SignFactory(reach=reach)
        factories.SignFactory(reach=reach)
    me.reaches.add(*reaches)
    today = timezone.localdate()
    for n in range(30):
        patrol(me, reaches[n % 12], today - datetime.timedelta(days=n))
    for n in range(25):
        issue(street_a, title=f"问题{n}", assignee_chief=me, deadline=today)
    client.force_login(chief_a1)
    # 15 for the page, one for the unread notifications (the bell and the page's line share
    # that count) and one for the chief's published assessment scores (none here).
    with django_assert_max_num_queries(18):
        response = client.get("/me/")
    assert len(response.context["issues"]) == 25
    page = response.content.decode()
    # The issues are cards on a phone now (one <li> each); reaches and patrols stay tables.
    assert page.count("<li data-issue=") == 25
    assert page.count("<tr") >= 1 + 13 + 1 + 10


@pytest.mark.parametrize("days_ago", [0, 1])
def test_a_chief_appointed_mid_period_owes_nothing_for_it(client, street_a, days_ago):
    today = timezone.localdate()
    successor = factories.ChiefFactory(
        region=street_a.communities[0],
        reaches=[street_a.reaches[0]],
        appointed_on=today - datetime.timedelta(days=days_ago),
    )
    account = make_account(Role.CHIEF, successor.region, chief=successor)
    client.force_login(account)
    response = client.get("/me/")
    progress = response.context["progress"]
    [expected] = compliance_of(
        chiefs=Chief.objects.filter(pk=successor.pk),
        date_from=progress.first,
        date_to=progress.last,
        as_of=today,
    )
    assert progress.row == expected
    assert (expected.required, expected.short) == (0, False)
    # Appointed after the week began (or on its Monday, for days_ago=0 on a Monday: then whole).
    assert progress.whole == (successor.appointed_on <= progress.first)
    assert progress.previous is None  # not serving last period
