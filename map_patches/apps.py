from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapPatchesConfig(AppConfig):
    name = "map_patches"
    verbose_name = _("图斑复核")

    def ready(self) -> None:
        from core.media import register_file_kind

        from .models import PatchPhoto
        from .selectors import patch_photo_list

        register_file_kind(
            slug="patch-photo", model=PatchPhoto, field="image", visible=patch_photo_list
        )
