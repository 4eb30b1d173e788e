from django.contrib import admin
from django.utils.translation import gettext, gettext_lazy

from .bulletins import bulletin_request
from .models import Bulletin, Finding, FindingPhoto, Patrol, PatrolRule


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


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = ["street", "month", "status", "progress", "attempts", "finished_at"]
    list_filter = ["status", "month"]
    list_select_related = ["street"]
    search_fields = ["street__name", "street__code"]
    date_hierarchy = "month"
    # Written by the build only: a hand-edited snapshot would no longer match its PDF.
    readonly_fields = [
        "status",
        "progress",
        "attempts",
        "data",
        "pdf",
        "error",
        "created_at",
        "queued_at",
        "started_at",
        "finished_at",
    ]
    actions = ["rebuild"]

    @admin.action(description=gettext_lazy("重新生成所选通报"))
    def rebuild(self, request, queryset):
        for bulletin in queryset.select_related("street"):
            bulletin_request(street=bulletin.street, month=bulletin.month, rebuild=True)
        message = gettext("已提交重新生成 %(n)s 份通报。") % {"n": queryset.count()}
        self.message_user(request, message)
