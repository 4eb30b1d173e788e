from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "patrols"
    verbose_name = _("巡河")

    def ready(self) -> None:
        from core.signals import announce_changes

        from .models import Patrol, PatrolRule
        from .signals import patrol_rules_changed, patrols_changed

        announce_changes(Patrol, patrols_changed)
        announce_changes(PatrolRule, patrol_rules_changed)
