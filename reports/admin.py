from django.contrib import admin
from django.utils.translation import gettext, gettext_lazy

from core.exceptions import StateConflict

from .models import Report
from .services import report_regenerate


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "kind", "period", "status", "progress", "finished_at"]
    list_filter = ["kind", "status", "year"]
    list_select_related = ["region"]
    search_fields = ["region__name", "region__code"]
    # Written by the build only: a hand-edited snapshot would no longer match its files. The
    # office's texts (rounding, opening, problems, plans) stay editable.
    readonly_fields = [
        "region",
        "kind",
        "year",
        "period",
        "status",
        "progress",
        "attempts",
        "error",
        "data",
        "pdf",
        "docx",
        "requested_by",
        "created_at",
        "queued_at",
        "started_at",
        "finished_at",
        "expires_at",
    ]
    actions = ["regenerate"]

    def has_add_permission(self, request) -> bool:
        return False  # requested on the reports page or through the API, which queue the build

    @admin.action(description=gettext_lazy("重新生成所选报告"))
    def regenerate(self, request, queryset):
        queued = 0
        for report in queryset:
            try:
                report_regenerate(report=report, user=request.user)
            except StateConflict:
                continue  # being built right now: left to finish
            queued += 1
        self.message_user(request, gettext("已提交重新生成 %(n)s 份报告。") % {"n": queued})
