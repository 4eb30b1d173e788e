"""Every account changes its own password, or resets it from an emailed link; both audited,
both end the account's other sessions and its API tokens, neither tells who is registered."""

import re

import pytest
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import Role
from audit.models import AuditEntry

from .conftest import make_account

OLD = "correct-horse-battery"  # tests/factories.py UserFactory
NEW = "river-bank-lantern-42"


@pytest.fixture
def chief(chief_a1):
    chief_a1.email = "chief.a1@example.cn"
    chief_a1.save(update_fields=["email"])
    return chief_a1


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", [Role.CHIEF, Role.LEADER, Role.OFFICE, Role.ADMIN])
def test_every_role_changes_its_own_password(street_a, role):
    chief = street_a.chiefs[0] if role == Role.CHIEF else None
    user = make_account(role, chief.region if chief else street_a.street, chief=chief)
    client = _logged_in(user)

    page = client.get("/accounts/password/")
    assert page.status_code == 200
    assert "修改密码" in page.content.decode()

    response = client.post(
        "/accounts/password/",
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/done/"
    user.refresh_from_db()
    assert user.check_password(NEW)
    # The session that made the change stays logged in.
    assert client.get("/accounts/password/done/").status_code == 200


def test_a_password_change_ends_other_sessions_and_tokens_and_is_audited(chief):
    other_phone = _logged_in(chief)
    token = Token.objects.create(user=chief)
    browser = _logged_in(chief)

    browser.post(
        "/accounts/password/",
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
    )

    assert not Token.objects.filter(pk=token.pk).exists()
    assert other_phone.get("/me/").status_code == 302  # to the login page
    assert browser.get("/me/").status_code == 200
    entry = AuditEntry.objects.get(action="password_changed", object_id=str(chief.pk))
    assert entry.user_id == chief.pk
    assert entry.detail == {"how": "change"}
    assert NEW not in str(entry.changes) and chief.password not in str(entry.changes)


def test_a_wrong_old_password_or_a_weak_new_one_is_refused_in_chinese(chief):
    client = _logged_in(chief)

    wrong = client.post(
        "/accounts/password/",
        {"old_password": "not-the-password", "new_password1": NEW, "new_password2": NEW},
    )
    weak = client.post(
        "/accounts/password/",
        {"old_password": OLD, "new_password1": "12345678", "new_password2": "12345678"},
    )

    assert wrong.status_code == 200 and weak.status_code == 200
    assert "旧密码" in wrong.content.decode()
    assert "12" in weak.content.decode()  # the minimum length is named
    chief.refresh_from_db()
    assert chief.check_password(OLD)
    assert not AuditEntry.objects.filter(action="password_changed").exists()


def test_the_password_pages_need_a_login():
    response = Client().get("/accounts/password/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_login_page_and_every_page_lead_to_the_password_pages(chief):
    assert 'href="/accounts/password/reset/"' in Client().get("/accounts/login/").content.decode()
    home = _logged_in(chief).get("/me/").content.decode()
    assert 'href="/accounts/password/"' in home


def _reset_link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", body)
    assert match, body
    return match.group(0)


def test_a_reset_link_by_email_sets_a_new_password_once(chief, settings):
    settings.PUBLIC_BASE_URL = "https://hezhang.example.cn"
    client = Client()

    response = client.post("/accounts/password/reset/", {"email": "CHIEF.A1@example.cn"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["chief.a1@example.cn"]
    assert message.subject == "重置河长制工作平台的密码"
    link = _reset_link(message.body)
    # The link names the portal's public address, not the Host the request came to.
    assert link.startswith("https://hezhang.example.cn/accounts/password/reset/")
    assert "24 小时" in message.body

    path = link.removeprefix("https://hezhang.example.cn")
    form = client.get(path, follow=True)
    assert "设置新密码" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/password/reset/complete/"
    chief.refresh_from_db()
    assert chief.check_password(NEW)
    assert AuditEntry.objects.get(action="password_changed").detail == {"how": "reset"}

    # A link works once.
    again = Client().get(path, follow=True)
    assert "该重置链接无效" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(chief):
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.cn"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []
    assert AuditEntry.objects.filter(action="password_reset_requested").count() == 1


def test_reset_requests_are_limited_per_address(chief, settings):
    settings.PASSWORD_RESET_MAX_PER_HOUR = 3
    client = Client()
    for _ in range(3):
        asked = client.post("/accounts/password/reset/", {"email": "x@example.cn"})
        assert asked.status_code == 302

    fourth = client.post("/accounts/password/reset/", {"email": "chief.a1@example.cn"})

    assert fourth.status_code == 200
    assert "重置密码的请求过于频繁" in fourth.content.decode()
    assert mail.outbox == []
    # Another address is not held back by this one's asks.
    other = Client(REMOTE_ADDR="192.0.2.9").post(
        "/accounts/password/reset/", {"email": "chief.a1@example.cn"}
    )
    assert other.status_code == 302
    assert len(mail.outbox) == 1
