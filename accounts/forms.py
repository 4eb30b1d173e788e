"""Login forms whose tries of one username from one address take turns (see accounts.lockout)."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm

from .lockout import login_attempt


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
