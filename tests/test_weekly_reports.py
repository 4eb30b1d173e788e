"""The weekly report (周汇报): built per street for a week, its figures equal to stats/, its page,
PDF, beat entry and notification to the street's office, and who may build and read it."""

import datetime
import re
import shutil
import subprocess
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Role
from core.documents import build
from notifications.models import Notification
from reports import weekly
from reports.models import WeeklyReport
from reports.tasks import build_weekly_reports

from . import factories
from .conftest import make_account
from .test_patrols import at, make_patrol

pytestmark = pytest.mark.usefixtures("media_root")

D = datetime.date
MONDAY, SUNDAY = D(2024, 5, 6), D(2024, 5, 12)
TITLE = "东风街道2024年第19周（5月6日至5月12日）河长巡河情况周汇报"


@pytest.fixture
def week(street_a):
    """Street A renamed 东风街道; in the week of Mon 6 - Sun 12 May 2024 (weekly rule for
    community chiefs: at least once a week) 张三 patrols twice, 李四 not at all; two issues are
    found that week (one closed on the 8th, one past its deadline of the 9th, still open), one
    found in April is open past its deadline of 30 April, one is found after the week."""
    street = street_a.street
    street.name = "东风街道"
    street.save()
    good, weak = street_a.chiefs
    good.name, weak.name = "张三", "李四"
    good.save()
    weak.save()
    reach1, reach2 = street_a.reaches
    make_patrol(good, reach1, D(2024, 5, 6))
    make_patrol(good, reach1, D(2024, 5, 7))
    make_patrol(weak, reach2, D(2024, 5, 14))  # the week after
    factories.IssueFactory(
        reach=reach1,
        reported_at=at(D(2024, 5, 6)),
        status="closed",
        closed_at=at(D(2024, 5, 8)),
        deadline=D(2024, 5, 10),
    )
    factories.IssueFactory(
        reach=reach2, reported_at=at(D(2024, 5, 7)), status="assigned", deadline=D(2024, 5, 9)
    )
    factories.IssueFactory(
        reach=reach2, reported_at=at(D(2024, 4, 20)), status="assigned", deadline=D(2024, 4, 30)
    )
    factories.IssueFactory(reach=reach1, reported_at=at(D(2024, 5, 20)), status="reported")
    return street_a


def _built(street, day=MONDAY) -> WeeklyReport:
    report = weekly.weekly_report_request(street=street, week=day)
    return build(weekly.WEEKLY_REPORTS, report.pk)


def stats_of(client, user, monday: datetime.date) -> dict:
    client.force_login(user)
    sunday = monday + datetime.timedelta(days=6)
    response = client.get(
        "/api/v1/stats/", {"date_from": monday.isoformat(), "date_to": sunday.isoformat()}
    )
    assert response.status_code == 200, response.content
    return response.json()


def assert_equals_stats(data: dict, stats: dict) -> None:
    issues = data["issues"]
    assert issues["found"] == stats["issues_found"]
    assert issues["found_by_patrol"] == stats["issues_found_by_patrol"]
    assert issues["closed"] == stats["issues_closed"]
    assert issues["overdue"] == stats["issues_overdue"]
    totals = data["totals"]
    assert totals["done"] == stats["patrols"]
    assert totals["counted"] == stats["patrols_counted"]
    assert totals["short"] == stats["chiefs_short"]
    assert float(totals["required"]) == float(stats["patrols_required"])


def test_weekly_report_states_hand_counted_figures_equal_to_stats(client, week, office_a):
    report = _built(week.street, D(2024, 5, 9))  # any day of the week: its Monday is kept
    assert report.status == "done", report.error
    assert report.week == MONDAY
    data = report.data
    assert data["title"] == TITLE
    assert (data["date_from"], data["date_to"]) == ("2024-05-06", "2024-05-12")
    rows = {row["name"]: row for row in data["chiefs"]}
    assert (rows["张三"]["required"], rows["张三"]["done"], rows["张三"]["counted"]) == ("1", 2, 1)
    assert not rows["张三"]["short"]
    assert (rows["李四"]["done"], rows["李四"]["short"]) == (0, True)
    assert [row["name"] for row in data["short"]] == ["李四"]
    assert (data["totals"]["done"], data["totals"]["counted"], data["totals"]["short"]) == (2, 1, 1)
    # Found that week: the two of the 6th and 7th (none from a patrol); closed: the one of the
    # 8th; overdue: the one due on the 9th and April's, both still open on Sunday.
    assert data["issues"]["found"] == 2
    assert data["issues"]["found_by_patrol"] == 0
    assert data["issues"]["closed"] == 1
    assert data["issues"]["overdue"] == 2
    assert data["issues"]["resolution_rate_display"] == "50.0%"
    summary = "".join(data["summary"])
    assert "本周实际巡河2次，计入考核1次，应巡河2次" in summary
    assert "1名河长本周未巡河" in summary
    assert "本周发现问题2个" in summary and "办结1个" in summary
    assert_equals_stats(data, stats_of(client, office_a, MONDAY))


