from django.contrib import admin

from .models import Delivery, Notification


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = [
        "channel",
        "status",
        "attempts",
        "error",
        "created_at",
        "sent_at",
        "next_attempt_at",
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["title", "body", "recipient__username", "dedup_key"]
    date_hierarchy = "created_at"
    readonly_fields = ["recipient", "issue", "kind", "url", "dedup_key", "created_at"]
    inlines = [DeliveryInline]
