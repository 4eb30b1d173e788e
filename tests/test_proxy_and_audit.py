"""Issue 12, items 4, 10 and 11: the client's address behind a proxy (TRUSTED_PROXIES), password
spraying, plain HTTP as documented, refusals and out-of-region probes in the audit log, TRUNCATE
refused, blank public reports refused, and ``?region=`` on the bulletins."""

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.db import IntegrityError, connection, transaction
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from audit import services as audit_services
from audit.models import AuditEntry
from core.clientip import client_ip
from issues.models import Issue
from public_reports.models import PublicReport

from . import factories
from .conftest import make_account
from .test_issues import make_issue

ROOT = Path(__file__).resolve().parent.parent
GOOD = "correct-horse-battery"  # tests.factories.UserFactory's password
PROXY = "172.28.0.1"
TOKEN_URL = "/api/v1/auth/token/"


def api_login(username: str, password: str, ip: str, **extra):
    return APIClient().post(
        TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


# --- the one client address -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        # Nobody trusted: the header is whatever the client wrote.
        ("203.0.113.9", "198.51.100.1", [], "203.0.113.9"),
        # A request straight from a client, not the proxy: its header is still not read.
        ("203.0.113.9", "198.51.100.1", [PROXY], "203.0.113.9"),
        # From the proxy: the rightmost entry that is not a proxy of ours.
        (PROXY, "6.6.6.6, 198.51.100.1", [PROXY], "198.51.100.1"),
        # Two proxies of ours in a row (a network given as a range): both skipped.
        ("10.1.0.2", "6.6.6.6, 198.51.100.1, 10.1.0.3", ["10.1.0.0/24"], "198.51.100.1"),
        # A broken entry stops the walk at the hop that wrote it.
        (PROXY, "198.51.100.1, garbage", [PROXY], PROXY),
        # No header at all: the proxy itself.
        (PROXY, None, [PROXY], PROXY),
        # IPv6 proxy network, IPv6 client.
        ("2001:db8::1", "2001:db8:ffff::7", ["2001:db8::/64"], "2001:db8:ffff::7"),
    ],
)
def test_the_client_address_reads_the_header_only_from_a_trusted_proxy(
    settings, remote, forwarded, trusted, expected
):
    settings.TRUSTED_PROXIES = trusted
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected


