"""Deadlines in working days: the State Council's holidays and swapped working days (调休)."""

import datetime
import io

import chinese_calendar
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from calendars import selectors, services
from calendars.models import CalendarDay, CalendarSource, DeadlineRule, IssueCategory, Urgency
from calendars.workdays import WorkCalendar

from .conftest import make_account

D = datetime.date


@pytest.fixture(autouse=True)
def calendar(db) -> None:
    # The data migration has loaded it already; a transactional test elsewhere may have emptied
    # the table, and the sync is idempotent.
    services.calendar_sync_statutory()


def test_the_2024_arrangement_is_as_published():
    # National Day 2024: 10-01..10-07 off, Sunday 9-29 and Saturday 10-12 worked.
    assert CalendarDay.objects.get(date=D(2024, 9, 29)).is_workday
    assert CalendarDay.objects.get(date=D(2024, 10, 12)).is_workday
    assert not selectors.is_workday(day=D(2024, 10, 1))
    assert selectors.is_workday(day=D(2024, 10, 12))
    # Spring Festival 2024: Sundays 2-04 and 2-18 worked.
    assert selectors.is_workday(day=D(2024, 2, 4))
    assert selectors.is_workday(day=D(2024, 2, 18))
    assert CalendarDay.objects.get(date=D(2024, 2, 12)).name == "春节"
    assert CalendarDay.objects.get(date=D(2024, 2, 18)).name == "春节调休上班"
    # Holidays on a weekend change nothing and are not stored.
    assert not CalendarDay.objects.filter(date=D(2024, 10, 5)).exists()


def test_every_day_agrees_with_chinese_calendar():
    first, last = D(2018, 1, 1), D(2026, 12, 31)
    calendar = WorkCalendar.for_span(first, last)
    day = first
    while day <= last:
        assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day
        day += datetime.timedelta(days=1)


def test_ten_working_days_across_national_day():
    # Fri 9-27 + 10: 9-29 (Sun, worked), 9-30, skip 10-01..10-07, 10-08..10-12 (Sat, worked),
    # 10-14, 10-15, 10-16. Weekends alone would give 10-11.
    assert selectors.add_working_days(start=D(2024, 9, 27), days=10) == D(2024, 10, 16)
    assert selectors.add_working_days(start=D(2024, 9, 27), days=1) == D(2024, 9, 29)
    assert selectors.add_working_days(start=D(2024, 9, 30), days=1) == D(2024, 10, 8)


def test_swapped_sundays_of_spring_festival_count():
    assert selectors.add_working_days(start=D(2024, 2, 2), days=1) == D(2024, 2, 4)
    # Thu 2-08 + 2: Fri 2-09, then 2-10..2-17 off, Sunday 2-18 worked.
    assert selectors.add_working_days(start=D(2024, 2, 8), days=2) == D(2024, 2, 18)


def test_zero_days_is_the_day_itself_or_the_next_working_day():
    assert selectors.add_working_days(start=D(2024, 10, 1), days=0) == D(2024, 10, 8)
    assert selectors.add_working_days(start=D(2024, 10, 12), days=0) == D(2024, 10, 12)
    assert selectors.add_working_days(start=D(2024, 10, 9), days=0) == D(2024, 10, 9)
    with pytest.raises(ValueError):
        selectors.add_working_days(start=D(2024, 10, 9), days=-1)


def test_working_days_between():
    assert selectors.working_days_between(start=D(2024, 9, 27), end=D(2024, 10, 16)) == 10
    assert selectors.working_days_between(start=D(2024, 10, 16), end=D(2024, 9, 27)) == -10
    assert selectors.working_days_between(start=D(2024, 10, 1), end=D(2024, 10, 1)) == 0
    # Overdue across the holiday: deadline Mon 9-30, today 10-08 is the first working day late.
    assert selectors.working_days_between(start=D(2024, 9, 30), end=D(2024, 10, 8)) == 1
    in_2024 = sum(
        chinese_calendar.is_workday(D(2024, 1, 1) + datetime.timedelta(days=n)) for n in range(366)
    )
    assert selectors.working_days_between(start=D(2023, 12, 31), end=D(2024, 12, 31)) == in_2024


