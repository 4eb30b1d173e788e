from django.contrib import admin

from .models import Finding, FindingPhoto, Patrol, PatrolRule


@admin.register(PatrolRule)
class PatrolRuleAdmin(admin.ModelAdmin):
    list_display = ["role", "period", "min_count", "min_minutes", "min_km", "months"]
    list_filter = ["role", "period"]


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0


@admin.register(Patrol)
class PatrolAdmin(admin.ModelAdmin):
    list_display = ["chief", "reach", "started_at", "distance_km", "valid", "invalid_reason"]
    list_filter = ["valid", "chief__role"]
    list_select_related = ["chief", "reach__river"]
    search_fields = ["chief__name", "reach__name", "uuid"]
    date_hierarchy = "started_on"
    autocomplete_fields = ["chief", "reach"]
    readonly_fields = [
        "uuid",
        "started_on",
        "distance_km",
        "points_dropped",
        "valid",
        "invalid_reason",
        "created_by",
        "created_at",
    ]
    inlines = [FindingInline]


@admin.register(FindingPhoto)
class FindingPhotoAdmin(admin.ModelAdmin):
    list_display = ["finding", "image", "taken_at", "width", "height"]
    list_select_related = ["finding"]
    readonly_fields = ["exif", "width", "height"]
