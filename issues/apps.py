from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("问题")

    def ready(self) -> None:
        from core.signals import announce_changes

        from .models import Issue
        from .signals import issues_changed

        announce_changes(Issue, issues_changed)
