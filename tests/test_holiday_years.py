"""The holiday calendar's years (issue #18, point 4): a year counts only once its State
Council notice is entered; the office is warned months ahead (home page banner, `manage.py
check`), enters it by hand or from a file, and deadlines counted past the entered years are
flagged provisional, then counted again when the year is entered.

Every date below is written by hand. chinese-calendar 1.11 knows 2004-2026; the 2027
arrangement here is made up for the test (元旦 1-3 January, 春节 6-14 February with two
Saturdays worked), not the real notice.
"""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Role
from calendars import selectors, services
from calendars.checks import holiday_calendar_check
from calendars.models import CalendarDay, CalendarSource, DeadlineRule, HolidayYear
from calendars.services import HolidayRange, SwappedWorkday
from issues import services as issue_services
from issues.models import Issue, IssueDeadline

from .conftest import make_account

D = datetime.date
TODAY = D(2026, 12, 7)  # a Monday in December: 2027 is due, and not entered
BANNER = "2027年节假日安排尚未录入，截止日期和提醒可能不准确"
PROVISIONAL_NOTE = "截止日期按周末推算，待节假日安排录入后复核"

NOTICE_2027 = [
    HolidayRange(name="元旦", first=D(2027, 1, 1), last=D(2027, 1, 3)),
    HolidayRange(name="春节", first=D(2027, 2, 6), last=D(2027, 2, 14)),
]
WORKDAYS_2027 = [SwappedWorkday(date=D(2027, 1, 30)), SwappedWorkday(date=D(2027, 2, 20))]


@pytest.fixture(autouse=True)
def calendar(db, settings):
    # The migrations loaded 2004-2026; a transactional test elsewhere may have emptied it.
    services.calendar_sync_statutory()
    HolidayYear.objects.filter(year__gte=2027).delete()
    CalendarDay.objects.filter(date__year__gte=2027).delete()
    settings.HOLIDAY_CALENDAR_WARN_FROM = "10-01"


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    return TODAY


@pytest.fixture
def county_office(county):
    return make_account(Role.OFFICE, county)


def enter_2027(user=None, **kwargs):
    return services.holiday_year_enter(
        user=user, year=2027, holidays=NOTICE_2027, workdays=WORKDAYS_2027, **kwargs
    )


# --- the warning ---------------------------------------------------------------------------


def test_check_warns_that_2027_is_not_entered_from_october():
    (warning,) = holiday_calendar_check(today=TODAY)
    assert warning.id == "calendars.W001"
    assert warning.msg == BANNER + "。"
    assert "/calendar/2027/" in warning.hint
    assert holiday_calendar_check(today=D(2026, 9, 30)) == []
    assert [w.id for w in holiday_calendar_check(today=D(2026, 10, 1))] == ["calendars.W001"]


def test_check_warns_all_year_when_the_current_year_is_not_entered():
    (warning,) = holiday_calendar_check(today=D(2027, 3, 1))
    assert warning.msg.startswith("2027年节假日安排尚未录入")


def test_manage_py_check_prints_the_warning(today):
    err = io.StringIO()
    call_command("check", stderr=err, stdout=io.StringIO())
    assert "calendars.W001" in err.getvalue()
    assert BANNER in err.getvalue()


def test_the_warning_date_is_configurable(settings):
    settings.HOLIDAY_CALENDAR_WARN_FROM = "12-01"
    assert holiday_calendar_check(today=D(2026, 11, 30)) == []
    assert len(holiday_calendar_check(today=D(2026, 12, 1))) == 1


def test_no_warning_once_2027_is_entered():
    enter_2027()
    assert holiday_calendar_check(today=TODAY) == []
    assert selectors.calendar_coverage() == 2027


def test_banner_on_the_office_home_page_links_to_the_entry_page(
    client, county_office, today, django_assert_max_num_queries
):
    client.force_login(county_office)
    html = client.get("/").content.decode()
    assert BANNER in html
    assert 'href="/calendar/2027/"' in html
    enter_2027()
    assert BANNER not in client.get("/").content.decode()


def test_no_banner_before_october(client, county_office, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: D(2026, 9, 30))
    client.force_login(county_office)
    assert "节假日安排尚未录入" not in client.get("/").content.decode()


def test_no_banner_for_a_leader(client, county, today):
    client.force_login(make_account(Role.LEADER, county))
    assert "节假日安排尚未录入" not in client.get("/").content.decode()


# --- deadlines across the missing year --------------------------------------------------------


