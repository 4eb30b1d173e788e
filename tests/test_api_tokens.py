"""Per-device API tokens (issue #18, item 5): made with a name, the key shown once and stored
hashed, revoked one by one (401 at once), listed by their owner and the region's office."""

import hashlib
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import ApiToken, Role
from audit.models import AuditAction, AuditEntry

from . import factories

GOOD = "correct-horse-battery"


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def make_token(user, name="张三的手机") -> str:
    response = session(user).post("/api/v1/tokens/", {"name": name}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["key"]


def test_a_created_key_works_is_shown_once_and_is_stored_hashed(chief_a1):
    response = session(chief_a1).post("/api/v1/tokens/", {"name": "张三的手机"}, format="json")
    assert response.status_code == 201
    key = response.json()["key"]
    assert key.startswith("rct_") and len(key) > 40
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.name == "张三的手机" and token.user == chief_a1
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    # The key is in no column of the row, and never answered again.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken WHERE id = %s", [token.pk])
        assert key not in repr(cursor.fetchone())
    listed = session(chief_a1).get("/api/v1/tokens/").json()["results"]
    assert [row["name"] for row in listed] == ["张三的手机"] and "key" not in listed[0]
    assert "key" not in session(chief_a1).get(f"/api/v1/tokens/{token.pk}/").json()

    assert bearer(key).get("/api/v1/issues/").status_code == 200
    other_header = APIClient()
    other_header.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert other_header.get("/api/v1/issues/").status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.TOKEN_CREATED, user=chief_a1).exists()


def test_a_revoked_key_answers_401_at_once(chief_a1):
    key = make_token(chief_a1)
    client = bearer(key)
    assert client.get("/api/v1/issues/").status_code == 200
    token = ApiToken.objects.get(user=chief_a1)
    assert session(chief_a1).delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    assert client.get("/api/v1/issues/").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(
        action=AuditAction.TOKEN_REVOKED, object_id=str(token.pk)
    ).exists()


def test_unknown_keys_answer_401_and_legacy_tokens_still_work(chief_a1):
    assert bearer("rct_not-a-key").get("/api/v1/issues/").status_code == 401
    legacy = APIClient().post(
        "/api/v1/auth/token/", {"username": chief_a1.username, "password": GOOD}, format="json"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {legacy.json()['token']}")
    assert client.get("/api/v1/issues/").status_code == 200


def test_a_deactivated_accounts_key_answers_401(chief_a1):
    key = make_token(chief_a1)
    chief_a1.is_active = False
    chief_a1.save(update_fields=["is_active"])
    assert bearer(key).get("/api/v1/issues/").status_code == 401


def test_last_used_at_is_stamped_at_most_once_a_minute(chief_a1):
    key = make_token(chief_a1)
    token = ApiToken.objects.get(user=chief_a1)
    assert token.last_used_at is None
    bearer(key).get("/api/v1/issues/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=30)
    bearer(key).get("/api/v1/issues/")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=5))
    bearer(key).get("/api/v1/issues/")
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=5) + timedelta(minutes=4)


def test_the_list_is_scoped_own_for_a_chief_region_for_the_office(chief_a1, office_a, office_b):
    make_token(chief_a1, "河长手机")
    make_token(office_a, "街道A脚本")
    make_token(office_b, "街道B脚本")

    def names(user, query=""):
        rows = session(user).get(f"/api/v1/tokens/{query}").json()["results"]
        return sorted(row["name"] for row in rows)

    assert names(chief_a1) == ["河长手机"]
    assert names(office_a) == ["河长手机", "街道A脚本"]
    assert names(office_b) == ["街道B脚本"]
    assert names(office_a, f"?user={chief_a1.pk}") == ["河长手机"]
    chiefs_token = ApiToken.objects.get(user=chief_a1)
    assert session(office_b).delete(f"/api/v1/tokens/{chiefs_token.pk}/").status_code == 404
    office_token = ApiToken.objects.get(user=office_a)
    assert session(chief_a1).delete(f"/api/v1/tokens/{office_token.pk}/").status_code == 404
    # The office revokes a lost phone of its region.
    assert session(office_a).delete(f"/api/v1/tokens/{chiefs_token.pk}/").status_code == 204
    assert names(office_a, "?active=true") == ["街道A脚本"]


def test_a_new_password_revokes_every_device_token(chief_a1):
    key = make_token(chief_a1)
    chief_a1.set_password("another-long-password-9")
    chief_a1.save()
    assert bearer(key).get("/api/v1/issues/").status_code == 401


def test_with_2fa_on_an_office_makes_a_token_only_from_a_verified_session(settings, office_a):
    settings.REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=office_a, name="p", confirmed=True)
    unverified = session(office_a)
    assert unverified.post("/api/v1/tokens/", {"name": "x"}, format="json").status_code == 403
    settings.REQUIRE_2FA = False
    key = make_token(office_a)  # made before the switch (or from a verified session)
    settings.REQUIRE_2FA = True
    with_key = bearer(key)
    # A key works with two factors on (it was made from a verified session), but makes no key.
    assert with_key.get("/api/v1/issues/").status_code == 200
    assert with_key.post("/api/v1/tokens/", {"name": "y"}, format="json").status_code == 403
    verified = Client()
    verified.force_login(office_a)
    s = verified.session
    s["otp_device_id"] = device.persistent_id
    s.save()
    response = verified.post("/api/v1/tokens/", {"name": "z"}, content_type="application/json")
    assert response.status_code == 201


def test_the_tokens_page_shows_a_new_key_once(client, chief_a1):
    client.force_login(chief_a1)
    created = client.post(reverse("api-tokens"), {"name": "张三的手机"})
    html = created.content.decode()
    token = ApiToken.objects.get(user=chief_a1)
    key = html.split('id="token-key">')[1].split("<")[0]
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    page = client.get(reverse("api-tokens")).content.decode()
    assert "张三的手机" in page and key not in page
    client.post(reverse("api-token-revoke", args=[token.pk]))
    assert bearer(key).get("/api/v1/issues/").status_code == 401


def test_the_account_security_page_lists_the_region_in_few_queries(
    client, office_a, django_assert_max_num_queries, street_a
):
    for n in range(6):
        user = factories.UserFactory(
            role=Role.CHIEF if n % 2 else Role.OFFICE, region=street_a.street
        )
        ApiToken.objects.create(user=user, name=f"手机{n}", key_hash=f"{n:064d}", key_start="rct_x")
    TOTPDevice.objects.create(user=office_a, name="p", confirmed=True)
    factories.UserFactory(role=Role.OFFICE, username="elsewhere")  # another street
    client.force_login(office_a)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("account-security"))
    html = page.content.decode()
    assert page.status_code == 200
    assert all(f"手机{n}" in html for n in range(6)) and "elsewhere" not in html
    assert html.count("已绑定") == 1


def test_a_chief_cannot_open_the_account_security_page(client, chief_a1):
    client.force_login(chief_a1)
    assert client.get(reverse("account-security")).status_code == 403


def test_an_anonymous_api_request_still_answers_401_with_the_token_challenge(db):
    response = APIClient().get("/api/v1/issues/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
