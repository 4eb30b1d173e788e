from django.contrib import admin

from .models import MapPatch, PatchBatch, PatchPhoto


class PatchPhotoInline(admin.TabularInline):
    model = PatchPhoto
    extra = 0
    readonly_fields = ["exif", "taken_at", "uploaded_at", "uploaded_by"]


@admin.register(PatchBatch)
class PatchBatchAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "imported_at", "imported_by", "source_file"]
    list_select_related = ["region", "imported_by"]
    search_fields = ["name", "source_file"]
    readonly_fields = ["imported_at", "imported_by", "source_file"]
    autocomplete_fields = ["region"]


@admin.register(MapPatch)
class MapPatchAdmin(admin.ModelAdmin):
    list_display = ["patch_id", "batch", "region", "verdict", "checked_at", "issue"]
    list_filter = ["verdict"]
    list_select_related = ["batch", "region", "issue"]
    search_fields = ["patch_id", "note", "batch__name"]
    readonly_fields = ["checked_at", "checked_by", "issue"]
    autocomplete_fields = ["batch", "region"]
    inlines = [PatchPhotoInline]