@pytest.fixture
def assigned(street_a, county_office):
    """Reported Tuesday 2026-12-01, assigned with the rules' deadline: 25 working days."""
    DeadlineRule.objects.update_or_create(
        category="dumping", urgency="normal", defaults={"working_days": 25}
    )
    issue = issue_services.issue_report(
        user=county_office,
        title="河道内有建筑垃圾",
        category="dumping",
        source="patrol",
        reach=street_a.reaches[0],
        reported_at=timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0)),
    )
    return issue_services.issue_act(
        issue_id=issue.pk,
        user=county_office,
        action="assign",
        assignee={"chief": street_a.chiefs[0]},
    )


def test_a_deadline_across_new_year_is_counted_by_weekdays_and_flagged(assigned):
    # December 2026 has no exception: 2-4, 7-11, 14-18, 21-25, 28-31 are 22 working days;
    # then Friday 1 January (a weekday, as far as anyone knows), Monday 4, Tuesday 5.
    assert assigned.deadline == D(2027, 1, 5)
    assert assigned.deadline_provisional is True
    assert assigned.deadline_counted_from == D(2026, 12, 1)


def test_the_issue_page_says_the_deadline_is_provisional(client, county_office, assigned):
    client.force_login(county_office)
    html = client.get(f"/issues/{assigned.pk}/").content.decode()
    assert PROVISIONAL_NOTE in html


def test_entering_2027_recounts_the_provisional_deadline(client, county_office, assigned):
    enter_2027(user=county_office)
    issue = Issue.objects.get(pk=assigned.pk)
    # 1 January is now a holiday: the 23rd working day is Monday 4, the 25th Wednesday 6.
    assert issue.deadline == D(2027, 1, 6)
    assert issue.deadline_provisional is False
    history = list(IssueDeadline.objects.filter(issue=issue).order_by("pk"))
    assert [(row.deadline, row.action) for row in history] == [
        (D(2027, 1, 5), "assign"),
        (D(2027, 1, 6), "recount"),
    ]
    client.force_login(county_office)
    assert PROVISIONAL_NOTE not in client.get(f"/issues/{issue.pk}/").content.decode()


def test_a_deadline_within_the_entered_years_is_exact():
    counted = selectors.default_deadline_checked(
        category="other", urgency="normal", reported_on=D(2026, 9, 1)
    )
    assert counted.provisional is False


def test_a_deadline_set_by_hand_is_never_provisional(street_a, county_office):
    issue = issue_services.issue_report(
        user=county_office,
        title="排污口",
        category="outfall",
        source="patrol",
        reach=street_a.reaches[0],
        reported_at=timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0)),
    )
    issue = issue_services.issue_act(
        issue_id=issue.pk,
        user=county_office,
        action="assign",
        deadline=D(2027, 1, 20),
        assignee={"chief": street_a.chiefs[0]},
    )
    assert issue.deadline_provisional is False
    enter_2027()
    assert Issue.objects.get(pk=issue.pk).deadline == D(2027, 1, 20)


# --- entering the notice ---------------------------------------------------------------------


def test_entered_notice_stores_the_exceptions_to_monday_friday():
    year = enter_2027()
    assert year.source == CalendarSource.MANUAL
    rows = {
        (row.date, row.is_workday, row.name) for row in CalendarDay.objects.filter(date__year=2027)
    }
    assert rows == {
        (D(2027, 1, 1), False, "元旦"),  # Friday; Saturday 2 and Sunday 3 change nothing
        (D(2027, 2, 8), False, "春节"),
        (D(2027, 2, 9), False, "春节"),
        (D(2027, 2, 10), False, "春节"),
        (D(2027, 2, 11), False, "春节"),
        (D(2027, 2, 12), False, "春节"),
        (D(2027, 1, 30), True, "春节调休上班"),
        (D(2027, 2, 20), True, "春节调休上班"),
    }
    assert selectors.add_working_days(start=D(2027, 2, 5), days=1) == D(2027, 2, 15)
    assert selectors.is_workday(day=D(2027, 2, 20))


def test_the_statutory_sync_leaves_an_entered_year_alone():
    enter_2027()
    services.calendar_sync_statutory()
    assert HolidayYear.objects.get(year=2027).source == CalendarSource.MANUAL
    assert CalendarDay.objects.filter(date__year=2027).count() == 8


def _page_data(**overrides) -> dict:
    data = {
        "yuandan_first": "2027-01-01",
        "yuandan_last": "2027-01-03",
        "chunjie_first": "2027-02-06",
        "chunjie_last": "2027-02-14",
        "workdays": "2027-01-30, 2027-02-20",
    }
    return {**data, **overrides}


