from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    CheckTopic,
    Cleanup,
    FacilityCheck,
    Inspection,
    Meeting,
    OutfallCheck,
    PublicityEvent,
    SignUpdate,
    Venue,
)


def _labels(codes: list[str], choices) -> str:
    names = dict(choices)
    return "、".join(str(names.get(code, code)) for code in codes)


def _ticks(choices) -> forms.MultipleChoiceField:
    # A JSON list of codes edited as tick boxes, not as JSON text.
    return forms.MultipleChoiceField(
        choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class PublicityEventForm(forms.ModelForm):
    venues = _ticks(Venue.choices)

    class Meta:
        model = PublicityEvent
        fields = ["venues"]  # the admin adds the others


class InspectionForm(forms.ModelForm):
    topics = _ticks(CheckTopic.choices)

    class Meta:
        model = Inspection
        fields = ["topics"]  # the admin adds the others


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
    form = PublicityEventForm
    list_display = [
        *ActivityAdmin.list_display,
        "place",
        "venue_names",
        "channel",
        "banners",
        "leaflets",
    ]

    @admin.display(description=_("活动场所"))
    def venue_names(self, obj: PublicityEvent) -> str:
        return _labels(obj.venues, Venue.choices)

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
        "volunteers",
    ]
    list_filter = ["campaign", *ActivityAdmin.list_filter]
    autocomplete_fields = [*ActivityAdmin.autocomplete_fields, "reaches"]


@admin.register(Meeting)
class MeetingAdmin(ActivityAdmin):
    list_display = [*ActivityAdmin.list_display, "kind", "attendees"]
    list_filter = ["kind", *ActivityAdmin.list_filter]


@admin.register(Inspection)
class InspectionAdmin(ActivityAdmin):
    form = InspectionForm
    list_display = [*ActivityAdmin.list_display, "inspector", "topic_names", "problems_found"]
    list_filter = ["inspector", *ActivityAdmin.list_filter]
    autocomplete_fields = [*ActivityAdmin.autocomplete_fields, "participants"]

    @admin.display(description=_("排查内容"))
    def topic_names(self, obj: Inspection) -> str:
        return _labels(obj.topics, CheckTopic.choices)


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