def test_lockout_keys_on_the_client_behind_the_trusted_proxy_and_on_the_sender_otherwise(
    settings, db
):
    settings.TRUSTED_PROXIES = [PROXY]
    factories.UserFactory(username="wang")
    # Through the proxy, five typos of one citizen lock wang for that citizen only.
    for i in range(5):
        api_login(
            "wang", "wrong-password-1", PROXY, HTTP_X_FORWARDED_FOR=f"9.9.9.{i}, 198.51.100.1"
        )
    assert api_login("wang", GOOD, PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert api_login("wang", GOOD, PROXY, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
    assert AccessAttempt.objects.get(username="wang").ip_address == "198.51.100.1"
    # From an address that is not the proxy, a forged header names nobody: the sender counts.
    for i in range(5):
        api_login("wang", "wrong-password-1", "203.0.113.50", HTTP_X_FORWARDED_FOR=f"1.1.1.{i}")
    forged = api_login("wang", GOOD, "203.0.113.50", HTTP_X_FORWARDED_FOR="198.51.100.3")
    assert forged.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "198.51.100.1",
        "203.0.113.50",
    }


def test_public_report_limit_keys_on_the_client_behind_the_trusted_proxy_only(
    settings, client, street_a
):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.PUBLIC_REPORT_MAX_PER_HOUR = 1
    sign = street_a.reaches[0].signs.get()

    def report(remote: str, forwarded: str):
        return client.post(
            f"/r/{sign.code}/",
            {"description": "河面漂浮大量垃圾", "phone": ""},
            REMOTE_ADDR=remote,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    # Two citizens behind the proxy each have their own hour.
    assert report(PROXY, "198.51.100.1").status_code == 302
    assert report(PROXY, "198.51.100.2").status_code == 302
    # The first one again, with a made-up address in front of the proxy's entry: still them.
    assert report(PROXY, "5.5.5.5, 198.51.100.1").status_code == 429
    # Not from the proxy: the header is ignored, the sender is the connection's address.
    assert report("203.0.113.60", "198.51.100.9").status_code == 302
    assert report("203.0.113.60", "198.51.100.10").status_code == 429
    assert PublicReport.objects.count() == 3


# --- password spraying ------------------------------------------------------------------------


def test_spraying_ten_usernames_from_one_address_locks_that_address(settings, db):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    names = [f"user{i}" for i in range(11)]
    for name in names:
        factories.UserFactory(username=name)
    # One guess at each of ten accounts: no username reaches its own limit of five.
    for name in names[:10]:
        assert api_login(name, "Spring2024!", "198.51.100.77").status_code == 400
    locked = api_login("user10", GOOD, "198.51.100.77")
    assert locked.status_code == 429
    assert "网络地址" in locked.json()["detail"]
    assert int(locked["Retry-After"]) > 0
    # The same account from another address logs in; the lock is the address's.
    assert api_login("user10", GOOD, "198.51.100.78").status_code == 200
    # The web login page is locked for that address too.
    page = Client().post(
        "/accounts/login/", {"username": "user10", "password": GOOD}, REMOTE_ADDR="198.51.100.77"
    )
    assert page.status_code == 429
    # After the cool-off the address is free again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert api_login("user10", GOOD, "198.51.100.77").status_code == 200


def test_the_per_username_lockout_is_unchanged_below_the_address_limit(db):
    factories.UserFactory(username="zhao")
    for _ in range(5):
        api_login("zhao", "wrong-password-1", "198.51.100.5")
    assert api_login("zhao", GOOD, "198.51.100.5").status_code == 429
    # Five failures are far below the address's limit: other accounts there log in.
    factories.UserFactory(username="qian")
    assert api_login("qian", GOOD, "198.51.100.5").status_code == 200


# --- plain HTTP as documented -----------------------------------------------------------------

SECURITY_SETTINGS = [
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
]


def production(**environment: str) -> tuple[dict, set[str]]:
    """The security settings config/settings/production.py makes of ``environment``, and the
    ids of the warnings `check --deploy` gives for them."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 30 + "-production-check-key-0123456789-abcdefghij",
        # The settings alone: the holiday calendar's warning depends on the date and the data.
        "SILENCED_SYSTEM_CHECKS": "calendars.W001",
        **environment,
    }
    script = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core import checks\n"
        f"names = {SECURITY_SETTINGS!r}\n"
        "print(json.dumps({n: getattr(settings, n) for n in names}))\n"
        "print(json.dumps(sorted({m.id for m in checks.run_checks(include_deployment_checks=True)"
        " if m.level >= checks.WARNING and not m.is_silenced()})))\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    values, warnings = result.stdout.strip().splitlines()[-2:]
    return json.loads(values), set(json.loads(warnings))


class Browser(Client):
    """The test client, made to keep cookies as a browser does over plain HTTP: one marked
    Secure is dropped (the test client would keep it and hide the bug)."""

    def request(self, **request):
        response = super().request(**request)
        for name, morsel in list(response.cookies.items()):
            if morsel["secure"] and name in self.cookies:
                del self.cookies[name]
        return response


def browse_login_and_report(sign_code: str, password: str, username: str) -> tuple[int, int]:
    browser = Browser(enforce_csrf_checks=True, HTTP_HOST="portal.lan")
    origin = {"HTTP_ORIGIN": "http://portal.lan"}
    browser.get("/accounts/login/")
    token = browser.cookies["csrftoken"].value if "csrftoken" in browser.cookies else ""
    login = browser.post(
        "/accounts/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": token},
        **origin,
    )
    if login.status_code == 302:
        assert browser.get("/").status_code == 200  # the session cookie came back
    citizen = Browser(enforce_csrf_checks=True, HTTP_HOST="portal.lan")
    form = citizen.get(f"/r/{sign_code}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    report = citizen.post(
        f"/r/{sign_code}/",
        {"description": "河面漂浮大量垃圾", "phone": "", "csrfmiddlewaretoken": token},
        **origin,
    )
    return login.status_code, report.status_code


def test_production_over_plain_http_logs_in_and_takes_a_public_report(street_a, office_a):
    values, warnings = production(
        PUBLIC_BASE_URL="http://portal.lan", ALLOWED_HOSTS="portal.example.cn"
    )
    assert values["CSRF_TRUSTED_ORIGINS"] == ["http://portal.lan"]
    assert values["ALLOWED_HOSTS"] == ["portal.example.cn", "portal.lan"]
    assert values["SESSION_COOKIE_SECURE"] is False and values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    # Plain HTTP is insecure, and check --deploy says so: no HSTS, no redirect, no Secure cookie.
    assert warnings == {"security.W004", "security.W008", "security.W012", "security.W016"}

    sign = street_a.reaches[0].signs.get()
    with override_settings(DEBUG=False, **values):
        login, report = browse_login_and_report(sign.code, GOOD, office_a.username)
    assert (login, report) == (302, 302)
    assert Issue.objects.filter(source="public").count() == 1


def test_secure_cookies_over_plain_http_were_the_403(street_a, office_a):
    """What the issue saw: the HTTPS settings on an http:// host. The browser drops the Secure
    cookies, so the login and the report answer 403 (CSRF)."""
    values, _ = production(PUBLIC_BASE_URL="http://portal.lan", HTTPS="true")
    assert values["SESSION_COOKIE_SECURE"] is True and values["SECURE_SSL_REDIRECT"] is True
    sign = street_a.reaches[0].signs.get()
    with override_settings(DEBUG=False, **{**values, "SECURE_SSL_REDIRECT": False}):
        assert browse_login_and_report(sign.code, GOOD, office_a.username) == (403, 403)


def test_production_over_https_keeps_every_protection_and_a_clean_check():
    values, warnings = production(
        PUBLIC_BASE_URL="https://portal.example.cn", ALLOWED_HOSTS="portal.example.cn"
    )
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://portal.example.cn"]
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True and values["SECURE_HSTS_SECONDS"] == 31536000
    assert warnings == set()


# --- audit: refusals and probes -----------------------------------------------------------------


def test_a_probe_of_another_regions_record_is_recorded_once_a_minute(
    api, monkeypatch, office_a, street_b
):
    other = make_issue(street_b)
    before = AuditEntry.objects.count()
    client = api.as_user(office_a)
    for _ in range(3):
        assert client.get(f"/api/v1/issues/{other.pk}/").status_code == 404
    assert client.get("/api/v1/issues/999999/").status_code == 404
    probes = list(AuditEntry.objects.filter(action="not_found").order_by("pk"))
    assert AuditEntry.objects.count() == before + 2
    assert [(e.user, e.path, e.detail["other_region"]) for e in probes] == [
        (office_a, f"/api/v1/issues/{other.pk}/", True),
        (office_a, "/api/v1/issues/999999/", False),
    ]
    # A minute later the same probe is recorded again.
    later = timezone.now() + datetime.timedelta(seconds=61)
    monkeypatch.setattr(audit_services.timezone, "now", lambda: later)
    client.get(f"/api/v1/issues/{other.pk}/")
    assert AuditEntry.objects.filter(action="not_found").count() == 3


def test_a_page_probe_is_recorded_and_anonymous_404s_are_not(client, office_a, street_b):
    other = make_issue(street_b)
    client.force_login(office_a)
    for _ in range(2):
        assert client.get(f"/issues/{other.pk}/").status_code == 404
    entry = AuditEntry.objects.get(action="not_found")
    assert entry.user == office_a and entry.path == f"/issues/{other.pk}/"
    Client().get("/r/NO-SUCH-SIGN/")
    assert AuditEntry.objects.filter(action="not_found").count() == 1


def test_refusals_are_recorded_once_per_user_path_and_minute(api, street_a):
    leader = make_account(Role.LEADER, street_a.street)
    other_leader = make_account(Role.LEADER, street_a.street)
    for _ in range(4):
        assert api.as_user(leader).post("/api/v1/chiefs/", {}, format="json").status_code == 403
    assert api.as_user(leader).post("/api/v1/rivers/", {}, format="json").status_code == 403
    assert api.as_user(other_leader).post("/api/v1/chiefs/", {}, format="json").status_code == 403
    denied = AuditEntry.objects.filter(action="denied").order_by("pk")
    assert [(e.user, e.path) for e in denied] == [
        (leader, "/api/v1/chiefs/"),
        (leader, "/api/v1/rivers/"),
        (other_leader, "/api/v1/chiefs/"),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_truncate_the_log(street_a):
    make_issue(street_a)
    with connection.cursor() as cursor:
        # The test's own transaction holds deferred foreign-key checks of that insert, which
        # PostgreSQL would name instead of the trigger; a committed row has none.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for statement in ("TRUNCATE audit_auditentry", "TRUNCATE audit_auditentry CASCADE"):
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AuditEntry.objects.count() == 1


# --- blank public reports ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "   ",
        " \u200b ",
        "\u200b\u200c\u200d",
        "\ufeff",
        "\u3000\u2060\u00ad",
        "\u202e \u200f",
        "\u3164\u2800",
    ],
)
def test_a_blank_or_invisible_public_report_is_refused_naming_the_field(
    client, street_a, description
):
    sign = street_a.reaches[0].signs.get()
    response = client.post(f"/r/{sign.code}/", {"description": description, "phone": ""})
    assert response.status_code == 400
    assert "问题描述不能为空白" in response.content.decode()
    assert not Issue.objects.exists() and not PublicReport.objects.exists()


def test_a_report_with_a_zero_width_space_inside_real_words_is_taken(client, street_a):
    sign = street_a.reaches[0].signs.get()
    response = client.post(f"/r/{sign.code}/", {"description": "河面\u200b有垃圾", "phone": ""})
    assert response.status_code == 302


# --- bulletins by region ----------------------------------------------------------------------


def test_bulletins_honour_region_in_the_api_and_on_the_page(
    api, client, county, street_a, street_b
):
    admin = make_account(Role.ADMIN, county)
    mine = factories.BulletinFactory(street=street_a.street)
    theirs = factories.BulletinFactory(street=street_b.street)
    url = "/api/v1/bulletins/"
    everything = api.as_user(admin).get(url).json()["results"]
    assert {b["id"] for b in everything} == {mine.pk, theirs.pk}
    only_a = api.as_user(admin).get(url, {"region": street_a.street.pk}).json()["results"]
    assert [b["id"] for b in only_a] == [mine.pk]
    # A community has no bulletin of its own.
    community = street_b.communities[0].pk
    assert api.as_user(admin).get(url, {"region": community}).json()["results"] == []

    client.force_login(admin)
    page = client.get("/bulletins/", {"region": street_b.street.pk})
    assert page.status_code == 200
    assert [b.pk for b in page.context["page"].object_list] == [theirs.pk]


def test_a_region_outside_the_account_is_refused_on_bulletins(api, client, office_a, street_b):
    factories.BulletinFactory(street=street_b.street)
    response = api.as_user(office_a).get("/api/v1/bulletins/", {"region": street_b.street.pk})
    assert response.status_code == 400
    assert "region" in response.json()
    client.force_login(office_a)
    assert client.get("/bulletins/", {"region": street_b.street.pk}).status_code == 400
