"""A patrol longer than the session's idle limit still uploads: the phone page holds a credential
for that patrol (patrols.credentials), accepted by the patrol upload and nothing else."""

import time
import uuid

import pytest
from django.core import signing
from django.test import Client

from accounts.middleware import SEEN_AT
from patrols.models import Patrol

from .conftest import make_account
from .test_patrols import _payload

PASSWORD = "correct-horse-battery"  # factories.UserFactory's password

CREDENTIAL_URL = "/api/v1/patrols/upload-credential/"


def _logged_in(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _idle_for(client: Client, minutes: int) -> None:
    session = client.session
    session[SEEN_AT] = int(time.time()) - minutes * 60
    session.save()


def _credential(client: Client, patrol_uuid: str) -> str:
    response = client.post(CREDENTIAL_URL, {"uuid": patrol_uuid}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["uuid"] == patrol_uuid
    return body["credential"]


def _upload(client: Client, payload: dict, credential: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Patrol {credential}"} if credential else {}
    return client.post("/api/v1/patrols/", payload, content_type="application/json", **headers)


@pytest.fixture
def chief_client(chief_a1):
    return _logged_in(chief_a1)


def test_a_credential_uploads_its_patrol_after_the_session_went_idle(chief_client, street_a):
    payload = _payload(street_a.reaches[0], minutes=45)
    credential = _credential(chief_client, payload["uuid"])
    _idle_for(chief_client, 45)

    assert _upload(chief_client, payload, None).status_code == 401  # what a chief met before
    response = _upload(chief_client, payload, credential)

    assert response.status_code == 201, response.content
    patrol = Patrol.objects.get(uuid=payload["uuid"])
    assert patrol.chief == street_a.chiefs[0]
    # Sending the same patrol again (an answer lost) still answers the first one.
    assert _upload(Client(), payload, credential).status_code == 200
    assert Patrol.objects.filter(uuid=payload["uuid"]).count() == 1


def test_a_credential_needs_no_cookie_at_all(chief_client, street_a):
    payload = _payload(street_a.reaches[0])
    credential = _credential(chief_client, payload["uuid"])
    assert _upload(Client(), payload, credential).status_code == 201


def test_a_credential_files_only_the_patrol_it_was_issued_for(chief_client, street_a):
    issued_for = _payload(street_a.reaches[0])
    credential = _credential(chief_client, issued_for["uuid"])
    other = _payload(street_a.reaches[0])
    response = _upload(Client(), other, credential)
    assert response.status_code == 403
    assert "不属于这次巡河" in response.json()["detail"]
    assert not Patrol.objects.filter(uuid=other["uuid"]).exists()


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/api/v1/patrols/"),
        ("post", CREDENTIAL_URL),
        ("get", "/api/v1/issues/"),
        ("get", "/api/v1/notifications/"),
        ("get", "/api/v1/reaches/"),
    ],
)
def test_a_credential_opens_no_other_endpoint(chief_client, street_a, method, url):
    patrol_uuid = str(uuid.uuid4())
    credential = _credential(chief_client, patrol_uuid)
    client = Client()
    kwargs = {"HTTP_AUTHORIZATION": f"Patrol {credential}"}
    if method == "post":
        response = client.post(
            url, {"uuid": str(uuid.uuid4())}, content_type="application/json", **kwargs
        )
    else:
        response = client.get(url, **kwargs)
    assert response.status_code == 401


def test_a_credential_is_the_account_it_was_issued_to(chief_client, chief_a1, street_a):
    """Another chief's patrol cannot be filed with this chief's credential: the credential is
    this chief, and this chief may not file for another chief's reach."""
    other_chief = street_a.chiefs[1]
    make_account("chief", other_chief.region, chief=other_chief)
    payload = _payload(street_a.reaches[1])
    credential = _credential(chief_client, payload["uuid"])
    response = _upload(Client(), payload, credential)
    assert response.status_code in (400, 403)
    assert not Patrol.objects.filter(uuid=payload["uuid"]).exists()


def test_a_credential_of_a_deactivated_account_is_refused(chief_client, chief_a1, street_a):
    payload = _payload(street_a.reaches[0])
    credential = _credential(chief_client, payload["uuid"])
    chief_a1.is_active = False
    chief_a1.save(update_fields=["is_active"])
    response = _upload(Client(), payload, credential)
    assert response.status_code == 401
    assert "无效" in response.json()["detail"]


def test_a_new_password_revokes_the_credentials_issued_before(chief_client, chief_a1, street_a):
    payload = _payload(street_a.reaches[0])
    credential = _credential(chief_client, payload["uuid"])
    chief_a1.set_password("another-horse-battery-9")
    chief_a1.save()
    assert _upload(Client(), payload, credential).status_code == 401


def test_an_expired_credential_is_refused(chief_client, street_a, monkeypatch, settings):
    settings.PATROL_UPLOAD_CREDENTIAL_HOURS = 24
    payload = _payload(street_a.reaches[0])
    credential = _credential(chief_client, payload["uuid"])
    later = time.time() + 24 * 3600 + 5
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = _upload(Client(), payload, credential)
    assert response.status_code == 401
    assert response.json()["detail"] == "巡河上传凭证已过期，请重新登录。"
    assert not Patrol.objects.filter(uuid=payload["uuid"]).exists()


def test_a_credential_within_its_lifetime_is_accepted(chief_client, street_a, monkeypatch):
    payload = _payload(street_a.reaches[0])
    credential = _credential(chief_client, payload["uuid"])
    later = time.time() + 23 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert _upload(Client(), payload, credential).status_code == 201


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),  # the signature
        lambda c: ("e" if c[0] != "e" else "f") + c[1:],  # the payload
        lambda c: "not-a-credential",
        lambda c: c + " extra",
    ],
)
def test_a_tampered_credential_is_refused(chief_client, street_a, tamper):
    payload = _payload(street_a.reaches[0])
    credential = _credential(chief_client, payload["uuid"])
    response = _upload(Client(), payload, tamper(credential))
    assert response.status_code == 401
    assert not Patrol.objects.filter(uuid=payload["uuid"]).exists()


def test_a_credential_for_another_users_patrol_uuid_cannot_be_forged(chief_client, street_a):
    """The signature covers the account: a credential signed for one account and patched to
    name another is refused."""
    payload = _payload(street_a.reaches[0])
    credential = _credential(chief_client, payload["uuid"])
    value, _sep, rest = credential.partition(":")
    decoded = signing.b64_decode(value.encode()).decode()
    assert '"u":' in decoded
    forged_value = signing.b64_encode(decoded.replace('"u":', '"u":9', 1).encode()).decode()
    response = _upload(Client(), payload, f"{forged_value}:{rest}")
    assert response.status_code == 401


def test_a_credential_needs_a_logged_in_chief_or_office(street_a):
    response = Client().post(
        CREDENTIAL_URL, {"uuid": str(uuid.uuid4())}, content_type="application/json"
    )
    assert response.status_code == 401
    leader = make_account("leader", street_a.street)
    response = _logged_in(leader).post(
        CREDENTIAL_URL, {"uuid": str(uuid.uuid4())}, content_type="application/json"
    )
    assert response.status_code == 403


def test_a_credential_request_needs_a_uuid(chief_client):
    response = chief_client.post(CREDENTIAL_URL, {"uuid": "x"}, content_type="application/json")
    assert response.status_code == 400
    assert "uuid" in response.json()
