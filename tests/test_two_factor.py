"""Two-factor sign-in (issue #18, item 5): with REQUIRE_2FA on, admin and office accounts give
an authenticator's code after the password; chiefs are not asked; off, nothing changes."""

from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp import models as totp_models
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import Role
from audit.models import AuditAction, AuditEntry

from . import factories

GOOD = "correct-horse-battery"  # tests.factories.UserFactory's password
FIXED = 1_780_000_000.0  # the clock the authenticator and the portal agree on in these tests
KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret, as django-otp keeps it


@pytest.fixture
def required(db, settings):
    settings.REQUIRE_2FA = True


@pytest.fixture
def clock(monkeypatch):
    """The TOTP check reads FIXED as the time (the throttle keeps the real one)."""
    monkeypatch.setattr(totp_models, "time", SimpleNamespace(time=lambda: FIXED))


def code_at(device: TOTPDevice, at: float) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at
    return f"{totp.token():06d}"


def login(client: Client, user):
    return client.post(reverse("login"), {"username": user.username, "password": GOOD})


def unthrottle(device) -> None:
    """As if the device's wait after its last wrong code had passed."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timezone.timedelta(hours=1)
    )


@pytest.fixture
def enrolled_office(db):
    office = factories.UserFactory(username="liu", role=Role.OFFICE)
    device = TOTPDevice.objects.create(user=office, name="phone", key=KEY, confirmed=True)
    return office, device


def test_office_after_its_password_is_sent_to_enrolment_and_opens_nothing(client, required):
    office = factories.UserFactory(role=Role.OFFICE)
    assert login(client, office).status_code == 302
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"] == "/accounts/2fa/?next=%2F"
    assert client.get("/api/v1/issues/").status_code == 403
    assert client.get("/issues/").url == "/accounts/2fa/?next=%2Fissues%2F"
    assert client.get("/admin/").url.startswith("/accounts/2fa/")


def test_another_authorization_header_does_not_get_an_unverified_session_into_the_api(
    client, required, enrolled_office
):
    office, _device = enrolled_office
    login(client, office)
    for header in ("Basic bGl1OnB3", "Bearer", "Patrol x"):
        response = client.get("/api/v1/issues/", HTTP_AUTHORIZATION=header)
        assert response.status_code in (401, 403), header
        assert "results" not in response.json()


def test_enrolment_shows_the_qr_code_and_secret_and_a_first_code_lets_the_office_in(
    client, required, clock
):
    office = factories.UserFactory(role=Role.OFFICE)
    login(client, office)
    page = client.get("/accounts/2fa/?next=/issues/")
    device = TOTPDevice.objects.get(user=office, confirmed=False)
    assert page.status_code == 200 and "<svg" in page.content.decode()
    # The same pending device on a reload; its secret, in base32 by groups of four, for typing.
    TOTPDevice.objects.filter(pk=device.pk).update(key=KEY)
    html = client.get("/accounts/2fa/").content.decode()
    assert "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ" in html
    assert TOTPDevice.objects.filter(user=office).count() == 1

    wrong = client.post("/accounts/2fa/", {"code": "000000", "next": "/issues/"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    unthrottle(device)
    device.refresh_from_db()
    done = client.post("/accounts/2fa/", {"code": code_at(device, FIXED), "next": "/issues/"})
    assert done.status_code == 200
    codes = StaticToken.objects.filter(device__user=office).values_list("token", flat=True)
    assert len(codes) == 10
    assert all(code in done.content.decode() for code in codes)  # shown this once
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/issues/").status_code == 200
    # Shown once: the page of an enrolled account shows no code again.
    again = client.get("/accounts/2fa/").content.decode()
    assert "已绑定" in again and not any(code in again for code in codes)


def test_an_enrolled_office_gives_its_code_after_the_password(
    client, required, clock, enrolled_office
):
    office, device = enrolled_office
    login(client, office)
    assert client.get("/issues/").url == "/accounts/2fa/verify/?next=%2Fissues%2F"
    response = client.post(
        "/accounts/2fa/verify/", {"code": code_at(device, FIXED), "next": "/issues/"}
    )
    assert response.status_code == 302 and response.url == "/issues/"
    assert client.get("/issues/").status_code == 200
    assert AuditEntry.objects.filter(
        user=office, action=AuditAction.LOGIN, detail__second_factor="TOTPDevice"
    ).exists()


def test_a_wrong_code_is_refused_counted_and_throttled(client, required, clock, enrolled_office):
    office, device = enrolled_office
    login(client, office)
    wrong = client.post("/accounts/2fa/verify/", {"code": "000000"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert AccessAttempt.objects.get(username="liu").failures_since_start == 1
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, username="liu").count() == 1
    # Within the wait after a wrong code even the right one is refused, and not checked.
    right = client.post("/accounts/2fa/verify/", {"code": code_at(device, FIXED)})
    assert right.status_code == 200 and "请稍等片刻" in right.content.decode()
    assert client.get("/").status_code == 302
    unthrottle(device)
    assert client.post("/accounts/2fa/verify/", {"code": code_at(device, FIXED)}).status_code == 302
    assert client.get("/").status_code == 200


def test_five_wrong_codes_lock_the_username_and_address_out(
    client, required, clock, enrolled_office
):
    office, device = enrolled_office
    login(client, office)
    for _ in range(4):
        unthrottle(device)
        assert client.post("/accounts/2fa/verify/", {"code": "111111"}).status_code == 200
    unthrottle(device)
    locked = client.post("/accounts/2fa/verify/", {"code": "111111"})
    assert locked.status_code == 429
    # Signed out: the session cannot go on guessing, and the password is refused meanwhile.
    assert client.get("/").url.startswith("/accounts/login/")
    assert login(client, office).status_code == 429


def test_a_backup_code_signs_in_once(client, required, enrolled_office):
    office, _device = enrolled_office
    backup = StaticDevice.objects.create(user=office, name="backup")
    backup.token_set.create(token="abcd2345")
    login(client, office)
    assert client.post("/accounts/2fa/verify/", {"code": "abcd2345"}).status_code == 302
    assert client.get("/").status_code == 200
    assert not backup.token_set.exists()


def test_a_chief_is_not_asked(client, required, chief_a1):
    login(client, chief_a1)
    assert client.get("/").url == "/me/"  # a chief's home, as without two factors
    assert client.get("/me/").status_code == 200
    assert client.get("/api/v1/issues/").status_code == 200


def test_off_an_enrolled_office_signs_in_with_its_password_alone(client, enrolled_office):
    office, _device = enrolled_office
    assert login(client, office).status_code == 302
    assert client.get("/").status_code == 200


def test_the_api_token_of_an_office_needs_its_code_with_the_password(
    required, clock, enrolled_office
):
    _office, device = enrolled_office
    api = APIClient()
    url = "/api/v1/auth/token/"
    refused = api.post(url, {"username": "liu", "password": GOOD}, format="json")
    assert refused.status_code == 400 and "otp" in refused.json()
    unthrottle(device)
    data = {"username": "liu", "password": GOOD, "otp": code_at(device, FIXED)}
    assert "token" in api.post(url, data, format="json").json()


def test_an_office_resets_a_colleagues_authenticator_and_it_enrols_again(
    client, required, clock, enrolled_office
):
    office, device = enrolled_office
    colleague = factories.UserFactory(role=Role.OFFICE, region=office.region)
    colleague_device = TOTPDevice.objects.create(user=colleague, name="p", key=KEY, confirmed=True)
    login(client, office)
    client.post("/accounts/2fa/verify/", {"code": code_at(device, FIXED)})
    response = client.post(f"/accounts/2fa/reset/{colleague.pk}/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=colleague_device.pk).exists()
    assert AuditEntry.objects.filter(
        user=office, object_id=str(colleague.pk), detail__second_factor="reset"
    ).exists()
    other = Client()
    login(other, colleague)
    assert other.get("/").url.startswith("/accounts/2fa/?")


def test_an_office_cannot_reset_an_admins_authenticator_nor_beyond_its_region(
    client, required, clock, enrolled_office, county
):
    office, device = enrolled_office
    admin = factories.UserFactory(role=Role.ADMIN, region=office.region)
    TOTPDevice.objects.create(user=admin, name="p", key=KEY, confirmed=True)
    elsewhere = factories.UserFactory(role=Role.OFFICE)  # another street
    login(client, office)
    client.post("/accounts/2fa/verify/", {"code": code_at(device, FIXED)})
    assert client.post(f"/accounts/2fa/reset/{admin.pk}/").status_code == 403
    assert client.post(f"/accounts/2fa/reset/{elsewhere.pk}/").status_code == 404
    assert TOTPDevice.objects.filter(user=admin).exists()


def test_new_backup_codes_replace_the_old_ones(client, required, clock, enrolled_office):
    office, device = enrolled_office
    backup = StaticDevice.objects.create(user=office, name="backup")
    backup.token_set.create(token="oldcode1")
    login(client, office)
    client.post("/accounts/2fa/verify/", {"code": code_at(device, FIXED)})
    page = client.post("/accounts/2fa/backup-codes/").content.decode()
    codes = list(StaticToken.objects.filter(device__user=office).values_list("token", flat=True))
    assert len(codes) == 10 and "oldcode1" not in codes
    assert all(code in page for code in codes)


def test_an_unverified_session_gets_no_new_backup_codes(client, required, enrolled_office):
    office, _device = enrolled_office
    login(client, office)
    response = client.post("/accounts/2fa/backup-codes/")
    assert response.status_code == 302 and response.url.startswith("/accounts/2fa/verify/")
    assert not StaticToken.objects.filter(device__user=office).exists()
