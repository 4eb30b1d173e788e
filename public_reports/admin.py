from django.contrib import admin

from .models import PublicReport


@admin.register(PublicReport)
class PublicReportAdmin(admin.ModelAdmin):
    list_display = ["tracking_code", "issue", "reporter_phone", "triage", "created_at"]
    list_filter = ["triage"]
    list_select_related = ["issue"]
    search_fields = ["tracking_code", "issue__code", "reporter_phone"]
    date_hierarchy = "created_at"
    readonly_fields = ["issue", "tracking_code", "client_hash", "created_at"]

    def has_add_permission(self, request) -> bool:
        # Reports come from the public page only, through the service and its limits.
        return False