def test_between_undoes_add():
    calendar = WorkCalendar.for_span(D(2023, 12, 1), D(2025, 3, 1))
    for offset in range(0, 400, 7):
        start = D(2024, 1, 1) + datetime.timedelta(days=offset)
        for days in (1, 5, 10, 15, 30):
            end = calendar.add_working_days(start, days)
            assert calendar.working_days_between(start, end) == days, (start, days)


def test_years_without_data_fall_back_to_weekends():
    # Nothing is known of 2099: Monday to Friday only.
    assert selectors.add_working_days(start=D(2099, 1, 2), days=5) == D(2099, 1, 9)
    assert selectors.calendar_coverage() == max(d.date for d in services.statutory_days()).year


def test_add_working_days_over_60_days_costs_one_query():
    with CaptureQueriesContext(connection) as ctx:
        deadline = selectors.add_working_days(start=D(2024, 9, 2), days=60)
    assert len(ctx.captured_queries) == 1
    assert deadline == D(2024, 11, 29)
    with CaptureQueriesContext(connection) as ctx:
        # Across Spring Festival and well beyond the first guess of the span.
        selectors.add_working_days(start=D(2024, 1, 15), days=120)
        selectors.working_days_between(start=D(2020, 1, 1), end=D(2025, 1, 1))
    assert len(ctx.captured_queries) == 2


def test_manual_day_wins_and_survives_the_sync(admin_user):
    # The county keeps Saturday 10-12 as a rest day, and closes for a flood on Tuesday 10-15.
    swapped = CalendarDay.objects.get(date=D(2024, 10, 12))
    services.calendar_day_update(instance=swapped, user=admin_user, is_workday=False, name="本地")
    services.calendar_day_create(
        user=admin_user, date=D(2024, 10, 15), is_workday=False, name="防汛停工"
    )
    call_command("sync_holidays", stdout=io.StringIO())

    swapped.refresh_from_db()
    assert (swapped.is_workday, swapped.source) == (False, CalendarSource.MANUAL)
    assert CalendarDay.objects.get(date=D(2024, 10, 15)).source == CalendarSource.MANUAL
    assert selectors.add_working_days(start=D(2024, 9, 27), days=10) == D(2024, 10, 18)


def test_sync_is_idempotent_and_drops_what_the_package_dropped():
    CalendarDay.objects.filter(date=D(2024, 10, 1)).delete()
    CalendarDay.objects.create(
        date=D(2024, 3, 5), is_workday=False, name="误录", source=CalendarSource.STATUTORY
    )
    CalendarDay.objects.create(
        date=D(2099, 3, 5), is_workday=False, name="未来", source=CalendarSource.STATUTORY
    )
    result = services.calendar_sync_statutory()
    assert (result.created, result.updated, result.deleted) == (1, 0, 1)
    assert not CalendarDay.objects.filter(date=D(2024, 3, 5)).exists()
    # Beyond the package's years a statutory row is left alone: it cannot be checked.
    assert CalendarDay.objects.filter(date=D(2099, 3, 5)).exists()
    again = services.calendar_sync_statutory()
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)


@pytest.mark.parametrize(
    ("category", "urgency", "days"),
    [
        (IssueCategory.OCCUPATION, Urgency.NORMAL, 15),
        (IssueCategory.CONSTRUCTION, Urgency.URGENT, 7),
        (IssueCategory.DUMPING, Urgency.NORMAL, 10),
        (IssueCategory.GARBAGE, Urgency.URGENT, 5),
        (IssueCategory.POLLUTION, Urgency.NORMAL, 5),
        (IssueCategory.OUTFALL, Urgency.CRITICAL, 1),
        (IssueCategory.FLOOD_OBSTRUCTION, Urgency.NORMAL, 7),
        (IssueCategory.OTHER, Urgency.CRITICAL, 2),
    ],
)
def test_default_deadline_per_category_and_urgency(category, urgency, days):
    reported = D(2024, 9, 27)
    assert selectors.deadline_working_days(category=category, urgency=urgency) == days
    assert selectors.default_deadline(
        category=category, urgency=urgency, reported_on=reported
    ) == selectors.add_working_days(start=reported, days=days)


def test_every_category_and_urgency_has_a_default_rule():
    rules = set(DeadlineRule.objects.values_list("category", "urgency"))
    assert rules == {(c, u) for c in IssueCategory.values for u in Urgency.values}


