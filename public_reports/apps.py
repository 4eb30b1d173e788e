from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicReportsConfig(AppConfig):
    name = "public_reports"
    verbose_name = _("群众举报")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects to issues_changed)
