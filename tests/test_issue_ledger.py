"""The issue ledger (问题台账) as .xlsx: every column, the timeline in a line, filters, scope."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from accounts.models import Role
from issues import services
from issues.models import Issue, IssueEvent, IssuePhoto, PhotoStage
from patrols.models import Patrol

from .conftest import make_account

URL = "/api/v1/issues/ledger/"
HEADERS = [
    "编号",
    "标题",
    "描述",
    "类别",
    "来源",
    "紧急程度",
    "状态",
    "街道",
    "社区",
    "河流",
    "河段",
    "纬度",
    "经度",
    "责任方",
    "整改时限",
    "是否督办",
    "是否超期",
    "发现时间",
    "销号时间",
    "巡河记录",
    "处理过程",
    "作废原因",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def at(day: int, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2024, 5, day, hour, 0))


def jpeg() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, "JPEG")
    return SimpleUploadedFile("after.jpg", buffer.getvalue(), "image/jpeg")


def report(street, *, title="河道内有建筑垃圾", community=0, **extra) -> Issue:
    return services.issue_report(
        user=None,
        title=title,
        category="dumping",
        source="patrol",
        reach=street.reaches[community],
        reported_at=extra.pop("reported_at", timezone.now() - datetime.timedelta(days=3)),
        **extra,
    )


def act(issue: Issue, user, action: str, day: int, **extra) -> None:
    services.issue_act(issue_id=issue.pk, user=user, action=action, **extra)
    # The timeline is stamped with the real time; move the step to the day the story says.
    IssueEvent.objects.filter(pk=issue.events.latest("id").pk).update(at=at(day))


def closed_issue(street, office) -> Issue:
    """Found on a patrol on 6 May 2024, assigned, fixed, checked and closed by the 12th."""
    chief, reach = street.chiefs[0], street.reaches[0]
    patrol = Patrol.objects.create(
        chief=chief,
        reach=reach,
        started_at=at(6, 9),
        ended_at=at(6, 10),
        started_on=datetime.date(2024, 5, 6),
        valid=True,
    )
    issue = report(
        street,
        description="河道左岸堆放建筑垃圾约3方",
        urgency="urgent",
        lat=Decimal("34.780000"),
        lon=Decimal("113.650000"),
        reported_at=at(6),
        patrol=patrol,
    )
    issue.events.update(at=at(6))  # the report, typed in the day it was found
    act(
        issue,
        office,
        "assign",
        7,
        assignee={"chief": chief},
        deadline=datetime.date(2024, 5, 20),
    )
    act(issue, office, "start", 8)
    act(issue, office, "submit", 10)
    IssuePhoto.objects.create(issue=issue, stage=PhotoStage.AFTER, image=jpeg())
    act(issue, office, "accept", 12)
    return Issue.objects.get(pk=issue.pk)


def ledger_rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    # Row 1 is the ledger's title (core.ledgers); the header is row 2.
    assert list(rows[1]) == HEADERS
    return [dict(zip(HEADERS, row, strict=True)) for row in rows[2:]]


def test_ledger_has_every_column_and_the_timeline(api, office_a, street_a):
    issue = closed_issue(street_a, office_a)
    chief = street_a.chiefs[0]

    response = api.as_user(office_a).get(URL)

    [row] = ledger_rows(response)
    assert "attachment" in response["Content-Disposition"]
    assert row["编号"] == issue.code
    assert (row["标题"], row["描述"]) == ("河道内有建筑垃圾", "河道左岸堆放建筑垃圾约3方")
    assert (row["类别"], row["来源"], row["紧急程度"], row["状态"]) == (
        "乱堆",
        "巡河发现",
        "紧急",
        "已销号",
    )
    assert (row["街道"], row["社区"]) == ("街道1", "街道1社区1")
    assert (row["河流"], row["河段"]) == ("街道1河", "街道1社区1段")
    assert (row["纬度"], row["经度"]) == (pytest.approx(34.78), pytest.approx(113.65))
    assert row["责任方"] == chief.name
    assert row["整改时限"] == datetime.datetime(2024, 5, 20)
    assert (row["是否督办"], row["是否超期"]) == ("否", "否")
    assert row["发现时间"] == datetime.datetime(2024, 5, 6, 10, 0)
    assert row["销号时间"] is not None
    assert row["巡河记录"] == f"{chief.name} 2024-05-06 09:00"
    assert row["处理过程"] == (
        "2024-05-06 发现 → 2024-05-07 交办 → 2024-05-08 整改 → 2024-05-10 提交验收"
        " → 2024-05-12 销号"
    )


def test_ledger_sheet_is_laid_out_for_reading(api, office_a, street_a):
    closed_issue(street_a, office_a)

    response = api.as_user(office_a).get(URL)

    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    # Below the title row (row 1) and the header (row 2).
    assert sheet.freeze_panes == "A3"
    assert sheet["A2"].font.bold
    assert sheet.column_dimensions["U"].width >= 40  # 处理过程
    assert sheet["O3"].number_format == "yyyy-mm-dd"  # 整改时限
    assert sheet["R3"].number_format == "yyyy-mm-dd hh:mm"  # 发现时间


def test_open_issue_past_its_deadline_is_overdue(api, office_a, street_a):
    issue = report(street_a)
    Issue.objects.filter(pk=issue.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1), supervised=True
    )

    [row] = ledger_rows(api.as_user(office_a).get(URL))

    assert (row["是否督办"], row["是否超期"], row["状态"]) == ("是", "是", "待交办")
    assert (row["责任方"], row["销号时间"], row["巡河记录"]) == (None, None, None)
    assert row["处理过程"].endswith(" 发现")


def test_ledger_respects_the_list_filters(api, office_a, street_a):
    closed = closed_issue(street_a, office_a)
    other_community = report(street_a, title="排口异味", community=1)
    client = api.as_user(office_a)

    by_status = ledger_rows(client.get(URL, {"status": "closed"}))
    by_region = ledger_rows(client.get(URL, {"region": street_a.communities[1].pk}))
    by_search = ledger_rows(client.get(URL, {"search": "排口"}))
    by_date = ledger_rows(client.get(URL, {"date_to": "2024-05-31"}))

    assert [row["编号"] for row in by_status] == [closed.code]
    assert [row["编号"] for row in by_region] == [other_community.code]
    assert [row["编号"] for row in by_search] == [other_community.code]
    assert [row["编号"] for row in by_date] == [closed.code]
    assert client.get(URL, {"status": "nonsense"}).status_code == 400


def test_ledger_is_scoped_to_the_accounts_region(api, office_a, office_b, street_a, street_b):
    mine = report(street_a)
    report(street_b)

    rows = ledger_rows(api.as_user(office_a).get(URL))
    outside = api.as_user(office_a).get(URL, {"region": street_b.street.pk})

    assert [row["编号"] for row in rows] == [mine.code]
    assert outside.status_code == 400
    assert "region" in outside.json()


@pytest.mark.parametrize(("role", "expected"), [(Role.LEADER, 200), (Role.CHIEF, 403)])
def test_ledger_is_for_the_office_and_leaders(api, street_a, role, expected):
    chief = street_a.chiefs[0] if role == Role.CHIEF else None
    user = make_account(role, street_a.street, chief=chief)

    assert api.as_user(user).get(URL).status_code == expected


def test_anonymous_gets_401(api, db):
    assert api.get(URL).status_code == 401


def _count_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    return len(ctx.captured_queries), len(ledger_rows(response))


def test_ledger_queries_do_not_grow_with_issues(api, office_a, street_a):
    client = api.as_user(office_a)

    def grow(count: int) -> None:
        for i in range(count):
            issue = report(street_a, title=f"问题{i}", community=i % 2)
            services.issue_act(
                issue_id=issue.pk,
                user=office_a,
                action="assign",
                assignee={"chief": street_a.chiefs[i % 2]},
                deadline=timezone.localdate() + datetime.timedelta(days=10),
            )

    grow(5)
    small, small_rows = _count_queries(client)
    grow(45)
    large, large_rows = _count_queries(client)

    assert (small_rows, large_rows) == (5, 50)
    assert large == small, f"{small} queries for 5 issues, {large} for 50"