def test_weekly_page_and_pdf(client, week, office_a, tmp_path):
    report = _built(week.street)
    client.force_login(office_a)
    html = client.get(f"/weekly-reports/{report.pk}/").content.decode()
    assert TITLE in html and "李四" in html and "问题发现与处理" in html
    pdf_url = f"/documents/weekly-report/{report.pk}/pdf/"
    assert pdf_url in html
    response = client.get(pdf_url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    assert report.pdf.name == "weekly/" + week.street.code + "-20240506.pdf"
    assert "2024年第19周" in unquote(response["Content-Disposition"])
    if pdftotext := shutil.which("pdftotext"):
        path = tmp_path / "weekly.pdf"
        path.write_bytes(content)
        text = subprocess.run(  # noqa: S603 (our own command line)
            [pdftotext, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True
        ).stdout
        flat = re.sub(r"\s+", "", text)
        assert TITLE in flat and "问题发现与处理" in flat


def test_office_builds_any_ended_week_and_not_one_still_running(client, week, office_a):
    client.force_login(office_a)
    page = client.get("/weekly-reports/")
    assert page.status_code == 200
    response = client.post("/weekly-reports/", {"street": week.street.pk, "week": "2024-05-08"})
    assert response.status_code == 302
    assert WeeklyReport.objects.get(street=week.street).week == MONDAY
    today = timezone.localdate()
    response = client.post("/weekly-reports/", {"street": week.street.pk, "week": today})
    assert response.status_code == 200  # the form again, with the reason
    assert "只能生成已结束的周的周汇报。" in response.content.decode()
    assert WeeklyReport.objects.count() == 1


def test_chiefs_are_refused_and_other_streets_not_found(client, week, chief_a1, office_b):
    report = _built(week.street)
    client.force_login(chief_a1)
    assert client.get("/weekly-reports/").status_code == 403
    assert client.get(f"/weekly-reports/{report.pk}/").status_code == 403
    assert client.post("/weekly-reports/", {"street": week.street.pk}).status_code == 403
    client.force_login(office_b)
    assert client.get(f"/weekly-reports/{report.pk}/").status_code == 404
    assert client.get(f"/documents/weekly-report/{report.pk}/pdf/").status_code == 404
    # Nor build one there: the street is not among the form's choices.
    response = client.post("/weekly-reports/", {"street": week.street.pk, "week": "2024-05-15"})
    assert response.status_code == 200
    assert not WeeklyReport.objects.filter(week=D(2024, 5, 13)).exists()


def test_street_office_is_notified_once_with_the_page(week, office_a, office_b):
    county_office = make_account(Role.OFFICE, week.street.parent)
    report = _built(week.street)
    notes = Notification.objects.filter(kind="weekly_report")
    assert [note.recipient for note in notes] == [office_a]
    assert notes.get().url == f"/weekly-reports/{report.pk}/"
    assert county_office not in [note.recipient for note in notes]
    # Rebuilt with corrections: the report is replaced, the office is not told again.
    weekly.weekly_report_request(street=week.street, week=MONDAY, rebuild=True)
    rebuilt = build(weekly.WEEKLY_REPORTS, report.pk)
    assert rebuilt.status == "done" and rebuilt.finished_at > report.finished_at
    assert Notification.objects.filter(kind="weekly_report").count() == 1


def test_beat_queues_last_weeks_report_of_each_street_on_mondays(week, street_b, monkeypatch):
    entry = settings.CELERY_BEAT_SCHEDULE["weekly-reports"]
    assert entry["task"] == "reports.tasks.build_weekly_reports"
    schedule = entry["schedule"]
    assert schedule.day_of_week == {1} and schedule.hour == {6} and schedule.minute == {30}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    monkeypatch.setattr(timezone, "localdate", lambda: D(2024, 5, 13))
    assert build_weekly_reports() == 2
    assert set(WeeklyReport.objects.values_list("street__name", "week")) == {
        ("东风街道", MONDAY),
        (street_b.street.name, MONDAY),
    }
    assert build_weekly_reports() == 2  # asked again: the same rows
    assert WeeklyReport.objects.count() == 2
