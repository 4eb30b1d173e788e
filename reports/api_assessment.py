"""The assessment API (shared/API.md): assessment-schemes/, assessment-rounds/ (with scores/,
publish/, and a published round's documents: documents/ queues its Excel ledger and PDF, xlsx/ and
pdf/ download them through the one document pipeline), assessment-adjustments/."""

from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Region
from accounts.roles import OFFICE_ROLES, POLICY_REFUSED, REGION_READERS, writes_policy
from core.documents import DocumentNotReady
from core.fields import ScopedPrimaryKeyRelatedField
from core.renderers import no_spreadsheet
from core.views import ScopedModelViewSet
from core.views_documents import DocumentFileLink, document_file_action

from . import selectors_assessment as selectors
from . import services_assessment as services
from .assessment_documents import ASSESSMENT_DOCUMENTS
from .models import (
    AssessmentAdjustment,
    AssessmentRound,
    AssessmentRoundDocument,
    AssessmentScheme,
    AssessmentScore,
    RoundStatus,
)


class AssessmentSchemeSerializer(serializers.ModelSerializer):
    # Checked by the service (known keys, weights adding up to 100).
    criteria = serializers.JSONField()

    class Meta:
        model = AssessmentScheme
        fields = ["id", "name", "subject", "period", "criteria", "created_at"]
        read_only_fields = ["id", "created_at"]


NULL_UNTIL_BUILT = _("生成完成前为 null。")


class AssessmentRoundDocumentSerializer(serializers.ModelSerializer):
    """A published round's Excel ledger and PDF, as the other documents' rows show theirs."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    # The API's own downloads, which check the account; media files are not public.
    xlsx = DocumentFileLink(
        "assessment-round-xlsx", label=_("Excel 地址"), help_text=NULL_UNTIL_BUILT
    )
    pdf = DocumentFileLink("assessment-round-pdf", label=_("PDF 地址"), help_text=NULL_UNTIL_BUILT)

    class Meta:
        model = AssessmentRoundDocument
        fields = ["status", "status_label", "progress", "error", "finished_at", "xlsx", "pdf"]
        read_only_fields = fields


class AssessmentRoundSerializer(serializers.ModelSerializer):
    scheme = serializers.PrimaryKeyRelatedField(queryset=AssessmentScheme.objects.all())
    region = ScopedPrimaryKeyRelatedField(queryset=Region.objects.all())
    period = serializers.IntegerField(min_value=1, max_value=4, allow_null=True, required=False)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    # null until the office asks for them (a published round only: documents/).
    documents = AssessmentRoundDocumentSerializer(
        source="document", read_only=True, allow_null=True
    )

    class Meta:
        model = AssessmentRound
        fields = [
            "id",
            "scheme",
            "region",
            "year",
            "period",
            "status",
            "computed_at",
            "published_at",
            "documents",
        ]
        read_only_fields = ["id", "status", "computed_at", "published_at", "documents"]


class AssessmentScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentScore
        fields = [
            "subject_id",
            "name",
            "score",
            "rank",
            "breakdown",
            "adjustment",
            "served_days",
        ]


class AssessmentAdjustmentSerializer(serializers.ModelSerializer):
    round = ScopedPrimaryKeyRelatedField(queryset=AssessmentRound.objects.all())
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    reason = serializers.CharField(
        max_length=200, error_messages={"blank": _("请填写加减分理由。")}
    )

    class Meta:
        model = AssessmentAdjustment
        fields = ["id", "round", "subject_id", "points", "reason", "created_by", "created_at"]
        read_only_fields = ["id", "created_by", "created_at"]


# No ?format=xlsx: a round's ledger is its document (documents/, then xlsx/), with its title,
# scheme, criteria and ranks, names and not ids; the serializers' fields (a breakdown as JSON,
# subject ids) would make a second, poorer ledger of the same round.
NO_SPREADSHEET = no_spreadsheet()


class AssessmentSchemeViewSet(ScopedModelViewSet):
    """Assessment schemes: the county's office or an admin writes them."""

    renderer_classes = NO_SPREADSHEET
    selector = selectors.assessment_scheme_list
    serializer_class = AssessmentSchemeSerializer
    create_service = services.assessment_scheme_create
    update_service = services.assessment_scheme_update
    read_roles = REGION_READERS
    write_check = staticmethod(writes_policy)
    write_check_message = POLICY_REFUSED
    filterset_fields = ["subject", "period"]
    ordering_fields = ["created_at", "name"]
    search_fields = ["name"]
    http_method_names = ["get", "post", "patch", "head", "options"]


