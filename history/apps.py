from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HistoryConfig(AppConfig):
    """The change history of every record of ours (README, "Change history").

    ``history.models`` generates one event table per tracked model (pghistory), all in this
    app, so that no other app's migrations change; ``history.tracking`` says which models."""

    name = "history"
    verbose_name = _("变更历史")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (Celery tasks' history context)
