"""Effective-dated patrol rules: an edit takes effect from a date and never rewrites a past
month, DELETE ends a rule, overlapping rules are refused; only the county's office or an admin
writes the portal-wide rules (patrol rules, deadline rules); a patrol on a day its chief was not
serving is refused."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from calendars.models import DeadlineRule
from patrols.models import Patrol, PatrolRule
from rivers.models import ChiefRole

from . import factories
from .conftest import make_account
from .test_patrols import at

ONE_DAY = datetime.timedelta(days=1)
URL = "/api/v1/patrol-rules/"


@pytest.fixture
def county_office(county):
    return make_account(Role.OFFICE, county)


@pytest.fixture
def rule(db):
    return PatrolRule.objects.get(role=ChiefRole.COMMUNITY_CHIEF)


def test_an_edit_closes_the_rule_and_starts_a_new_row_from_today(api, county_office, rule):
    today = timezone.localdate()
    response = api.as_user(county_office).patch(f"{URL}{rule.pk}/", {"min_count": 3}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] != rule.pk
    assert (body["min_count"], body["valid_from"], body["valid_to"]) == (3, str(today), None)
    assert "effective_from" not in body
    rule.refresh_from_db()
    assert (rule.min_count, rule.valid_from, rule.valid_to) == (
        1,
        datetime.date(2000, 1, 1),
        today - ONE_DAY,
    )
    # Audited as the rules' writes are: the old row's end, the new row's creation.
    entries = AuditEntry.objects.filter(object_type="patrols.patrolrule").order_by("pk")
    assert [(e.action, e.object_id) for e in entries] == [
        ("update", str(rule.pk)),
        ("create", str(body["id"])),
    ]


def test_an_edit_from_a_later_date_and_of_a_rule_not_yet_in_force(api, county_office, rule):
    client = api.as_user(county_office)
    today = timezone.localdate()
    later = today + datetime.timedelta(days=40)
    response = client.patch(
        f"{URL}{rule.pk}/", {"min_count": 2, "effective_from": str(later)}, format="json"
    )
    assert response.status_code == 200, response.content
    future = PatrolRule.objects.get(pk=response.json()["id"])
    assert (future.valid_from, future.min_count) == (later, 2)
    rule.refresh_from_db()
    assert rule.valid_to == later - ONE_DAY
    # The future row is not in force yet: an edit from its first day changes it in place.
    response = client.patch(
        f"{URL}{future.pk}/", {"min_count": 4, "effective_from": str(later)}, format="json"
    )
    assert response.status_code == 200 and response.json()["id"] == future.pk
    future.refresh_from_db()
    assert future.min_count == 4
    assert PatrolRule.objects.filter(role=ChiefRole.COMMUNITY_CHIEF).count() == 2


def test_a_past_month_is_never_rewritten(api, county_office, rule):
    client = api.as_user(county_office)
    last_month = timezone.localdate().replace(day=1) - ONE_DAY
    response = client.patch(
        f"{URL}{rule.pk}/", {"min_count": 5, "effective_from": str(last_month)}, format="json"
    )
    assert response.status_code == 400
    assert "不能早于本月1日" in response.json()["effective_from"][0]
    response = client.post(
        URL,
        {"role": "liaison", "period": "month", "min_count": 1, "valid_from": str(last_month)},
        format="json",
    )
    assert response.status_code == 400 and "valid_from" in response.json()
    rule.refresh_from_db()
    assert (rule.min_count, rule.valid_to) == (1, None)
    assert not PatrolRule.objects.filter(role="liaison").exists()


def test_a_new_rule_starts_today_by_default(api, county_office):
    response = api.as_user(county_office).post(
        URL, {"role": "liaison", "period": "month", "min_count": 1}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["valid_from"] == str(timezone.localdate())


def test_rules_overlapping_in_time_and_months_are_refused(api, county_office, rule):
    client = api.as_user(county_office)
    next_month = (timezone.localdate().replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    # A second catch-all weekly rule from next month: the open rule is in force then too.
    response = client.post(
        URL,
        {
            "role": "community_chief",
            "period": "month",
            "min_count": 2,
            "valid_from": str(next_month),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "重叠" in response.json()["months"][0]
    # Once the open rule ends before next month, the new one no longer overlaps it.
    client.patch(
        f"{URL}{rule.pk}/", {"period": "week", "effective_from": str(next_month)}, format="json"
    )
    successor = PatrolRule.objects.get(role="community_chief", valid_from=next_month)
    client.delete(f"{URL}{successor.pk}/")  # not yet in force: deleted
    assert not PatrolRule.objects.filter(pk=successor.pk).exists()
    response = client.post(
        URL,
        {
            "role": "community_chief",
            "period": "month",
            "min_count": 2,
            "valid_from": str(next_month),
        },
        format="json",
    )
    assert response.status_code == 201, response.content


def test_delete_ends_a_rule_in_force_and_deletes_one_not_yet(api, county_office, rule):
    client = api.as_user(county_office)
    today = timezone.localdate()
    assert client.delete(f"{URL}{rule.pk}/").status_code == 204
    rule.refresh_from_db()
    assert rule.valid_to == today - ONE_DAY  # kept: the past is counted by it
    assert client.get(f"{URL}{rule.pk}/").json()["valid_to"] == str(today - ONE_DAY)
    future = factories.PatrolRuleFactory(
        role="liaison", period="month", valid_from=today + datetime.timedelta(days=3)
    )
    assert client.delete(f"{URL}{future.pk}/").status_code == 204
    assert not PatrolRule.objects.filter(pk=future.pk).exists()


# --- who writes the portal-wide rules -----------------------------------------------------------


def test_a_street_office_cannot_write_the_rules(api, office_a, rule):
    client = api.as_user(office_a)
    deadline = DeadlineRule.objects.first()
    before = (
        list(PatrolRule.objects.values()),
        list(DeadlineRule.objects.values()),
    )
    attempts = [
        client.post(URL, {"role": "liaison", "period": "month", "min_count": 1}, format="json"),
        client.patch(f"{URL}{rule.pk}/", {"min_count": 3}, format="json"),
        client.delete(f"{URL}{rule.pk}/"),
        client.patch(f"/api/v1/deadline-rules/{deadline.pk}/", {"working_days": 9}, format="json"),
        client.post(
            "/api/v1/deadline-rules/",
            {"category": "other", "urgency": "critical", "working_days": 3},
            format="json",
        ),
    ]
    for response in attempts:
        assert response.status_code == 403, response.content
        assert "县级河长办或管理员" in response.json()["detail"]
    assert client.get(URL).status_code == 200  # reading stays open
    assert (list(PatrolRule.objects.values()), list(DeadlineRule.objects.values())) == before


@pytest.mark.parametrize("who", ["county_office", "admin_user"])
def test_the_county_office_and_admins_write_the_rules(api, request, who):
    client = api.as_user(request.getfixturevalue(who))
    response = client.post(
        URL, {"role": "liaison", "period": "month", "min_count": 1}, format="json"
    )
    assert response.status_code == 201, response.content
    DeadlineRule.objects.filter(category="other", urgency="critical").delete()
    response = client.post(
        "/api/v1/deadline-rules/",
        {"category": "other", "urgency": "critical", "working_days": 3},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_the_workbench_applies_the_same_check(client, office_a, county_office, rule):
    client.force_login(office_a)
    listing = client.get(reverse("workbench:list", args=["patrol-rules"]))
    assert listing.status_code == 200
    assert reverse("workbench:create", args=["patrol-rules"]) not in listing.content.decode()
    assert client.get(reverse("workbench:create", args=["patrol-rules"])).status_code == 403
    assert client.get(reverse("workbench:edit", args=["patrol-rules", rule.pk])).status_code == 403
    client.force_login(county_office)
    page = client.get(reverse("workbench:list", args=["patrol-rules"])).content.decode()
    assert "生效日期" in page and "失效日期" in page
    form = client.get(reverse("workbench:edit", args=["patrol-rules", rule.pk])).content.decode()
    assert 'name="effective_from"' in form and "生效日期" in form
    assert 'name="valid_from"' not in form  # where the row starts is its history
    new = client.get(reverse("workbench:create", args=["patrol-rules"])).content.decode()
    assert 'name="valid_from"' in new and 'name="effective_from"' not in new


# --- a patrol belongs to a day its chief served ---------------------------------------------------


@pytest.mark.parametrize("served", ["before", "after"])
def test_a_patrol_on_a_day_the_chief_was_not_serving_is_refused(api, office_a, street_a, served):
    chief, reach = street_a.chiefs[0], street_a.reaches[0]
    chief.appointed_on = datetime.date(2024, 3, 1)
    chief.relieved_on = datetime.date(2024, 6, 30)
    chief.save()
    day = datetime.date(2024, 2, 29) if served == "before" else datetime.date(2024, 7, 1)
    start = at(day)
    response = api.as_user(office_a).post(
        "/api/v1/patrols/",
        {
            "uuid": str(uuid.uuid4()),
            "chief": chief.pk,
            "reach": reach.pk,
            "started_at": start.isoformat(),
            "ended_at": (start + datetime.timedelta(minutes=40)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "该河长当日不在任" in response.json()["started_at"][0]
    assert not Patrol.objects.exists()