def _round_document(round_: AssessmentRound) -> AssessmentRoundDocument:
    """The round's documents row, or 409 saying why there is none."""
    if round_.status != RoundStatus.PUBLISHED:
        raise DocumentNotReady(gettext_now("考核结果尚未发布，发布后才能导出Excel和PDF。"))
    document = AssessmentRoundDocument.objects.filter(pk=round_.pk).first()
    if document is None:
        raise DocumentNotReady(gettext_now("考核结果文件尚未生成，请先提交生成。"))
    document.round = round_  # its title names the files
    return document


class AssessmentRoundViewSet(ScopedModelViewSet):
    """Rounds: POST computes a draft; recompute/ computes a draft again from today's data;
    publish/ freezes it; scores/ lists the scores by rank; DELETE removes a draft."""

    renderer_classes = NO_SPREADSHEET
    selector = selectors.assessment_round_list
    serializer_class = AssessmentRoundSerializer
    create_service = services.assessment_round_compute
    delete_service = services.assessment_round_delete
    read_roles = REGION_READERS
    write_roles = OFFICE_ROLES
    filterset_fields = ["scheme", "region", "year", "period", "status"]
    ordering_fields = ["year", "period", "computed_at"]
    search_fields: list[str] = []
    http_method_names = ["get", "post", "delete", "head", "options"]

    @extend_schema(request=None, responses={200: AssessmentRoundSerializer})
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        """Compute a draft's scores again from today's data, its adjustments kept; 409 once
        published."""
        round_ = services.assessment_round_recompute(user=request.user, round_=self.get_object())
        return Response(AssessmentRoundSerializer(round_, context={"request": request}).data)

    @extend_schema(request=None, responses={200: AssessmentRoundSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Freeze the round; 409 once published."""
        round_ = services.assessment_round_publish(user=request.user, round_=self.get_object())
        return Response(AssessmentRoundSerializer(round_, context={"request": request}).data)

    @extend_schema(responses={200: AssessmentScoreSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def scores(self, request, pk=None):
        """Every subject's score, breakdown and rank (null: served under 30 days), by rank, a
        page at a time as every list answers (a county's round holds 10,000 chiefs; the schema
        says so too)."""
        page = self.paginate_queryset(selectors.assessment_scores(round_=self.get_object()))
        return self.get_paginated_response(AssessmentScoreSerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: AssessmentRoundSerializer})
    @action(detail=True, methods=["post"])
    def documents(self, request, pk=None):
        """Queue the Excel ledger and the PDF of a published round (202); built once and kept,
        asking again is harmless; 409 for a draft."""
        services.assessment_round_documents_request(round_=self.get_object())
        round_ = self.get_queryset().get(pk=pk)
        context = self.get_serializer_context()
        return Response(
            AssessmentRoundSerializer(round_, context=context).data,
            status=status.HTTP_202_ACCEPTED,
        )

    # The files; 409 for a draft, before they are asked for and while they are built.
    xlsx = document_file_action(ASSESSMENT_DOCUMENTS, "xlsx", row=_round_document)
    pdf = document_file_action(ASSESSMENT_DOCUMENTS, "pdf", row=_round_document)


class AssessmentAdjustmentViewSet(ScopedModelViewSet):
    """Manual 加分/扣分 with a reason; DELETE withdraws one of a draft; 409 on a published
    round."""

    renderer_classes = NO_SPREADSHEET
    selector = selectors.assessment_adjustment_list
    serializer_class = AssessmentAdjustmentSerializer
    create_service = services.assessment_adjustment_create
    delete_service = services.assessment_adjustment_delete
    read_roles = REGION_READERS
    write_roles = OFFICE_ROLES
    filterset_fields = ["round", "subject_id"]
    ordering_fields = ["created_at"]
    search_fields = ["reason"]
    http_method_names = ["get", "post", "delete", "head", "options"]
