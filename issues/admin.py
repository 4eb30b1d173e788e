from django.contrib import admin

from .models import Issue, IssueEvent, IssuePhoto, SupervisionOrder


class IssueEventInline(admin.TabularInline):
    model = IssueEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "by", "action", "from_status", "to_status", "comment", "deadline"]

    def has_add_permission(self, request, obj=None) -> bool:
        # The timeline is written by the workflow service only.
        return False


class IssuePhotoInline(admin.TabularInline):
    model = IssuePhoto
    extra = 0
    readonly_fields = ["exif", "taken_at", "uploaded_at", "uploaded_by"]


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "category", "source", "status", "deadline", "supervised"]
    list_filter = ["status", "category", "source", "urgency", "supervised"]
    list_select_related = ["region"]
    search_fields = ["code", "title", "description"]
    date_hierarchy = "reported_at"
    autocomplete_fields = ["reach", "region", "assignee_region", "assignee_chief"]
    readonly_fields = ["code", "status", "closed_at", "patrol", "created_by"]
    inlines = [IssuePhotoInline, IssueEventInline]


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(admin.ModelAdmin):
    """Orders are issued by the escalate action; the admin only reads them."""

    list_display = ["number", "issue", "street", "year", "original_deadline"]
    list_filter = ["year"]
    list_select_related = ["issue", "street"]
    search_fields = ["number", "issue__code", "issue__title"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
