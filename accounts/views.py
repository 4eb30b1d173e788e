from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import EVERY_ROLE, OFFICE_ROLES
from core.renderers import no_spreadsheet
from core.views import ScopedModelViewSet

from . import selectors, serializers, services
from .filters import AccountFilter
from .lockout import login_attempt
from .models import ApiToken
from .twofa import check_code, must_use_2fa, second_factor_satisfied


class AccountViewSet(ScopedModelViewSet):
    """Accounts (usernames, e-mail addresses, roles, last logins): the office's and admins' to
    read and manage, as on the workbench; chiefs and leaders are refused (403)."""

    read_roles = OFFICE_ROLES
    selector = selectors.account_list
    create_service = services.account_create
    update_service = services.account_update
    delete_service = services.account_deactivate
    serializer_class = serializers.AccountSerializer
    search_fields = ["username", "first_name"]
    ordering_fields = ["username", "role", "last_login"]
    filterset_class = AccountFilter


class TokenView(APIView):
    """Exchange a username and password for an API token; DELETE revokes the caller's token."""

    throttle_scope = "token"

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        request=serializers.TokenRequestWithCodeSerializer,
        responses={
            200: serializers.TokenSerializer,
            (429, "application/json"): OpenApiResponse(
                inline_serializer("LoginLockedOut", {"detail": drf_serializers.CharField()}),
                description=gettext_lazy("该用户名从该地址登录失败次数过多，暂时锁定。"),
            ),
        },
    )
    def post(self, request):
        form = serializers.TokenRequestWithCodeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        username = form.validated_data["username"]
        # Through axes like the login page (the Django request: axes reads its address and marks
        # it locked out, and its middleware answers 429), one try per username and address.
        with login_attempt(request._request, username):
            user = authenticate(
                request=request._request,
                username=username,
                password=form.validated_data["password"],
            )
        if user is None:
            raise ValidationError({"non_field_errors": [_("用户名或密码不正确。")]})
        if must_use_2fa(user):
            # REQUIRE_2FA: the password alone opens nothing for an admin or office account; the
            # authenticator's code goes with it (counted and throttled as on the code page).
            device, throttled = check_code(
                request._request, user, form.validated_data.get("otp", "")
            )
            if device is None:
                message = _("验证码错误，请稍后再试。") if throttled else _("请填写正确的验证码。")
                raise ValidationError({"otp": [message]})
        # A token is a login: last_login, axes' access log and its reset of the failures follow.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        services.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Per-device API tokens: everyone lists, makes and revokes their own (the key is answered
    once, at creation, and never again); the office and admins also list and revoke those of
    the accounts in their region (``?user=<id>``, ``?active=true``). DELETE revokes: the key
    answers 401 from then on, the row stays. With REQUIRE_2FA an admin or office account makes
    a token only from a session verified with its second factor."""

    read_roles = None
    write_roles = EVERY_ROLE
    serializer_class = serializers.ApiTokenSerializer
    # A list of one's own keys is no ledger: no ?format=xlsx.
    renderer_classes = no_spreadsheet()
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        tokens = selectors.api_token_list(user=self.request.user)
        params = self.request.query_params
        if params.get("user", "").isdigit():
            tokens = tokens.filter(user_id=int(params["user"]))
        if params.get("active") in ("true", "1"):
            tokens = tokens.active()
        return tokens

    @extend_schema(responses={201: serializers.ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        form = serializers.ApiTokenSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if not second_factor_satisfied(request):
            raise PermissionDenied(
                _("开启两步验证后，设备令牌只能在完成两步验证的网页登录中创建。")
            )
        token, key = services.api_token_create(user=request.user, name=form.validated_data["name"])
        token.key = key
        data = serializers.ApiTokenCreatedSerializer(token).data
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance) -> None:
        services.api_token_revoke(token=instance, user=self.request.user)
