from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("公共")

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun

        from . import checks  # noqa: F401 (registers the deployment checks)
        from .db_routing import task_ended, task_started

        task_prerun.connect(task_started, weak=False, dispatch_uid="core.db_routing.started")
        task_postrun.connect(task_ended, weak=False, dispatch_uid="core.db_routing.ended")
