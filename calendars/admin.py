from django.contrib import admin

from .models import CalendarDay, CalendarSource, DeadlineRule, HolidayYear


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


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    """Which years' notices are entered. Entered through 节假日安排 (/calendar/<year>/), which
    writes the days and recounts the provisional deadlines; here only to look, or to delete a
    year entered by mistake (its days stay until replaced)."""

    list_display = ["year", "source", "entered_by", "entered_at"]
    list_filter = ["source"]
    readonly_fields = ["year", "source", "entered_by", "entered_at"]

    def has_add_permission(self, request) -> bool:
        return False
