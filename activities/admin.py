from django.contrib import admin

from .models import (
    Cleanup,
    FacilityCheck,
    Inspection,
    Meeting,
    OutfallCheck,
    PublicityEvent,
    SignUpdate,
)


class ActivityAdmin(admin.ModelAdmin):
    list_display = ["date", "title", "region"]
    list_filter = ["region__level"]
    list_select_related = ["region"]
    search_fields = ["title", "notes", "region__name"]
    date_hierarchy = "date"
    autocomplete_fields = ["region"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(PublicityEvent)
class PublicityEventAdmin(ActivityAdmin):
    list_display = [*ActivityAdmin.list_display, "place", "channel", "banners", "leaflets"]
    list_filter = ["channel", *ActivityAdmin.list_filter]
    search_fields = [*ActivityAdmin.search_fields, "place"]


@admin.register(Cleanup)
class CleanupAdmin(ActivityAdmin):
    list_display = [
        *ActivityAdmin.list_display,
        "campaign",
        "points",
        "garbage_t",
        "garbage_m3",
        "participants",
    ]
    list_filter = ["campaign", *ActivityAdmin.list_filter]
    autocomplete_fields = [*ActivityAdmin.autocomplete_fields, "reaches"]


@admin.register(Meeting)
class MeetingAdmin(ActivityAdmin):
    list_display = [*ActivityAdmin.list_display, "kind", "attendees"]
    list_filter = ["kind", *ActivityAdmin.list_filter]


@admin.register(Inspection)
class InspectionAdmin(ActivityAdmin):
    list_display = [*ActivityAdmin.list_display, "inspector", "problems_found"]
    list_filter = ["inspector", *ActivityAdmin.list_filter]


@admin.register(SignUpdate)
class SignUpdateAdmin(admin.ModelAdmin):
    list_display = ["date", "sign", "notes"]
    list_filter = ["sign__reach__region__level"]
    list_select_related = ["sign"]
    search_fields = ["sign__code", "notes", "sign__reach__name", "sign__reach__river__name"]
    date_hierarchy = "date"
    autocomplete_fields = ["sign"]
    readonly_fields = ["created_by", "created_at"]


class AssetCheckAdmin(admin.ModelAdmin):
    list_filter = ["result"]
    date_hierarchy = "date"
    readonly_fields = ["issue", "created_by", "created_at"]


@admin.register(OutfallCheck)
class OutfallCheckAdmin(AssetCheckAdmin):
    list_display = ["date", "outfall", "result", "issue"]
    list_filter = [*AssetCheckAdmin.list_filter, "outfall__kind"]
    list_select_related = ["outfall", "issue"]
    search_fields = ["outfall__name", "notes", "outfall__reach__river__name"]
    autocomplete_fields = ["outfall"]


@admin.register(FacilityCheck)
class FacilityCheckAdmin(AssetCheckAdmin):
    list_display = ["date", "facility", "result", "issue"]
    list_filter = [*AssetCheckAdmin.list_filter, "facility__kind"]
    list_select_related = ["facility", "issue"]
    search_fields = ["facility__name", "notes", "facility__reach__river__name"]
    autocomplete_fields = ["facility"]
