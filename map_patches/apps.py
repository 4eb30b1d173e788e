from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapPatchesConfig(AppConfig):
    name = "map_patches"
    verbose_name = _("图斑复核")
