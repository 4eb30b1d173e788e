from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("工作活动")

    def ready(self) -> None:
        from core.signals import announce_changes

        from . import models
        from .signals import activities_changed

        for model in (
            models.PublicityEvent,
            models.Cleanup,
            models.Meeting,
            models.Inspection,
            models.SignUpdate,
            models.OutfallCheck,
            models.FacilityCheck,
        ):
            announce_changes(model, activities_changed)
