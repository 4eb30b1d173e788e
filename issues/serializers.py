from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Region
from core.fields import ScopedPrimaryKeyRelatedField
from core.media import StoredFileField
from core.views_documents import DocumentFileLink
from rivers.models import Chief, Reach
from rivers.serializers import PositionMixin

from .models import Issue, IssueEvent, IssuePhoto, PhotoStage, SupervisionOrder, VoidReason
from .workflow import ACTIONS


class AssigneeSerializer(serializers.Serializer):
    """Exactly one of a community (region), a chief, or a department named in words."""

    region = ScopedPrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True, label=_("责任社区")
    )
    chief = ScopedPrimaryKeyRelatedField(
        queryset=Chief.objects.all(), required=False, allow_null=True, label=_("责任河长")
    )
    unit = serializers.CharField(
        max_length=100, required=False, allow_blank=True, label=_("责任部门")
    )

    def validate(self, attrs):
        given = [key for key in ("region", "chief", "unit") if attrs.get(key)]
        if len(given) != 1:
            raise serializers.ValidationError(
                _("请在责任社区、责任河长、责任部门中指定且只指定一项。")
            )
        return attrs


class AssigneeReadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["region", "chief", "unit"])
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class IssueSerializer(PositionMixin, serializers.ModelSerializer):
    reach = ScopedPrimaryKeyRelatedField(
        queryset=Reach.objects.all(), required=False, allow_null=True, label=_("河段")
    )
    region = ScopedPrimaryKeyRelatedField(
        queryset=Region.objects.all(),
        required=False,
        label=_("所在区域"),
        help_text=_("有河段时取河段所在区域。"),
    )
    reach_name = serializers.CharField(
        source="reach.__str__", read_only=True, default=None, allow_null=True, label=_("河段名称")
    )
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("区域名称"))
    assignee = serializers.SerializerMethodField(label=_("责任方"))
    overdue = serializers.BooleanField(read_only=True, label=_("已超期"))
    client_key = serializers.UUIDField(
        required=False,
        allow_null=True,
        label=_("客户端编号"),
        help_text=_(
            "可选，客户端生成的 UUID（幂等键）：未收到应答而重发同一问题时带同一编号，"
            "返回第一次创建的问题（200），不会重复创建。仅在创建时使用。"
        ),
    )
    # Blank until the issue is voided: documented as the reasons or "".
    void_reason = serializers.ChoiceField(
        choices=VoidReason.choices, allow_blank=True, read_only=True, label=_("作废原因")
    )

    class Meta:
        model = Issue
        fields = [
            "id",
            "code",
            "client_key",
            "title",
            "description",
            "category",
            "source",
            "urgency",
            "status",
            "reach",
            "reach_name",
            "region",
            "region_name",
            "lat",
            "lon",
            "assignee",
            "deadline",
            "deadline_provisional",
            "supervised",
            "referred",
            "overdue",
            "reported_at",
            "closed_at",
            "void_reason",
            "voided_at",
            "patrol",
        ]
        read_only_fields = [
            "code",
            "status",
            "deadline",
            "deadline_provisional",
            "supervised",
            "referred",
            "closed_at",
            "void_reason",
            "voided_at",
            "patrol",
        ]
        extra_kwargs = {"reported_at": {"required": False}}

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        if self.instance is not None:
            attrs.pop("client_key", None)  # the key names the creation; an edit keeps it
        return attrs

    @extend_schema_field(AssigneeReadSerializer(allow_null=True))
    def get_assignee(self, obj: Issue) -> dict | None:
        if obj.assignee_chief_id:
            return {"kind": "chief", "id": obj.assignee_chief_id, "name": obj.assignee_chief.name}
        if obj.assignee_region_id:
            return {
                "kind": "region",
                "id": obj.assignee_region_id,
                "name": obj.assignee_region.name,
            }
        if obj.assignee_unit:
            return {"kind": "unit", "id": None, "name": obj.assignee_unit}
        return None


class IssueActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ACTIONS, label=_("操作"))
    comment = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", label=_("说明")
    )
    deadline = serializers.DateField(required=False, allow_null=True, label=_("整改时限"))
    assignee = AssigneeSerializer(required=False, allow_null=True, label=_("责任方"))
    reason = serializers.ChoiceField(
        choices=VoidReason.choices,
        required=False,
        allow_blank=True,
        default="",
        label=_("作废原因"),
        help_text=_("作废（void）时必填。"),
        error_messages={"invalid_choice": _("请选择作废原因：重复上报、无效问题或不属于本辖区。")},
    )


class IssuePhotoSerializer(serializers.ModelSerializer):
    stage = serializers.ChoiceField(choices=PhotoStage.choices, label=_("阶段"))
    # Out: the scoped address (/api/v1/files/issue-photo/<id>/); /media/ is not served.
    image = StoredFileField(label=_("照片"))

    class Meta:
        model = IssuePhoto
        fields = ["id", "image", "stage", "taken_at", "uploaded_at"]
        read_only_fields = ["taken_at", "uploaded_at"]


class IssueEventSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = IssueEvent
        fields = [
            "id",
            "at",
            "by",
            "action",
            "from_status",
            "to_status",
            "comment",
            "deadline",
            "reason",
        ]


class FindingIssueSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Issue._meta.get_field("category").choices)
    urgency = serializers.ChoiceField(
        choices=Issue._meta.get_field("urgency").choices, default="normal"
    )


class SupervisionOrderSerializer(serializers.ModelSerializer):
    # The API's own download, which checks the account and prints the order if no worker has.
    pdf = DocumentFileLink("supervision-order-pdf", label=_("PDF 地址"), help_text=None)
    issue_code = serializers.CharField(source="issue.code", read_only=True, label=_("问题编号"))
    issued_by = serializers.CharField(
        source="issued_by.username",
        read_only=True,
        default=None,
        label=_("督办人"),
        help_text=_("系统自动督办时为 null。"),
    )

    class Meta:
        model = SupervisionOrder
        fields = [
            "id",
            "issue",
            "issue_code",
            "number",
            "assignee",
            "original_deadline",
            "deadline",
            "reason",
            "issued_at",
            "issued_by",
            "pdf",
        ]
        read_only_fields = fields
