from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("审计日志")

    def ready(self) -> None:
        # Logins and logouts are the framework's events, refusals core's: both by signal.
        from . import receivers  # noqa: F401
