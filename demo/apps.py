from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Installed only so that `manage.py seed_demo` is found; it has no models."""

    name = "demo"
    verbose_name = _("演示数据")
