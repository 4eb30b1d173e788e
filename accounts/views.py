from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import OFFICE_ROLES
from core.views import ScopedModelViewSet

from . import selectors, serializers, services
from .filters import AccountFilter
from .lockout import login_attempt


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
        request=serializers.TokenRequestSerializer,
        responses={
            200: serializers.TokenSerializer,
            (429, "application/json"): OpenApiResponse(
                inline_serializer("LoginLockedOut", {"detail": drf_serializers.CharField()}),
                description=gettext_lazy("该用户名从该地址登录失败次数过多，暂时锁定。"),
            ),
        },
    )
    def post(self, request):
        form = serializers.TokenRequestSerializer(data=request.data)
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
        # A token is a login: last_login, axes' access log and its reset of the failures follow.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        services.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
