from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from . import services
from .bulletins import bulletin_request
from .models import Bulletin, Finding, FindingPhoto, Patrol, PatrolRule


class _DryRun(Exception):
    """Rolls back a trial run of the service: the form learns its refusal before saving."""


class PatrolRuleAdminForm(forms.ModelForm):
    effective_from = forms.DateField(
        label=gettext_lazy("本次修改自何日生效"),
        required=False,
        widget=AdminDateWidget,
        help_text=gettext_lazy(
            "修改自该日起生效（留空为今天，不能早于本月1日）；此前的日子仍按原规则统计。"
        ),
    )

    class Meta:
        model = PatrolRule
        fields = [*services.RULE_TERMS, "valid_from"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def apply(self, *, user) -> PatrolRule:
        """Write the form through the rule services: a change takes effect from a date and
        never rewrites a month already past (the admin is no back door around that)."""
        data = self.cleaned_data
        if self.instance.pk is None:
            terms = {name: data[name] for name in services.RULE_TERMS if name in data}
            return services.patrol_rule_create(
                user=user, valid_from=data.get("valid_from"), **terms
            )
        rule = PatrolRule.objects.get(pk=self.instance.pk)
        changed = {name: data[name] for name in self.changed_data if name in services.RULE_TERMS}
        return services.patrol_rule_change(
            rule=rule, user=user, effective_from=data.get("effective_from"), **changed
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            with transaction.atomic():
                self.apply(user=self.user)
                raise _DryRun
        except _DryRun:
            pass
        except ValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc) from exc
        return cleaned

    def _post_clean(self):
        # The model's own validation runs in the services (on the row they write); the admin's
        # form would otherwise check the edited row as if it were saved in place.
        pass


@admin.register(PatrolRule)
class PatrolRuleAdmin(admin.ModelAdmin):
    list_display = [*services.RULE_TERMS, "valid_from", "valid_to"]
    list_filter = ["role", "period"]
    form = PatrolRuleAdminForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class WithUser(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=user, **inner)

        return WithUser

    def get_readonly_fields(self, request, obj=None):
        # Where a row starts and ends moves only through an effective-dated change or its end.
        return ["valid_from", "valid_to"] if obj is not None else ["valid_to"]

    def get_fields(self, request, obj=None):
        fields = [*services.RULE_TERMS, "valid_from", "valid_to"]
        return [*fields, "effective_from"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        saved = form.apply(user=request.user)
        obj.pk = saved.pk  # the admin goes on to the row now in force
        obj.refresh_from_db()

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        if "_continue" in request.POST:
            # An effective-dated change is a new row: continue editing that one, not the old.
            return HttpResponseRedirect(reverse("admin:patrols_patrolrule_change", args=[obj.pk]))
        return response

    def delete_model(self, request, obj):
        services.patrol_rule_delete(instance=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            services.patrol_rule_delete(instance=rule, user=request.user)


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
