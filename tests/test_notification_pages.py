"""The bell on every page, ``/notifications/`` (newest first, open marks read, read all,
paginated), and the notification API (url, read, read-all, unread-count) with its schema."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from notifications.models import Notification

from . import factories
from .conftest import make_account


def bell_count(html: str) -> int | None:
    match = re.search(r'<span class="bell-count" data-unread="(\d+)">', html)
    return int(match.group(1)) if match else None


def notices(user, n: int, **fields) -> list[Notification]:
    return [factories.NotificationFactory(recipient=user, **fields) for _ in range(n)]


def test_the_bell_counts_ones_own_unread(client, chief_a1, office_a):
    notices(chief_a1, 3)
    notices(chief_a1, 2, read_at=timezone.now())
    notices(office_a, 4)
    client.force_login(chief_a1)
    page = client.get("/me/").text
    assert bell_count(page) == 3
    assert 'href="/notifications/"' in page
    assert "消息通知（3 条未读）" in page
    client.force_login(office_a)
    assert bell_count(client.get("/issues/").text) == 4


def test_no_unread_shows_a_bell_without_a_figure(client, office_a):
    client.force_login(office_a)
    page = client.get("/issues/").text
    assert 'id="bell"' in page
    assert bell_count(page) is None


def test_the_bell_costs_one_indexed_count(client, office_a):
    notices(office_a, 2)
    client.force_login(office_a)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/issues/").text
    assert bell_count(page) == 2
    asked = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(asked) == 1
    assert asked[0].startswith("SELECT COUNT(*)")
    assert '"recipient_id" = ' in asked[0] and '"read_at" IS NULL' in asked[0]


def test_the_notification_page_lists_newest_first_and_marks_unread(client, chief_a1):
    old = factories.NotificationFactory(recipient=chief_a1, title="旧的催办", url="/issues/1/")
    new = factories.NotificationFactory(recipient=chief_a1, title="新的交办", url="/issues/2/")
    Notification.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2), read_at=timezone.now()
    )
    factories.NotificationFactory(title="别人的消息")
    client.force_login(chief_a1)
    page = client.get("/notifications/").text
    assert page.index("新的交办") < page.index("旧的催办")
    assert "别人的消息" not in page
    assert f'class="card notice unread" data-notification="{new.pk}"' in page
    assert f'class="card notice" data-notification="{old.pk}"' in page
    assert f'href="/notifications/{new.pk}/open/"' in page
    # The page's own forms, not the API's actions of the same name.
    assert 'action="/notifications/read-all/"' in page
    assert f'action="/notifications/{new.pk}/read/"' in page
    assert f'action="/notifications/{old.pk}/read/"' not in page  # read already
    unread_only = client.get("/notifications/?unread=1").text
    assert "新的交办" in unread_only and "旧的催办" not in unread_only


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, chief_a1):
    notice = factories.NotificationFactory(recipient=chief_a1, url="/issues/12/")
    client.force_login(chief_a1)
    response = client.get(f"/notifications/{notice.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == "/issues/12/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    first = notice.read_at
    client.get(f"/notifications/{notice.pk}/open/")
    notice.refresh_from_db()
    assert notice.read_at == first  # the first reading stays


def test_an_outside_url_is_not_followed(client, chief_a1):
    notice = factories.NotificationFactory(recipient=chief_a1, url="//evil.example.com/")
    client.force_login(chief_a1)
    response = client.get(f"/notifications/{notice.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_someone_elses_notification_is_not_found(client, chief_a1, office_a):
    notice = factories.NotificationFactory(recipient=office_a, url="/issues/1/")
    client.force_login(chief_a1)
    assert client.get(f"/notifications/{notice.pk}/open/").status_code == 404
    assert client.post(f"/notifications/{notice.pk}/read/").status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_read_and_read_all(client, chief_a1, office_a):
    first = notices(chief_a1, 3)[0]
    others = notices(office_a, 2)
    client.force_login(chief_a1)
    response = client.post(f"/notifications/{first.pk}/read/", {"page": "1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?page=1"
    assert bell_count(client.get("/notifications/").text) == 2
    response = client.post("/notifications/read-all/", follow=True)
    assert "已将 2 条消息标为已读。" in response.text
    assert bell_count(response.text) is None
    assert not Notification.objects.filter(recipient=chief_a1, read_at__isnull=True).exists()
    assert Notification.objects.filter(pk__in=[o.pk for o in others], read_at=None).count() == 2
    assert client.get("/notifications/read-all/").status_code == 405


def test_the_notification_page_is_paginated(client, chief_a1):
    notices(chief_a1, 25)
    client.force_login(chief_a1)
    first = client.get("/notifications/").text
    assert first.count('data-notification="') == 20
    assert "第 1 / 2 页" in first
    assert client.get("/notifications/?page=2").text.count('data-notification="') == 5


def test_the_notification_page_queries_do_not_grow_with_rows(
    client, chief_a1, street_a, django_assert_max_num_queries
):
    issue = factories.IssueFactory(reach=street_a.reaches[0])
    notices(chief_a1, 20, issue=issue, url=f"/issues/{issue.pk}/")
    client.force_login(chief_a1)
    client.get("/notifications/")
    # session + user, the page's count and rows, the bell: no query per row.
    with django_assert_max_num_queries(7):
        response = client.get("/notifications/")
    assert response.text.count('data-notification="') == 20


def test_the_login_page_has_no_bell(client, db):
    assert 'id="bell"' not in client.get("/accounts/login/").text


# --- the API --------------------------------------------------------------------------------------


def test_the_api_gives_the_url_and_counts_unread(api, chief_a1, street_a):
    issue = factories.IssueFactory(reach=street_a.reaches[0])
    notice = factories.NotificationFactory(
        recipient=chief_a1, issue=issue, url=f"/issues/{issue.pk}/"
    )
    notices(chief_a1, 2)
    factories.NotificationFactory()  # someone else's
    client = api.as_user(chief_a1)
    listed = client.get("/api/v1/notifications/").json()
    row = next(r for r in listed["results"] if r["id"] == notice.pk)
    assert row["url"] == f"/issues/{issue.pk}/"
    assert {"kind", "title", "body", "url", "created_at", "read_at"} <= set(row)
    assert client.get("/api/v1/notifications/unread-count/").json() == {"count": 3}

    response = client.post(f"/api/v1/notifications/{notice.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert client.get("/api/v1/notifications/unread-count/").json() == {"count": 2}

    response = client.post("/api/v1/notifications/read-all/")
    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert client.get("/api/v1/notifications/unread-count/").json() == {"count": 0}
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # the other's


def test_the_unread_count_needs_a_login(api, db):
    assert api.get("/api/v1/notifications/unread-count/").status_code == 401
    assert api.post("/api/v1/notifications/read-all/").status_code == 401


@pytest.mark.parametrize("role", [Role.CHIEF, Role.LEADER, Role.OFFICE])
def test_every_role_reads_all_its_own(api, street_a, role):
    user = make_account(role, street_a.street)
    notices(user, 2)
    client = api.as_user(user)
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 2}


def test_the_schema_describes_the_new_endpoints(api, admin_user):
    schema = api.as_user(admin_user).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    unread = paths["/api/v1/notifications/unread-count/"]["get"]
    ref = unread["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(component["properties"]) == {"count"}
    assert component["properties"]["count"]["type"] == "integer"
    assert component["required"] == ["count"]
    assert not any(p["name"] == "page" for p in unread.get("parameters", []))
    read_all = paths["/api/v1/notifications/read-all/"]["post"]
    assert "requestBody" not in read_all
    notification = schema["components"]["schemas"]["Notification"]
    assert "url" in notification["properties"]


def test_opening_an_issue_page_reads_what_its_reader_was_told_about_it(client, street_a):
    chief = street_a.chiefs[0]
    reader = make_account("chief", chief.region, chief=chief)
    other_reader = make_account("office", street_a.street)
    issue = factories.IssueFactory(reach=street_a.reaches[0], assignee_chief=chief)
    other_issue = factories.IssueFactory(reach=street_a.reaches[0], assignee_chief=chief)
    about = factories.NotificationFactory(recipient=reader, issue=issue)
    elsewhere = factories.NotificationFactory(recipient=reader, issue=other_issue)
    someone_elses = factories.NotificationFactory(recipient=other_reader, issue=issue)
    client.force_login(reader)

    assert client.get(f"/issues/{issue.pk}/").status_code == 200

    about.refresh_from_db()
    elsewhere.refresh_from_db()
    someone_elses.refresh_from_db()
    assert about.read_at is not None
    assert elsewhere.read_at is None and someone_elses.read_at is None