def test_a_missing_rule_falls_back_to_other_then_ten_days():
    DeadlineRule.objects.filter(category=IssueCategory.MINING, urgency=Urgency.URGENT).delete()
    assert selectors.deadline_working_days(category="mining", urgency="urgent") == 5
    DeadlineRule.objects.filter(category=IssueCategory.OTHER, urgency=Urgency.URGENT).delete()
    assert selectors.deadline_working_days(category="mining", urgency="urgent") == 10
    # Pollution, critical, reported the day before National Day: due the first day after it.
    assert selectors.default_deadline(
        category="pollution", urgency="critical", reported_on=D(2024, 9, 30)
    ) == D(2024, 10, 8)


# The API


def test_admin_adds_a_calendar_day_as_manual(api, admin_user):
    payload = {"date": "2099-10-01", "is_workday": False, "name": "国庆节", "source": "statutory"}
    response = api.as_user(admin_user).post("/api/v1/calendar-days/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "manual"
    # One day is not a year's notice: 2099 is not loaded by it (tests/test_holiday_years.py).
    assert selectors.calendar_coverage() == 2026


def test_office_cannot_change_the_calendar(api, office_a):
    client = api.as_user(office_a)
    payload = {"date": "2099-10-01", "is_workday": False, "name": "国庆节"}
    assert client.post("/api/v1/calendar-days/", payload, format="json").status_code == 403
    day = CalendarDay.objects.get(date=D(2024, 10, 1))
    assert client.delete(f"/api/v1/calendar-days/{day.pk}/").status_code == 403
    assert client.get("/api/v1/calendar-days/").status_code == 200


def test_admin_correcting_a_statutory_day_makes_it_manual(api, admin_user):
    day = CalendarDay.objects.get(date=D(2024, 10, 12))
    response = api.as_user(admin_user).patch(
        f"/api/v1/calendar-days/{day.pk}/", {"is_workday": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["source"] == "manual"


def test_calendar_day_filters(api, chief_a1):
    client = api.as_user(chief_a1)
    url = "/api/v1/calendar-days/?date_from=2024-09-01&date_to=2024-10-31&page_size=100"
    dates = {row["date"] for row in client.get(url).json()["results"]}
    assert {"2024-09-29", "2024-10-01", "2024-10-07", "2024-10-12"} <= dates
    assert all("2024-09-01" <= d <= "2024-10-31" for d in dates)
    worked = client.get(f"{url}&is_workday=true").json()["results"]
    assert {row["date"] for row in worked} == {"2024-09-14", "2024-09-29", "2024-10-12"}


def test_coverage_endpoint(api, chief_a1):
    response = api.as_user(chief_a1).get("/api/v1/calendar-days/coverage/")
    assert response.status_code == 200
    assert response.json() == {"last_year": selectors.calendar_coverage()}


def test_office_edits_a_deadline_rule_and_a_chief_cannot(api, county, office_a, chief_a1):
    rule = DeadlineRule.objects.get(category=IssueCategory.GARBAGE, urgency=Urgency.NORMAL)
    url = f"/api/v1/deadline-rules/{rule.pk}/"
    # The portal's policy: the county's office writes it, a street's office may not.
    county_office = make_account(Role.OFFICE, county)
    response = api.as_user(county_office).patch(url, {"working_days": 3}, format="json")
    assert response.status_code == 200, response.content
    assert selectors.deadline_working_days(category="garbage", urgency="normal") == 3
    assert (
        api.as_user(county_office).patch(url, {"working_days": 0}, format="json").status_code == 400
    )
    assert api.as_user(office_a).patch(url, {"working_days": 5}, format="json").status_code == 403
    assert selectors.deadline_working_days(category="garbage", urgency="normal") == 3

    client = api.as_user(chief_a1)
    assert client.patch(url, {"working_days": 30}, format="json").status_code == 403
    assert client.get("/api/v1/deadline-rules/?category=garbage").json()["count"] == 3


def test_deadline_rule_is_unique_per_category_and_urgency(api, county):
    admin = make_account(Role.ADMIN, county)
    payload = {"category": "garbage", "urgency": "normal", "working_days": 4}
    response = api.as_user(admin).post("/api/v1/deadline-rules/", payload, format="json")
    assert response.status_code == 400
