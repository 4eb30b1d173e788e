"""The change history (README, "Change history"): every change of a record of ours, however
made (the admin, the API, a shell), is recorded with who and when by the database's triggers
and served as ``{resource}/{id}/history/`` to the office and the admin, within their scope.

The world: street A's cleanup of 12 April 2024 with 10 participants, street A's office and
chief, street B's office, and a county admin who may use the Django admin.
"""

import pghistory
import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from accounts.models import Role
from activities.models import Cleanup

from . import factories
from .conftest import make_account


@pytest.fixture
def cleanup(street_a) -> Cleanup:
    return factories.CleanupFactory(
        region=street_a.communities[0], title="东风渠清理", participants=10, volunteers=0
    )


@pytest.fixture
def staff_admin(county):
    user = make_account(Role.ADMIN, county)
    user.first_name = "管理员"
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def _admin_post(client, url: str, changes: dict) -> None:
    """Submit the admin's change form as a person would: every field as the page shows it,
    with ``changes`` typed over it."""
    page = client.get(url)
    assert page.status_code == 200, url
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            value = ""
        elif isinstance(value, list | tuple):
            value = [str(item) for item in value]
        data[name] = value
    data.update(changes)
    data["_save"] = "保存"
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else response
    )


def _history(api, user, cleanup) -> list[dict]:
    response = api.as_user(user).get(f"/api/v1/cleanups/{cleanup.pk}/history/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_cleanup_changed_in_the_admin_and_through_the_api_shows_both_changes(
    api, client, cleanup, staff_admin, office_a
):
    client.force_login(staff_admin)
    _admin_post(client, f"/admin/activities/cleanup/{cleanup.pk}/change/", {"participants": "9999"})
    response = api.as_user(office_a).patch(
        f"/api/v1/cleanups/{cleanup.pk}/", {"participants": 12}, format="json"
    )
    assert response.status_code == 200, response.content

    entries = _history(api, office_a, cleanup)

    # Newest first: the API's change, the admin's, then the creation (by the factory: no user).
    assert [e["action"] for e in entries] == ["update", "update", "create"]
    by_api, by_admin, created = entries
    assert by_api["changes"] == {"participants": [9999, 12]}
    assert by_api["by"] == office_a.username
    assert by_api["by_id"] == office_a.pk
    assert by_api["via"] == f"/api/v1/cleanups/{cleanup.pk}/"
    assert by_admin["changes"] == {"participants": [10, 9999]}
    assert by_admin["by"] == "管理员"
    assert by_admin["via"] == f"/admin/activities/cleanup/{cleanup.pk}/change/"
    assert created["by"] is None
    assert created["changes"]["participants"] == [None, 10]
    assert created["changes"]["title"] == [None, "东风渠清理"]


def test_a_change_from_a_shell_is_recorded_without_a_user(api, cleanup, office_a):
    Cleanup.objects.filter(pk=cleanup.pk).update(participants=30)  # SQL, outside any request

    newest = _history(api, office_a, cleanup)[0]
    assert newest["action"] == "update"
    assert newest["changes"] == {"participants": [10, 30]}
    assert newest["by"] is None
    assert newest["via"] == "shell"


def test_a_save_that_changes_nothing_records_nothing(api, cleanup, office_a):
    cleanup.save()  # updated_at moves; nothing the office wrote does
    assert [e["action"] for e in _history(api, office_a, cleanup)] == ["create"]


