from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Region
from core.fields import ScopedPrimaryKeyRelatedField
from core.media import StoredFileField
from core.text import join_items
from issues.models import IssueStatus

from .ledger import COLUMNS
from .models import MapPatch, PatchBatch, PatchPhoto, Verdict
from .services import MAX_PHOTOS


class PatchBatchSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("区域名称"))
    imported_by = serializers.CharField(
        source="imported_by.username",
        read_only=True,
        default=None,
        allow_null=True,
        label=_("导入人"),
    )
    patch_count = serializers.IntegerField(read_only=True, label=_("图斑数"))
    checked_count = serializers.IntegerField(read_only=True, label=_("已核查"))
    obstruction_count = serializers.IntegerField(read_only=True, label=_("碍洪问题"))

    class Meta:
        model = PatchBatch
        fields = [
            "id",
            "name",
            "region",
            "region_name",
            "imported_at",
            "imported_by",
            "source_file",
            "patch_count",
            "checked_count",
            "obstruction_count",
        ]
        read_only_fields = fields


class PatchBatchImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        label=_("图斑清单"),
        help_text=_(
            "CSV（UTF-8 或 GBK 编码）或 .xlsx 文件，"
            "列：%(columns)s（也可写作 id、lat、lon、note）。"
        )
        % {"columns": join_items(column.header for column in COLUMNS)},
    )
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        label=_("批次名称"),
        help_text=_("留空时取文件名。"),
    )
    region = ScopedPrimaryKeyRelatedField(
        queryset=Region.objects.all(),
        required=False,
        label=_("所属区域"),
        help_text=_("街道或区县；留空时为账号所属区域。"),
    )


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(label=_("行"), help_text=_("Excel 中显示的行号。"))
    column = serializers.CharField(label=_("列"), help_text=_("文件中该列的表头。"))
    message = serializers.CharField(label=_("问题"))


class PatchImportErrorSerializer(serializers.Serializer):
    file = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("整个文件的问题：格式、编码、缺少列、过大。"),
    )
    rows = RowErrorSerializer(
        many=True, required=False, help_text=_("逐行逐列的问题；有任何问题时不导入任何数据。")
    )


class MapPatchSerializer(serializers.ModelSerializer):
    region = ScopedPrimaryKeyRelatedField(
        queryset=Region.objects.all(),
        label=_("所在区域"),
        help_text=_("可改为本批次区域下的社区，由该社区河长核查。"),
    )
    batch_name = serializers.CharField(source="batch.name", read_only=True, label=_("批次名称"))
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("区域名称"))
    checked_by = serializers.CharField(
        source="checked_by.username",
        read_only=True,
        default=None,
        allow_null=True,  # null until someone checks the patch
        label=_("核查人"),
    )
    photo_count = serializers.IntegerField(read_only=True, label=_("照片数"))
    issue_code = serializers.CharField(
        source="issue.code",
        read_only=True,
        default=None,
        allow_null=True,  # null while no issue was opened from the patch
        label=_("问题编号"),
    )
    issue_status = serializers.ChoiceField(
        source="issue.status",
        choices=IssueStatus.choices,
        read_only=True,
        default=None,
        allow_null=True,
        label=_("问题状态"),
    )

    class Meta:
        model = MapPatch
        fields = [
            "id",
            "batch",
            "batch_name",
            "patch_id",
            "lat",
            "lon",
            "note",
            "region",
            "region_name",
            "verdict",
            "verdict_note",
            "checked_at",
            "checked_by",
            "photo_count",
            "issue",
            "issue_code",
            "issue_status",
        ]
        read_only_fields = [
            "batch",
            "patch_id",
            "lat",
            "lon",
            "note",
            "verdict",
            "verdict_note",
            "checked_at",
            "issue",
        ]


class PatchVerifySerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=[(value, label) for value, label in Verdict.choices if value != Verdict.PENDING],
        label=_("核查结论"),
    )
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", label=_("核查说明")
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=MAX_PHOTOS,
        label=_("现场照片"),
        help_text=_("JPEG、PNG 或 WebP；首次核查至少一张。"),
    )


class PatchPhotoSerializer(serializers.ModelSerializer):
    image = StoredFileField(read_only=True, label=_("照片"))

    class Meta:
        model = PatchPhoto
        fields = ["id", "image", "taken_at", "uploaded_at"]
        read_only_fields = fields
