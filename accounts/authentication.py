"""The API's per-device tokens (accounts.models.ApiToken): ``Authorization: Bearer <key>`` or
``Authorization: Token <key>``.

First among REST_FRAMEWORK's authentication classes: a ``Bearer`` header, or a ``Token`` header
whose key has the device tokens' prefix (``rct_``), is judged here (a revoked, unknown or
deactivated account's key answers 401 at once); any other ``Token`` key is left to DRF's own
TokenAuthentication (the one token per account of ``auth/token/``).
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken
from .services import api_token_hash
from .twofa import second_factor_satisfied

# last_used_at is written at most once a minute per token: no write for every request.
TOUCH_EVERY = datetime.timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if len(parts) != 2:
            return None
        scheme, key = parts[0].lower(), parts[1]
        try:
            key = key.decode()
        except UnicodeError:
            return None
        if scheme == b"token" and not key.startswith(ApiToken.KEY_PREFIX):
            return None  # a legacy token: DRF's TokenAuthentication, next in the list
        if scheme not in (b"token", b"bearer"):
            return None
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=api_token_hash(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌无效或已被吊销。"))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Anonymous requests answer 401 with this challenge (REST_FRAMEWORK's first class).
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _(
                    "设备令牌（tokens/ 创建，仅显示一次）："
                    "Authorization: Bearer <key>，或 Token <key>。"
                )
            ),
        }


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, refusing (403) a session that still owes its second factor
    (accounts.twofa): whatever other header a request carries, an unverified session of an
    admin or office account reads nothing."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and not second_factor_satisfied(request._request, result[0]):
            raise exceptions.PermissionDenied(
                _("请先在网页上完成两步验证（输入身份验证器中的验证码）。")
            )
        return result


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
