from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "patrols"
    verbose_name = _("巡河")

    def ready(self) -> None:
        from core import documents
        from core.media import register_file_kind
        from core.signals import announce_changes

        from . import checks  # noqa: F401  (registers patrols.W001, W002)
        from .bulletins import BULLETINS
        from .models import FindingPhoto, Patrol, PatrolRule
        from .selectors import finding_photo_list
        from .signals import patrol_rules_changed, patrols_changed

        register_file_kind(
            slug="finding-photo", model=FindingPhoto, field="image", visible=finding_photo_list
        )
        announce_changes(Patrol, patrols_changed)
        announce_changes(PatrolRule, patrol_rules_changed)
        documents.register(BULLETINS)