def test_the_page_enters_the_notice_and_recounts(client, county_office, assigned):
    client.force_login(county_office)
    response = client.post("/calendar/2027/", _page_data())
    assert response.status_code == 302
    assert HolidayYear.objects.get(year=2027).entered_by == county_office
    assert Issue.objects.get(pk=assigned.pk).deadline == D(2027, 1, 6)
    html = client.get("/calendar/2027/").content.decode()
    assert "2027年节假日安排已录入" in html
    assert "春节调休上班" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"qingming_first": "2027-02-12", "qingming_last": "2027-02-16"},
            "“春节”（2027-02-06 至 2027-02-14）与“清明节”（2027-02-12 至 2027-02-16）的日期重叠。",
        ),
        ({"workdays": "2027-02-18"}, "2027-02-18 是星期四，本来就是工作日，不是调休上班日。"),
        ({"workdays": "2027-02-13"}, "调休上班日 2027-02-13 在“春节”的假期之内。"),
        ({"workdays": "二月二十"}, "“二月二十”不是日期，请按 2027-02-06 的格式填写。"),
        ({"chunjie_last": ""}, "请同时填写“春节”的第一天和最后一天。"),
        (
            {"chunjie_first": "2027-02-14", "chunjie_last": "2027-02-06"},
            "“春节”的最后一天 2027-02-06 早于第一天 2027-02-14。",
        ),
        (
            {"chunjie_first": "2028-01-26", "chunjie_last": "2028-02-01"},
            "“春节”的日期 2028-01-26 至 2028-02-01 不在 2027 年内。",
        ),
        (
            {"yuandan_first": "", "yuandan_last": "", "chunjie_first": "", "chunjie_last": ""},
            "请至少填写一个节日的放假日期。",
        ),
    ],
)
def test_the_page_says_what_is_wrong(client, county_office, overrides, message):
    client.force_login(county_office)
    response = client.post("/calendar/2027/", _page_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_a_year_already_entered_is_replaced_only_when_confirmed(client, county_office):
    enter_2027()
    client.force_login(county_office)
    data = _page_data(yuandan_first="2026-12-31", yuandan_last="2027-01-02")
    response = client.post("/calendar/2027/", data)
    assert "2027 年的节假日安排已经录入；如要用这次填写的内容替换，请确认替换。" in (
        response.content.decode()
    )
    assert not CalendarDay.objects.filter(date=D(2026, 12, 31)).exists()
    assert client.post("/calendar/2027/", {**data, "replace": "on"}).status_code == 302
    assert CalendarDay.objects.get(date=D(2026, 12, 31)).name == "元旦"


def test_a_street_office_reads_the_page_but_cannot_enter(client, office_a):
    client.force_login(office_a)
    assert client.get("/calendar/2027/").status_code == 200
    assert client.post("/calendar/2027/", _page_data()).status_code == 403
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_a_chief_cannot_open_the_page(client, chief_a1):
    client.force_login(chief_a1)
    assert client.get("/calendar/").status_code == 403


# --- import ---------------------------------------------------------------------------------

NOTICE_CSV = """日期,类型,名称
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03,holiday,元旦
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,假日,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-13,holiday,春节
2027-02-14,holiday,春节
2027-01-30,workday,
2027-02-20,上班,春节调休上班
"""


def test_the_command_imports_a_csv(tmp_path, assigned):
    path = tmp_path / "2027.csv"
    path.write_text(NOTICE_CSV, encoding="utf-8")
    out = io.StringIO()
    call_command("load_holidays", "2027", str(path), stdout=out)
    assert "2 段假期，2 个调休上班日" in out.getvalue()
    assert CalendarDay.objects.filter(date__year=2027).count() == 8
    assert Issue.objects.get(pk=assigned.pk).deadline == D(2027, 1, 6)


def test_the_command_reads_a_gb18030_csv_as_excel_saves_it(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_bytes(NOTICE_CSV.encode("gb18030"))
    call_command("load_holidays", "2027", str(path), stdout=io.StringIO())
    assert CalendarDay.objects.get(date=D(2027, 1, 1)).name == "元旦"


def test_the_command_names_the_bad_rows(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("2027-01-01,holiday,元旦\n2027-13-01,holiday,元旦\n2027-02-20,休假,春节\n")
    with pytest.raises(CommandError) as error:
        call_command("load_holidays", "2027", str(path), stdout=io.StringIO())
    assert "第 2 行：“2027-13-01”不是日期" in str(error.value)
    assert "第 3 行：类型应为 holiday（假日）或 workday（调休上班），而不是“休假”。" in str(
        error.value
    )
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_the_page_imports_a_file(client, county_office):
    client.force_login(county_office)
    upload = io.BytesIO(NOTICE_CSV.encode())
    upload.name = "2027.csv"
    response = client.post("/calendar/2027/", {"mode": "import", "import-file": upload})
    assert response.status_code == 302
    assert CalendarDay.objects.filter(date__year=2027).count() == 8


def test_the_api_coverage_follows_the_entered_years(api, admin_user):
    api.force_authenticate(admin_user)
    assert api.get("/api/v1/calendar-days/coverage/").json() == {"last_year": 2026}
    enter_2027()
    assert api.get("/api/v1/calendar-days/coverage/").json() == {"last_year": 2027}


def test_the_api_enters_a_year_and_lists_it(api, admin_user, assigned):
    client = api.as_user(admin_user)
    body = {
        "year": 2027,
        "holidays": [
            {"name": "元旦", "first": "2027-01-01", "last": "2027-01-03"},
            {"name": "春节", "first": "2027-02-06", "last": "2027-02-14"},
        ],
        "workdays": [{"date": "2027-01-30"}, {"date": "2027-02-20", "name": "春节调休上班"}],
    }
    response = client.post("/api/v1/calendar-days/years/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "manual"
    assert Issue.objects.get(pk=assigned.pk).deadline == D(2027, 1, 6)
    years = client.get("/api/v1/calendar-days/years/").json()
    assert [y["year"] for y in years][:2] == [2027, 2026]
    again = client.post("/api/v1/calendar-days/years/", body, format="json")
    assert again.status_code == 400
    assert "2027 年的节假日安排已经录入" in again.content.decode()


def test_the_api_says_what_is_wrong_with_a_notice(api, admin_user):
    body = {
        "year": 2027,
        "holidays": [{"name": "春节", "first": "2027-02-06", "last": "2027-02-14"}],
        "workdays": [{"date": "2027-02-18"}],
    }
    response = api.as_user(admin_user).post("/api/v1/calendar-days/years/", body, format="json")
    assert response.status_code == 400
    assert "2027-02-18 是星期四，本来就是工作日，不是调休上班日。" in response.content.decode()
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_an_automatic_escalation_across_new_year_is_provisional_then_recounted(
    street_a, county_office, settings
):
    settings.ISSUE_ESCALATE_GRACE_DAYS = 3
    DeadlineRule.objects.update_or_create(
        category="outfall", urgency="normal", defaults={"working_days": 10}
    )
    issue = issue_services.issue_report(
        user=county_office,
        title="排污口",
        category="outfall",
        source="patrol",
        reach=street_a.reaches[0],
        reported_at=timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0)),
    )
    issue_services.issue_act(
        issue_id=issue.pk,
        user=county_office,
        action="assign",
        deadline=D(2026, 12, 10),
        assignee={"chief": street_a.chiefs[0]},
    )
    # Monday 21 December, 7 working days after the deadline: supervised, a new deadline of
    # 10 working days: 22-25, 28-31 December, Friday 1 and Monday 4 January.
    escalated = issue_services.issue_auto_escalate(
        issue_id=issue.pk, overdue_deadline=D(2026, 12, 10), today=D(2026, 12, 21)
    )
    assert (escalated.deadline, escalated.deadline_provisional) == (D(2027, 1, 4), True)
    enter_2027()
    issue = Issue.objects.get(pk=issue.pk)
    assert (issue.deadline, issue.deadline_provisional) == (D(2027, 1, 5), False)


def test_the_index_lists_the_years_and_warns(
    client, county_office, today, django_assert_max_num_queries
):
    enter_2027(user=county_office)
    client.force_login(county_office)
    with django_assert_max_num_queries(6):
        html = client.get("/calendar/").content.decode()
    assert 'href="/calendar/2027/"' in html and 'href="/calendar/2004/"' in html
    assert county_office.username in html
    assert BANNER not in html
    HolidayYear.objects.filter(year=2027).delete()
    assert BANNER in client.get("/calendar/").content.decode()


def test_the_command_imports_an_xlsx_with_date_cells(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["日期", "类型", "名称"])
    sheet.append([datetime.datetime(2027, 1, 1), "holiday", "元旦"])
    sheet.append(["2027-01-02", "holiday", "元旦"])
    sheet.append([datetime.datetime(2027, 2, 20), "workday", None])
    path = tmp_path / "2027.xlsx"
    book.save(path)
    call_command("load_holidays", "2027", str(path), stdout=io.StringIO())
    assert {
        (row.date, row.is_workday, row.name) for row in CalendarDay.objects.filter(date__year=2027)
    } == {(D(2027, 1, 1), False, "元旦"), (D(2027, 2, 20), True, "元旦调休上班")}
