"""A password change or reset ends the account's API tokens and its other sessions, whichever
way the password was set; only admins reset the passwords of office, leader and admin accounts."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Role, User
from audit.models import AuditAction, AuditEntry

from . import factories
from .conftest import make_account

NEW = "a-new-Passphrase-77"
OLD = "correct-horse-battery"  # tests.factories.UserFactory's password


def _token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _logged_in_elsewhere(user: User) -> Client:
    other = Client()
    other.force_login(user)
    assert other.get("/api/v1/notifications/").status_code == 200
    return other


def _is_out(token_client, session_client) -> bool:
    token_answer = token_client.get("/api/v1/notifications/").status_code
    session_answer = session_client.get("/api/v1/notifications/").status_code
    return token_answer == 401 and session_answer in (401, 403)


@pytest.fixture
def leader_a(street_a) -> User:
    return make_account(Role.LEADER, street_a.street)


def test_an_admin_reset_through_the_api_ends_tokens_and_sessions(api, admin_user, leader_a):
    phone = _token_client(leader_a)
    browser = _logged_in_elsewhere(leader_a)
    response = api.as_user(admin_user).patch(
        f"/api/v1/accounts/{leader_a.pk}/", {"password": NEW}, format="json"
    )
    assert response.status_code == 200, response.content
    assert _is_out(phone, browser)
    assert not Token.objects.filter(user=leader_a).exists()
    entry = AuditEntry.objects.get(action=AuditAction.TOKEN_REVOKED, object_id=str(leader_a.pk))
    assert entry.detail == {"reason": "password_changed"} and entry.user == admin_user


def test_an_office_resets_a_chiefs_password_in_its_region(api, office_a, chief_a1):
    phone = _token_client(chief_a1)
    browser = _logged_in_elsewhere(chief_a1)
    response = api.as_user(office_a).patch(
        f"/api/v1/accounts/{chief_a1.pk}/", {"password": NEW}, format="json"
    )
    assert response.status_code == 200, response.content
    chief_a1.refresh_from_db()
    assert chief_a1.check_password(NEW)
    assert _is_out(phone, browser)


@pytest.mark.parametrize("role", [Role.OFFICE, Role.LEADER, Role.ADMIN])
def test_an_office_cannot_reset_an_office_leader_or_admin_password(api, office_a, street_a, role):
    other = make_account(role, street_a.street)
    token = Token.objects.create(user=other)
    response = api.as_user(office_a).patch(
        f"/api/v1/accounts/{other.pk}/", {"password": NEW}, format="json"
    )
    assert response.status_code == 403
    if role != Role.ADMIN:  # an admin account the office may not edit at all
        assert "只有管理员" in response.json()["detail"]
    other.refresh_from_db()
    assert other.check_password(OLD) and Token.objects.filter(key=token.key).exists()


def test_an_office_cannot_turn_a_leader_into_a_chief_to_reset_it(api, office_a, leader_a, street_a):
    chief = street_a.chiefs[1]
    payload = {"password": NEW, "role": "chief", "chief": chief.pk}
    response = api.as_user(office_a).patch(
        f"/api/v1/accounts/{leader_a.pk}/", payload, format="json"
    )
    assert response.status_code == 403
    leader_a.refresh_from_db()
    assert leader_a.role == Role.LEADER and leader_a.check_password(OLD)


def test_an_office_still_edits_a_leaders_name_without_a_password(api, office_a, leader_a):
    response = api.as_user(office_a).patch(
        f"/api/v1/accounts/{leader_a.pk}/", {"first_name": "李四"}, format="json"
    )
    assert response.status_code == 200


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(office_a, client):
    phone = _token_client(office_a)
    browser = _logged_in_elsewhere(office_a)
    client.force_login(office_a)
    response = client.patch(
        f"/api/v1/accounts/{office_a.pk}/", {"password": NEW}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert _is_out(phone, browser)
    assert client.get("/api/v1/notifications/").status_code == 200


def test_the_workbench_account_form_resets_and_revokes(client, admin_user, leader_a, street_a):
    token = Token.objects.create(user=leader_a)
    client.force_login(admin_user)
    data = {"username": leader_a.username, "password": NEW, "role": "leader"}
    data["region"] = street_a.street.pk
    response = client.post(reverse("workbench:edit", args=["accounts", leader_a.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Token.objects.filter(key=token.key).exists()


def test_the_workbench_refuses_an_office_resetting_a_leader(client, office_a, leader_a, street_a):
    client.force_login(office_a)
    data = {"username": leader_a.username, "password": NEW, "role": "leader"}
    data["region"] = street_a.street.pk
    response = client.post(reverse("workbench:edit", args=["accounts", leader_a.pk]), data)
    assert response.status_code == 403
    leader_a.refresh_from_db()
    assert leader_a.check_password(OLD)


def test_the_django_admins_password_page_revokes_too(client, leader_a):
    boss = factories.UserFactory(is_staff=True, is_superuser=True, role=Role.ADMIN, region=None)
    token = Token.objects.create(user=leader_a)
    client.force_login(boss)
    url = reverse("admin:auth_user_password_change", args=[leader_a.pk])
    response = client.post(url, {"password1": NEW, "password2": NEW, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Token.objects.filter(key=token.key).exists()


def test_manage_py_changepassword_revokes_too(leader_a, monkeypatch):
    token = Token.objects.create(user=leader_a)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW)
    call_command("changepassword", leader_a.username)
    assert not Token.objects.filter(key=token.key).exists()


def test_saving_an_account_without_a_new_password_keeps_its_tokens(leader_a):
    token = Token.objects.create(user=leader_a)
    leader_a.first_name = "王五"
    leader_a.save()
    assert Token.objects.filter(key=token.key).exists()
