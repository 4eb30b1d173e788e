"""Logins (issue #7, item 2): lockout after bad passwords, password rules, sessions, tokens."""

import threading
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import middleware as session_limits
from accounts.models import Role, User
from demo.street import DEMO_ACCOUNTS

from . import factories

GOOD = "correct-horse-battery"  # tests.factories.UserFactory's password
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def zhang(db) -> User:
    return factories.UserFactory(username="zhang")


def web_login(client: Client, username: str, password: str, ip: str = "10.0.0.1", **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


def api_login(username: str, password: str, ip: str = "10.0.0.1", **extra):
    return APIClient().post(
        TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


def age_failures(username: str, by: timedelta) -> None:
    """Move the recorded failures back in time, as if ``by`` had passed since."""
    for attempt in AccessAttempt.objects.filter(username=username):
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - by)


# --- lockout -------------------------------------------------------------------------------------


def test_four_bad_passwords_then_the_good_one_logs_in_on_the_web(client, zhang):
    for _ in range(4):
        response = web_login(client, "zhang", "wrong-password-123")
        assert response.status_code == 200
        assert "用户名" in response.content.decode()
    response = web_login(client, "zhang", GOOD)
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == zhang
    # A good login clears the failures: four more mistypes later do not lock.
    assert not AccessAttempt.objects.filter(username="zhang").exists()


def test_four_bad_passwords_then_the_good_one_gets_a_token(zhang):
    for _ in range(4):
        assert api_login("zhang", "wrong-password-123").status_code == 400
    response = api_login("zhang", GOOD)
    assert response.status_code == 200 and response.json()["token"]
    zhang.refresh_from_db()
    assert zhang.last_login is not None
    assert not AccessAttempt.objects.filter(username="zhang").exists()


def test_the_fifth_bad_password_locks_the_login_page_even_for_the_good_password(client, zhang):
    for _ in range(4):
        assert web_login(client, "zhang", "wrong-password-123").status_code == 200
    fifth = web_login(client, "zhang", "wrong-password-123")
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert "登录失败次数过多" in page and "15 分钟后再试" in page and "输错密码 5 次" in page
    assert 'role="alert"' in page and "zhang" in page
    assert int(fifth["Retry-After"]) == 15 * 60

    locked = web_login(client, "zhang", GOOD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_fifth_bad_password_locks_the_token_endpoint_with_a_json_429(zhang):
    for _ in range(4):
        assert api_login("zhang", "wrong-password-123").status_code == 400
    fifth = api_login("zhang", "wrong-password-123")
    assert fifth.status_code == 429
    assert "登录失败次数过多" in fifth.json()["detail"]
    locked = api_login("zhang", GOOD)
    assert locked.status_code == 429 and set(locked.json()) == {"detail"}
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert not Token.objects.filter(user=zhang).exists()


def test_the_web_and_the_api_share_one_count_so_neither_bypasses_the_other(client, zhang):
    for _ in range(3):
        web_login(client, "zhang", "wrong-password-123")
    assert api_login("zhang", "wrong-password-123").status_code == 400
    assert api_login("zhang", "wrong-password-123").status_code == 429
    assert web_login(client, "zhang", GOOD).status_code == 429
    assert api_login("zhang", GOOD).status_code == 429


def test_the_admin_login_is_locked_too(client, db):
    factories.UserFactory(username="boss", is_staff=True, is_superuser=True, role=Role.ADMIN)
    url = reverse("admin:login")
    for _ in range(5):
        response = client.post(url, {"username": "boss", "password": "no"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    response = client.post(url, {"username": "boss", "password": GOOD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429


def test_the_lock_holds_for_fifteen_minutes_then_the_good_password_works(zhang):
    for _ in range(5):
        api_login("zhang", "wrong-password-123")
    age_failures("zhang", timedelta(minutes=14, seconds=50))
    assert api_login("zhang", GOOD).status_code == 429
    age_failures("zhang", timedelta(seconds=11))
    assert api_login("zhang", GOOD).status_code == 200


def test_tries_during_the_lock_do_not_extend_it(zhang):
    for _ in range(5):
        api_login("zhang", "wrong-password-123")
    age_failures("zhang", timedelta(minutes=10))
    for _ in range(3):
        assert api_login("zhang", "wrong-password-123").status_code == 429
        assert api_login("zhang", GOOD).status_code == 429
    age_failures("zhang", timedelta(minutes=5, seconds=1))
    assert api_login("zhang", GOOD).status_code == 200


def test_another_address_of_the_same_user_is_not_locked(client, zhang):
    for _ in range(5):
        api_login("zhang", "wrong-password-123", ip="10.0.0.1")
    assert api_login("zhang", GOOD, ip="10.0.0.1").status_code == 429
    assert api_login("zhang", GOOD, ip="10.0.0.2").status_code == 200
    assert web_login(client, "zhang", GOOD, ip="2001:db8::7").status_code == 302


def test_another_user_from_the_same_address_is_not_locked(client, zhang):
    factories.UserFactory(username="li")
    for _ in range(5):
        web_login(client, "zhang", "wrong-password-123", ip="10.0.0.1")
    assert web_login(client, "zhang", GOOD, ip="10.0.0.1").status_code == 429
    assert web_login(client, "li", GOOD, ip="10.0.0.1").status_code == 302
    assert api_login("li", GOOD, ip="10.0.0.1").status_code == 200


def test_a_forwarded_for_header_is_ignored_unless_a_proxy_is_trusted(zhang):
    for i in range(5):
        api_login("zhang", "wrong-password-123", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    # Every try came from REMOTE_ADDR 10.0.0.1 whatever the client wrote in the header.
    assert api_login("zhang", GOOD, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_behind_a_trusted_proxy_the_last_forwarded_address_is_the_client(settings, zhang):
    proxy = "10.0.0.254"
    settings.TRUSTED_PROXIES = [proxy]
    for i in range(5):
        # What a client writes is kept by the proxy in front; the last entry is the proxy's own.
        api_login(
            "zhang", "wrong-password-123", ip=proxy, HTTP_X_FORWARDED_FOR=f"1.1.1.{i}, 203.0.113.7"
        )
    assert AccessAttempt.objects.get(username="zhang").ip_address == "203.0.113.7"
    forged = api_login("zhang", GOOD, ip=proxy, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7")
    assert forged.status_code == 429
    other = api_login("zhang", GOOD, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 200


def test_axes_reset_username_unlocks_at_once(zhang):
    for _ in range(5):
        api_login("zhang", "wrong-password-123")
    assert api_login("zhang", GOOD).status_code == 429
    call_command("axes_reset_username", "zhang")
    assert api_login("zhang", GOOD).status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_parallel_bad_tries_are_counted_one_at_a_time_and_the_lock_holds():
    factories.UserFactory(username="zhang")
    tries = 20
    start = threading.Barrier(tries)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def attempt(through_the_page: bool) -> None:
        try:
            client = Client() if through_the_page else APIClient()
            url = reverse("login") if through_the_page else TOKEN_URL
            start.wait(timeout=30)
            response = client.post(
                url, {"username": "zhang", "password": "wrong-password-123"}, REMOTE_ADDR="10.0.0.1"
            )
            statuses.append(response.status_code)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    # Half through the login page, half through the token endpoint: one count for both.
    threads = [threading.Thread(target=attempt, args=(i % 2 == 0,)) for i in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(statuses) == tries
    # Four tries were told "wrong password" (the page's 200 with its error, the API's 400); the
    # fifth and every later one got the lockout.
    assert statuses.count(429) == 16
    assert {status for status in statuses if status != 429} <= {200, 400}
    # Exactly five passwords were ever checked: no try slipped past the lock while another was
    # still being counted (without accounts.lockout.login_attempt several would).
    assert AccessAttempt.objects.get(username="zhang").failures_since_start == 5
    assert api_login("zhang", GOOD).status_code == 429


# --- passwords -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt-pass!", "密码长度太短。密码必须包含至少 12 个字符。"),
        ("password1234", "这个密码太常见了。"),
        ("730245961837", "密码只包含数字。"),
        ("wangxiaoming-river", "密码跟 用户名 太相似了。"),
    ],
)
def test_the_accounts_api_refuses_weak_passwords_with_the_reason(
    api, admin_user, street_a, password, message
):
    payload = {
        "username": "wangxiaoming-river",
        "password": password,
        "role": "leader",
        "region": street_a.street.pk,
    }
    response = api.as_user(admin_user).post("/api/v1/accounts/", payload, format="json")
    assert response.status_code == 400
    assert message in response.json()["password"]
    assert not User.objects.filter(username="wangxiaoming-river").exists()


def test_changing_a_password_through_the_api_is_checked_too(api, admin_user, street_a):
    account = factories.UserFactory(role=Role.LEADER, region=street_a.street)
    response = api.as_user(admin_user).patch(
        f"/api/v1/accounts/{account.pk}/", {"password": "short-1"}, format="json"
    )
    assert response.status_code == 400 and response.json()["password"]
    account.refresh_from_db()
    assert account.check_password(GOOD)


def test_the_workbench_account_form_shows_the_password_rules_inline(client, office_a, street_a):
    client.force_login(office_a)
    data = {"username": "new-leader", "password": "12345678", "role": "leader"}
    data["region"] = street_a.street.pk
    response = client.post(reverse("workbench:create", args=["accounts"]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "密码长度太短" in page and "密码只包含数字" in page
    assert not User.objects.filter(username="new-leader").exists()


def test_the_admin_add_user_form_applies_the_password_rules(client, street_a):
    boss = factories.UserFactory(
        username="boss", is_staff=True, is_superuser=True, role=Role.ADMIN, region=None
    )
    client.force_login(boss)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "weak-one",
            "usable_password": "true",
            "password1": "qwerty123456",
            "password2": "qwerty123456",
            "role": "leader",
            "region": street_a.street.pk,
        },
    )
    assert response.status_code == 200
    assert "这个密码太常见了" in response.content.decode()
    assert not User.objects.filter(username="weak-one").exists()


def test_the_demo_passwords_pass_the_rules(db):
    for account in DEMO_ACCOUNTS:
        validate_password(account.password, user=User(username=account.username))


# --- sessions ------------------------------------------------------------------------------------


def test_the_session_id_changes_at_login(client, zhang):
    before = client.session
    before["cart"] = "something set before the login"
    before.save()
    client.cookies["sessionid"] = before.session_key
    old_key = before.session_key

    assert web_login(client, "zhang", GOOD).status_code == 302
    new_key = client.cookies["sessionid"].value
    assert new_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    assert Session.objects.get(session_key=new_key).get_decoded()["_auth_user_id"] == str(zhang.pk)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta).total_seconds()


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(timezone.now().timestamp())
    monkeypatch.setattr(session_limits.time, "time", clock.time)
    return clock


def logged_in(client: Client) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 200 and response.context["user"].is_authenticated


def test_a_session_ends_after_thirty_idle_minutes(client, zhang, clock):
    assert web_login(client, "zhang", GOOD).status_code == 302
    clock.advance(minutes=29, seconds=50)
    assert logged_in(client)
    clock.advance(minutes=30, seconds=1)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "登录已超时，请重新登录。" in page


def test_an_active_session_still_ends_twelve_hours_after_the_login(client, zhang, clock):
    assert web_login(client, "zhang", GOOD).status_code == 302
    for _ in range(28):  # a request every 25 minutes: 11 h 40 min of steady work
        clock.advance(minutes=25)
        assert logged_in(client)
    clock.advance(minutes=19)  # 11 h 59 min: still in
    assert logged_in(client)
    clock.advance(minutes=1, seconds=2)  # 12 h and 2 s, 21 minutes after the last request
    assert not logged_in(client)


def test_idle_and_absolute_limits_apply_to_api_calls_on_a_session(client, zhang, clock):
    assert web_login(client, "zhang", GOOD).status_code == 302
    assert client.get("/api/v1/notifications/").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/api/v1/notifications/").status_code in (401, 403)


def test_the_session_limits_follow_the_settings(client, zhang, clock, settings):
    settings.SESSION_IDLE_MINUTES = 5
    assert web_login(client, "zhang", GOOD).status_code == 302
    clock.advance(minutes=4)
    assert logged_in(client)
    clock.advance(minutes=5, seconds=1)
    assert not logged_in(client)


def test_busy_pages_do_not_write_the_session_on_every_request(client, zhang, clock):
    assert web_login(client, "zhang", GOOD).status_code == 302
    seen = client.session[session_limits.SEEN_AT]
    clock.advance(seconds=30)
    assert logged_in(client)
    assert client.session[session_limits.SEEN_AT] == seen
    clock.advance(seconds=31)
    assert logged_in(client)
    assert client.session[session_limits.SEEN_AT] == int(clock.now)


# --- tokens --------------------------------------------------------------------------------------


def test_a_revoked_token_answers_401(zhang):
    token = api_login("zhang", GOOD).json()["token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/notifications/").status_code == 200
    assert api.delete(TOKEN_URL).status_code == 204
    response = api.get("/api/v1/notifications/")
    assert response.status_code == 401
    # A new login issues a new token; the old one stays dead.
    assert api_login("zhang", GOOD).json()["token"] != token
    assert api.get("/api/v1/notifications/").status_code == 401
