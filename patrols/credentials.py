"""Patrol upload credentials: a patrol of any length uploads without a new login.

A session ends 30 minutes after its last request (accounts.middleware), and a chief walking a
river for an hour makes no request at all: the phone may have no signal, and cannot refresh a
session it cannot reach. So when a patrol starts (or at the first moment the phone page is
online with a live session), the page asks for a credential bound to that patrol: a value signed
with the portal's SECRET_KEY naming the account and the patrol's uuid, valid for
PATROL_UPLOAD_CREDENTIAL_HOURS hours. The phone stores it with the queued patrol (IndexedDB) and
sends it as ``Authorization: Patrol <credential>`` with the upload.

It is accepted by one endpoint only, ``POST /api/v1/patrols/`` (filing the patrol it names:
any other uuid is refused), never to read anything, never to obtain another credential; the
account's password hash is in the signature, so changing the password revokes every credential
issued before, and a deactivated account's credentials authenticate nobody.
"""

import datetime
import uuid as uuid_lib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import User

SALT = "patrols.upload-credential"
KEYWORD = "Patrol"


@dataclass(frozen=True)
class PatrolUploadGrant:
    """What a valid credential grants: filing the patrol with this uuid as this user."""

    user_id: int
    patrol_uuid: uuid_lib.UUID


def _lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.PATROL_UPLOAD_CREDENTIAL_HOURS)


def _account_fingerprint(user: User) -> str:
    """Changes when the password does (so does Django's session auth hash): a new password
    revokes the credentials issued before it."""
    return salted_hmac(SALT, user.password).hexdigest()[:16]


def patrol_credential_issue(
    *, user: User, patrol_uuid: uuid_lib.UUID
) -> tuple[str, datetime.datetime]:
    """A credential for filing the patrol ``patrol_uuid`` as ``user``, and when it expires."""
    payload = {"u": user.pk, "p": str(patrol_uuid), "f": _account_fingerprint(user)}
    token = signing.TimestampSigner(salt=SALT).sign_object(payload)
    return token, timezone.now() + _lifetime()


def patrol_credential_check(token: str) -> tuple[User, PatrolUploadGrant]:
    """The account and grant of a credential; ``signing.BadSignature`` (its subclass
    ``SignatureExpired`` once too old) for anything else."""
    payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=_lifetime())
    if not isinstance(payload, dict):
        raise signing.BadSignature("malformed patrol credential")
    try:
        user_id = int(payload["u"])
        patrol_uuid = uuid_lib.UUID(str(payload["p"]))
        fingerprint = str(payload["f"])
    except (KeyError, TypeError, ValueError) as error:
        raise signing.BadSignature("malformed patrol credential") from error
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not constant_time_compare(fingerprint, _account_fingerprint(user)):
        raise signing.BadSignature("account changed")
    return user, PatrolUploadGrant(user_id=user.pk, patrol_uuid=patrol_uuid)


class PatrolUploadAuthentication(authentication.BaseAuthentication):
    """``Authorization: Patrol <credential>``; only PatrolViewSet lists it, and only its
    ``create`` accepts the grant (PatrolViewSet.initial)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("巡河上传凭证格式不正确。"))
        try:
            user, grant = patrol_credential_check(header[1].decode("ascii"))
        except signing.SignatureExpired as error:
            raise exceptions.AuthenticationFailed(_("巡河上传凭证已过期，请重新登录。")) from error
        except (signing.BadSignature, UnicodeError) as error:
            raise exceptions.AuthenticationFailed(_("巡河上传凭证无效，请重新登录。")) from error
        return user, grant

    def authenticate_header(self, request) -> str:
        return KEYWORD


class PatrolUploadScheme(OpenApiAuthenticationExtension):
    """The credential in the API's schema (defining the class registers it)."""

    target_class = PatrolUploadAuthentication
    name = "patrolUploadCredential"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Patrol <credential>: POST /api/v1/patrols/upload-credential/ "
            "issues it; it files that patrol only (POST /api/v1/patrols/).",
        }
