from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiversConfig(AppConfig):
    name = "rivers"
    verbose_name = _("河湖与组织")

    def ready(self) -> None:
        from core.signals import announce_changes

        from .models import Chief
        from .signals import roster_changed

        announce_changes(Chief, roster_changed)