def test_a_delete_is_recorded_with_the_row_as_it_was(api, cleanup, office_a):
    pk = cleanup.pk
    response = api.as_user(office_a).delete(f"/api/v1/cleanups/{pk}/")
    assert response.status_code == 204
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pgh_label, participants, title, c.metadata->>'user'"
            " FROM history_activitiescleanupevent e"
            " LEFT JOIN pghistory_context c ON c.id = e.pgh_context_id"
            " WHERE pgh_obj_id = %s ORDER BY pgh_id",
            [pk],
        )
        rows = cursor.fetchall()
    assert rows == [
        ("insert", 10, "东风渠清理", None),
        ("delete", 10, "东风渠清理", str(office_a.pk)),
    ]


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ("UPDATE history_activitiescleanupevent SET participants = 1", "Cannot update or delete"),
        ("DELETE FROM history_activitiescleanupevent", "Cannot update or delete"),
        ("TRUNCATE history_activitiescleanupevent", "TRUNCATE refused"),
    ],
)
def test_events_can_be_neither_changed_nor_deleted(cleanup, sql, refusal):
    with (
        pytest.raises(DatabaseError, match=refusal),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_a_record_outside_the_users_scope_has_no_history_to_show(api, cleanup, office_b):
    response = api.as_user(office_b).get(f"/api/v1/cleanups/{cleanup.pk}/history/")
    assert response.status_code == 404


def test_a_chief_may_not_read_a_history(api, cleanup, chief_a1):
    response = api.as_user(chief_a1).get(f"/api/v1/cleanups/{cleanup.pk}/history/")
    assert response.status_code == 403


def test_an_issues_history_is_served_like_every_resources(api, street_a, office_a):
    issue = factories.IssueFactory(reach=street_a.reaches[0], title="垃圾")
    response = api.as_user(office_a).patch(
        f"/api/v1/issues/{issue.pk}/", {"title": "河岸垃圾"}, format="json"
    )
    assert response.status_code == 200, response.content
    response = api.as_user(office_a).get(f"/api/v1/issues/{issue.pk}/history/")
    assert response.status_code == 200
    assert response.json()["results"][0]["changes"]["title"] == ["垃圾", "河岸垃圾"]


def test_the_history_endpoint_reads_a_bounded_number_of_queries(
    api, cleanup, office_a, office_b, django_assert_max_num_queries
):
    client = api.as_user(office_a)
    for n in range(20):
        user = office_a if n % 2 else office_b
        with pghistory.context(user=user.pk, url="/elsewhere/"):
            Cleanup.objects.filter(pk=cleanup.pk).update(participants=100 + n)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/cleanups/{cleanup.pk}/history/")
    assert response.status_code == 200
    assert response.json()["count"] == 21


def test_the_records_page_shows_its_history_to_the_office(client, cleanup, office_a):
    with pghistory.context(user=office_a.pk, url="/workbench/"):
        Cleanup.objects.filter(pk=cleanup.pk).update(participants=9999, campaign="flood_season")
    client.force_login(office_a)
    response = client.get(f"/workbench/cleanups/{cleanup.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "变更历史" in html
    # The field's label, the old and new value; a choice by its label, who by name.
    assert '<th scope="row">参与人员（人次）</th><td>10</td><td>9999</td>' in html
    assert "<td>日常清理</td><td>汛期清障</td>" in html
    assert office_a.username in html


def test_a_leader_sees_no_history_on_a_records_page(client, street_a, office_a):
    issue = factories.IssueFactory(reach=street_a.reaches[0])
    leader = make_account(Role.LEADER, street_a.street)
    client.force_login(office_a)
    assert "变更历史" in client.get(f"/issues/{issue.pk}/").content.decode()
    client.force_login(leader)
    response = client.get(f"/issues/{issue.pk}/")
    assert response.status_code == 200
    assert "变更历史" not in response.content.decode()


def test_a_celery_tasks_changes_carry_its_name(api, cleanup, office_a):
    from celery import shared_task

    @shared_task(name="tests.bump_participants")
    def bump(pk):
        Cleanup.objects.filter(pk=pk).update(participants=11)

    bump.delay(cleanup.pk)  # eager in tests: the same signals as on a worker

    newest = _history(api, office_a, cleanup)[0]
    assert newest["changes"] == {"participants": [10, 11]}
    assert newest["by"] is None
    assert newest["via"] == "task:tests.bump_participants"
