from django.contrib import admin

from .models import (
    Chief,
    Facility,
    MonitoringPoint,
    Outfall,
    Reach,
    River,
    RiverPlan,
    RiverPlanTask,
    RiverPlanTaskNote,
    Sign,
    WaterReading,
)


class ReachInline(admin.TabularInline):
    model = Reach
    extra = 0
    autocomplete_fields = ["region"]


@admin.register(River)
class RiverAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "length_km", "region"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["region"]
    inlines = [ReachInline]


@admin.register(Reach)
class ReachAdmin(admin.ModelAdmin):
    list_display = ["name", "river", "region", "bank", "length_km"]
    list_filter = ["bank", "river__kind"]
    list_select_related = ["river", "region"]
    search_fields = ["name", "river__name"]
    autocomplete_fields = ["river", "region"]


@admin.register(Chief)
class ChiefAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "title", "region", "phone", "appointed_on", "relieved_on"]
    list_filter = ["role", ("relieved_on", admin.EmptyFieldListFilter)]
    list_select_related = ["region"]
    search_fields = ["name", "phone", "title", "unit"]
    autocomplete_fields = ["region", "reaches"]
    date_hierarchy = "appointed_on"


class ReachAssetAdmin(admin.ModelAdmin):
    list_select_related = ["reach__river"]
    search_fields = ["reach__name", "reach__river__name"]
    autocomplete_fields = ["reach"]


@admin.register(Sign)
class SignAdmin(ReachAssetAdmin):
    list_display = ["code", "reach", "updated_on", "lat", "lon"]
    search_fields = ["code", *ReachAssetAdmin.search_fields]


@admin.register(Outfall)
class OutfallAdmin(ReachAssetAdmin):
    list_display = ["name", "kind", "reach", "lat", "lon"]
    list_filter = ["kind"]
    search_fields = ["name", *ReachAssetAdmin.search_fields]


@admin.register(Facility)
class FacilityAdmin(ReachAssetAdmin):
    list_display = ["name", "kind", "reach", "lat", "lon"]
    list_filter = ["kind"]
    search_fields = ["name", *ReachAssetAdmin.search_fields]


class RiverPlanTaskInline(admin.TabularInline):
    model = RiverPlanTask
    extra = 0
    fields = ["title", "responsible_region", "responsible_unit", "due", "status", "completed_at"]
    autocomplete_fields = ["responsible_region"]


@admin.register(RiverPlan)
class RiverPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "river", "start_year", "end_year"]
    list_select_related = ["river"]
    search_fields = ["title", "river__name"]
    autocomplete_fields = ["river"]
    inlines = [RiverPlanTaskInline]


class RiverPlanTaskNoteInline(admin.TabularInline):
    model = RiverPlanTaskNote
    extra = 0
    fields = ["at", "by", "text"]
    readonly_fields = ["at", "by"]


@admin.register(RiverPlanTask)
class RiverPlanTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "responsible_unit", "responsible_region", "due", "status"]
    list_filter = ["status"]
    list_select_related = ["plan", "responsible_region"]
    search_fields = ["title", "plan__title", "responsible_unit"]
    autocomplete_fields = ["plan", "responsible_region"]
    inlines = [RiverPlanTaskNoteInline]


@admin.register(MonitoringPoint)
class MonitoringPointAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "river", "reach", "level", "water_body", "target_grade"]
    list_filter = ["level", "water_body", "target_grade"]
    list_select_related = ["river", "reach__river"]
    search_fields = ["name", "code", "river__name"]
    autocomplete_fields = ["river", "reach"]


@admin.register(WaterReading)
class WaterReadingAdmin(admin.ModelAdmin):
    list_display = ["point", "sampled_on", "do", "codmn", "cod", "bod5", "nh3n", "tp", "tn"]
    list_select_related = ["point"]
    search_fields = ["point__name", "point__code"]
    autocomplete_fields = ["point"]
    date_hierarchy = "sampled_on"
