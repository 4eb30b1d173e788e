from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Issue, IssueDeadline, IssueEvent, IssuePhoto, SupervisionOrder


class IssueEventInline(admin.TabularInline):
    model = IssueEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "by", "action", "from_status", "to_status", "comment", "deadline"]

    def has_add_permission(self, request, obj=None) -> bool:
        # The timeline is written by the workflow service only.
        return False


class IssueDeadlineInline(admin.TabularInline):
    model = IssueDeadline
    extra = 0
    can_delete = False
    fields = readonly_fields = ["deadline", "set_at", "action", "set_by"]

    def has_add_permission(self, request, obj=None) -> bool:
        # The history is written by the services only; the deadline field above adds to it.
        return False


class IssueAdminForm(forms.ModelForm):
    class Meta:
        model = Issue
        fields = "__all__"  # noqa: DJ007 (the admin's own fieldsets decide what shows)

    def clean_deadline(self):
        deadline = self.cleaned_data.get("deadline")
        if self.instance.pk and self.instance.deadline is not None and deadline is None:
            raise forms.ValidationError(_("整改时限设定后不能清空。"))
        return deadline


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
    readonly_fields = [
        "code",
        "status",
        "closed_at",
        "void_reason",
        "voided_at",
        "patrol",
        "created_by",
    ]
    form = IssueAdminForm
    inlines = [IssuePhotoInline, IssueEventInline, IssueDeadlineInline]

    def save_model(self, request, obj, form, change) -> None:
        if change and "deadline" in form.changed_data:
            # A deadline moved here goes into the history like any other (services.issue_update
            # saves the whole row and records the move).
            data = {name: getattr(obj, name) for name in form.changed_data}
            instance = Issue.objects.get(pk=obj.pk)
            services.issue_update(instance=instance, user=request.user, **data)
            obj.refresh_from_db()
            return
        super().save_model(request, obj, form, change)


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
