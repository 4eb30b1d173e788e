"""Login forms whose tries of one username from one address take turns (see accounts.lockout),
and the forms of an account's own password: change it, or reset it from an emailed link."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.clientip import client_ip

from .lockout import login_attempt
from .models import User
from .selectors import password_reset_limit, password_reset_requests_recent
from .services import password_change_own, password_reset_requested


class SerializedLoginMixin:
    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            # Only the try itself runs under the lock: raising inside would roll back the failure
            # axes has just counted.
            with login_attempt(self.request, username):
                self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LoginForm(SerializedLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(SerializedLoginMixin, AdminAuthenticationForm):
    pass


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Knowing the old password, set a new one through the accounts service (audited)."""

    def save(self, commit: bool = True) -> User:
        return password_change_own(
            account=self.user, password=self.cleaned_data["new_password1"], how="change"
        )


class SetPasswordForm(auth_forms.SetPasswordForm):
    """A new password from an emailed reset link, through the accounts service (audited)."""

    def save(self, commit: bool = True) -> User:
        return password_change_own(
            account=self.user, password=self.cleaned_data["new_password1"], how="reset"
        )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Ask for a reset link by email; at most PASSWORD_RESET_MAX_PER_HOUR asks per address an
    hour, each audited. The answer is the same whether or not the address is registered."""

    def __init__(self, *args, request: HttpRequest | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        cleaned = super().clean()
        ip = client_ip(self.request) if self.request is not None else ""
        if ip and password_reset_requests_recent(ip=ip) >= password_reset_limit():
            raise ValidationError(
                _("重置密码的请求过于频繁，请一小时后再试，或联系河长办重置。"), code="limited"
            )
        return cleaned

    def save(self, **kwargs) -> None:
        password_reset_requested(email=self.cleaned_data["email"])
        if settings.PUBLIC_BASE_URL:
            public = urlsplit(settings.PUBLIC_BASE_URL)
            kwargs["domain_override"] = public.netloc
            kwargs["use_https"] = public.scheme == "https"
        super().save(**kwargs)
