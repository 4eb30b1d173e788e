from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Region
from calendars.models import IssueCategory, Urgency
from core.fields import ChoiceListField, ScopedPrimaryKeyRelatedField
from rivers.models import Chief, Facility, FacilityKind, Outfall, OutfallKind, Reach, Sign

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

RECORD_FIELDS = ["notes", "created_by", "created_at"]


class CreatedByField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            source="created_by.username",
            read_only=True,
            default=None,
            allow_null=True,
            label=_("录入人"),
            **kwargs,
        )


class ActivitySerializer(serializers.ModelSerializer):
    region = ScopedPrimaryKeyRelatedField(
        queryset=Region.objects.all(),
        required=False,
        label=_("所属区域"),
        help_text=_("默认为当前账号所属区域。"),
    )
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("区域名称"))
    created_by = CreatedByField()

    head_fields = ["id", "date", "title", "region", "region_name"]


class PublicityEventSerializer(ActivitySerializer):
    venues = ChoiceListField(
        choices=Venue.choices,
        required=False,
        label=_("活动场所"),
        help_text=_("社区、企业、学校等，可多选；报告中“进社区、进企业、进学校”以此为据。"),
    )

    class Meta:
        model = PublicityEvent
        fields = [
            *ActivitySerializer.head_fields,
            "place",
            "venues",
            "channel",
            "units",
            "participants",
            "banners",
            "slogans",
            "leaflets",
            *RECORD_FIELDS,
        ]


class CleanupSerializer(ActivitySerializer):
    reaches = ScopedPrimaryKeyRelatedField(
        queryset=Reach.objects.all(),
        many=True,
        required=False,
        label=_("清理河段"),
        help_text=_("须在清理行动所属区域内。"),
    )
    reach_names = serializers.SerializerMethodField(label=_("清理河段名称"))

    class Meta:
        model = Cleanup
        fields = [
            *ActivitySerializer.head_fields,
            "campaign",
            "reaches",
            "reach_names",
            "points",
            "garbage_t",
            "garbage_m3",
            "participants",
            "volunteers",
            "vehicles",
            "net_m",
            "warning_signs",
            "banners",
            *RECORD_FIELDS,
        ]

    def get_reach_names(self, obj: Cleanup) -> list[str]:
        return [str(reach) for reach in obj.reaches.all()]


class MeetingSerializer(ActivitySerializer):
    class Meta:
        model = Meeting
        fields = [*ActivitySerializer.head_fields, "kind", "attendees", *RECORD_FIELDS]


class InspectionSerializer(ActivitySerializer):
    topics = ChoiceListField(
        choices=CheckTopic.choices,
        required=False,
        label=_("排查内容"),
        help_text=_("可多选，如畜禽养殖业、屠宰行业。"),
    )
    participants = ScopedPrimaryKeyRelatedField(
        queryset=Chief.objects.all(),
        many=True,
        required=False,
        label=_("参加人员"),
        help_text=_("河长名录中参加的人员（如街道河长、河道警长），须在所属区域内。"),
    )
    participant_names = serializers.SerializerMethodField(label=_("参加人员名单"))

    class Meta:
        model = Inspection
        fields = [
            *ActivitySerializer.head_fields,
            "inspector",
            "topics",
            "participants",
            "participant_names",
            "problems_found",
            *RECORD_FIELDS,
        ]

    def get_participant_names(self, obj: Inspection) -> list[str]:
        return [str(chief) for chief in obj.participants.all()]


class SignUpdateSerializer(serializers.ModelSerializer):
    sign = ScopedPrimaryKeyRelatedField(queryset=Sign.objects.all(), label=_("公示牌"))
    sign_code = serializers.CharField(source="sign.code", read_only=True, label=_("公示牌编号"))
    reach_name = serializers.CharField(
        source="sign.reach.__str__", read_only=True, label=_("河段名称")
    )
    region_name = serializers.CharField(
        source="sign.reach.region.name", read_only=True, label=_("区域名称")
    )
    created_by = CreatedByField()

    class Meta:
        model = SignUpdate
        fields = [
            "id",
            "sign",
            "sign_code",
            "reach_name",
            "region_name",
            "date",
            *RECORD_FIELDS,
        ]


class AssetCheckSerializer(serializers.ModelSerializer):
    """``open_issue`` with result ``problem`` opens an issue ticket for the check in the same
    request; ``issue`` then names it."""

    issue_code = serializers.CharField(
        source="issue.code", read_only=True, allow_null=True, label=_("问题编号")
    )
    open_issue = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        label=_("生成问题工单"),
        help_text=_("结果为 problem 时可同时生成一个问题工单（来源：河长办发现）。"),
    )
    issue_category = serializers.ChoiceField(
        choices=IssueCategory.choices,
        write_only=True,
        required=False,
        default=IssueCategory.OTHER,
        label=_("问题类别"),
    )
    issue_urgency = serializers.ChoiceField(
        choices=Urgency.choices,
        write_only=True,
        required=False,
        default=Urgency.NORMAL,
        label=_("紧急程度"),
    )
    created_by = CreatedByField()

    tail_fields = [
        "date",
        "result",
        "notes",
        "issue",
        "issue_code",
        "open_issue",
        "issue_category",
        "issue_urgency",
        "created_by",
        "created_at",
    ]
    read_only_tail = ["issue"]


class OutfallCheckSerializer(AssetCheckSerializer):
    outfall = ScopedPrimaryKeyRelatedField(queryset=Outfall.objects.all(), label=_("排污口"))
    outfall_name = serializers.CharField(
        source="outfall.name", read_only=True, label=_("排污口名称")
    )
    outfall_kind = serializers.ChoiceField(
        source="outfall.kind", choices=OutfallKind.choices, read_only=True, label=_("排口类型")
    )
    reach_name = serializers.CharField(
        source="outfall.reach.__str__", read_only=True, label=_("河段名称")
    )
    region_name = serializers.CharField(
        source="outfall.reach.region.name", read_only=True, label=_("区域名称")
    )

    class Meta:
        model = OutfallCheck
        fields = [
            "id",
            "outfall",
            "outfall_name",
            "outfall_kind",
            "reach_name",
            "region_name",
            *AssetCheckSerializer.tail_fields,
        ]
        read_only_fields = AssetCheckSerializer.read_only_tail


class FacilityCheckSerializer(AssetCheckSerializer):
    facility = ScopedPrimaryKeyRelatedField(queryset=Facility.objects.all(), label=_("设施"))
    facility_name = serializers.CharField(
        source="facility.name", read_only=True, label=_("设施名称")
    )
    facility_kind = serializers.ChoiceField(
        source="facility.kind", choices=FacilityKind.choices, read_only=True, label=_("设施类型")
    )
    reach_name = serializers.CharField(
        source="facility.reach.__str__", read_only=True, label=_("河段名称")
    )
    region_name = serializers.CharField(
        source="facility.reach.region.name", read_only=True, label=_("区域名称")
    )

    class Meta:
        model = FacilityCheck
        fields = [
            "id",
            "facility",
            "facility_name",
            "facility_kind",
            "reach_name",
            "region_name",
            *AssetCheckSerializer.tail_fields,
        ]
        read_only_fields = AssetCheckSerializer.read_only_tail
