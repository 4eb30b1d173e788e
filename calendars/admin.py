from django.contrib import admin

from .models import CalendarDay, CalendarSource, DeadlineRule


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_workday", "source"]
    list_filter = ["is_workday", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    readonly_fields = ["source"]

    def save_model(self, request, obj: CalendarDay, form, change) -> None:
        # Whatever an admin saves is theirs, and the statutory sync must leave it alone.
        obj.source = CalendarSource.MANUAL
        super().save_model(request, obj, form, change)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "urgency", "working_days"]
    list_editable = ["working_days"]
    list_filter = ["category", "urgency"]
