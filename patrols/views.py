import datetime
import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.filters import RegionFilterSet
from accounts.models import Region
from accounts.roles import (
    OFFICE_AND_CHIEFS,
    OFFICE_ROLES,
    POLICY_REFUSED,
    REGION_READERS,
    writes_policy,
)
from core.exports import check_export_size, condition, exporting, full_name, period_words
from core.ledgers import Ledger, LedgerExport
from core.pagination import PageNumberPagination
from core.renderers import XLSXRenderer
from core.views import ScopedModelViewSet
from issues.selectors import issue_list
from issues.serializers import FindingIssueSerializer, IssueSerializer
from rivers.models import Chief

from . import selectors, services
from . import serializers as patrol_serializers
from .credentials import PatrolUploadAuthentication, PatrolUploadGrant, patrol_credential_issue
from .filters import PatrolFilter
from .ledger import COMPLIANCE_LEDGER_NAME, compliance_ledger_table, patrol_ledger_table

PHOTO_KEY = re.compile(r"^finding_(\d+)_photos$")


class PatrolRuleViewSet(ScopedModelViewSet):
    """Patrol rules: how often each role patrols and what a patrol needs to count. An edit takes
    effect from ``effective_from`` (default today, never in a past month) and answers the row in
    force from then; DELETE ends a rule that has been in force (yesterday its last day) and
    deletes one not yet in force."""

    selector = selectors.patrol_rule_list
    create_service = services.patrol_rule_create
    update_service = services.patrol_rule_update
    delete_service = services.patrol_rule_delete
    # The portal's policy: written by the county's office or an admin only.
    write_check = staticmethod(writes_policy)
    write_check_message = POLICY_REFUSED
    serializer_class = patrol_serializers.PatrolRuleSerializer
    filterset_fields = ["role", "period"]
    ordering_fields = ["role", "period", "valid_from"]
    search_fields: list[str] = []


class PatrolViewSet(ScopedModelViewSet):
    """Patrols: filed by chiefs (their own, on their reaches) or by the office for them."""

    selector = selectors.patrol_list
    serializer_class = patrol_serializers.PatrolSerializer
    filterset_class = PatrolFilter
    search_fields = ["chief__name", "reach__name", "reach__river__name", "notes"]
    ordering_fields = ["started_at", "distance_km"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    write_roles = OFFICE_AND_CHIEFS
    # Patrols are evidence: filed once, never edited or deleted through the API.
    http_method_names = ["get", "post", "head", "options"]
    # A patrol upload credential (patrols.credentials) files its own patrol, and nothing else.
    authentication_classes = [
        PatrolUploadAuthentication,
        *api_settings.DEFAULT_AUTHENTICATION_CLASSES,
    ]

    def perform_authentication(self, request) -> None:
        super().perform_authentication(request)
        if isinstance(request.auth, PatrolUploadGrant) and self.action != "create":
            raise AuthenticationFailed(_("巡河上传凭证只能用于上传巡河记录。"))

    def ledger_table(self, records):
        return patrol_ledger_table(records)

    @extend_schema(
        request={
            "application/json": patrol_serializers.PatrolSerializer,
            "multipart/form-data": patrol_serializers.PatrolSerializer,
        },
        responses={
            201: patrol_serializers.PatrolSerializer,
            200: patrol_serializers.PatrolSerializer,
        },
        description=(
            "201 for a new patrol; 200 with the first patrol when its uuid was already received. "
            "Multipart: track and findings as JSON strings, a gpx file instead of track, and "
            "photos of finding i as files under finding_<i>_photos."
        ),
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        grant = request.auth
        if isinstance(grant, PatrolUploadGrant) and grant.patrol_uuid != data.get("uuid"):
            raise PermissionDenied(_("巡河上传凭证不属于这次巡河。"))
        photos: dict[int, list] = {}
        for key in request.FILES:
            match = PHOTO_KEY.match(key)
            if match:
                photos[int(match.group(1))] = request.FILES.getlist(key)
        patrol, created = services.patrol_submit(
            user=request.user,
            findings=data.pop("findings", []),
            photos=photos,
            **data,
        )
        patrol = self.get_queryset().get(pk=patrol.pk)
        body = self.get_serializer(patrol).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=patrol_serializers.UploadCredentialRequestSerializer,
        responses={201: patrol_serializers.UploadCredentialSerializer},
        description="A credential for uploading the patrol ``uuid`` (made by the phone when the "
        "patrol starts) without a live session: send it as ``Authorization: Patrol <credential>`` "
        "with ``POST /patrols/``. Valid for PATROL_UPLOAD_CREDENTIAL_HOURS hours, for that patrol "
        "and that endpoint only.",
    )
    @action(detail=False, methods=["post"], url_path="upload-credential")
    def upload_credential(self, request):
        form = patrol_serializers.UploadCredentialRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        patrol_uuid = form.validated_data["uuid"]
        credential, expires_at = patrol_credential_issue(user=request.user, patrol_uuid=patrol_uuid)
        body = patrol_serializers.UploadCredentialSerializer(
            {"uuid": patrol_uuid, "credential": credential, "expires_at": expires_at}
        ).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=FindingIssueSerializer,
        responses={201: IssueSerializer, 200: IssueSerializer},
        description="Open an issue ticket (source patrol) for a finding; asking again answers "
        "the ticket already opened (200).",
    )
    @action(detail=True, methods=["post"], url_path=r"findings/(?P<finding_id>\d+)/issue")
    def finding_issue(self, request, pk=None, finding_id=None):
        patrol = self.get_object()
        finding = get_object_or_404(patrol.findings, pk=finding_id)
        form = FindingIssueSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        issue, created = services.finding_issue_open(
            user=request.user, finding=finding, **form.validated_data
        )
        body = IssueSerializer(
            issue_list(user=request.user).get(pk=issue.pk), context={"request": request}
        ).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], url_path="raw-track")
    def raw_track(self, request, pk=None):
        """The track exactly as received, drift included: for staff checking a patrol."""
        if request.user.effective_role not in OFFICE_ROLES:
            return Response(
                {"detail": _("只有河长办可以查看原始轨迹。")}, status=status.HTTP_403_FORBIDDEN
            )
        patrol = get_object_or_404(selectors.patrol_list(user=request.user).defer(None), pk=pk)
        return Response(patrol.track_raw)


class ComplianceFilter(RegionFilterSet):
    pass


class _ComplianceBase(APIView):
    # Figures per chief or region, not a model's rows: the rankings have no spreadsheet.
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    def _params(self, request) -> tuple[datetime.date, datetime.date, Region | None]:
        query = patrol_serializers.ComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        regions = ComplianceFilter(
            request.query_params, queryset=Chief.objects.none(), request=request
        )
        if not regions.is_valid():
            raise serializers.ValidationError(regions.errors)
        data = query.validated_data
        return data["date_from"], data["date_to"], regions.form.cleaned_data.get("region")

    def _query(self, request):
        date_from, date_to, region = self._params(request)
        return selectors.patrol_compliance(
            user=request.user, date_from=date_from, date_to=date_to, region=region
        )


COMPLIANCE_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, required=True),
    OpenApiParameter("date_to", OpenApiTypes.DATE, required=True),
    OpenApiParameter("region", OpenApiTypes.INT, description="区域（含下级）"),
]


class ComplianceView(_ComplianceBase):
    """Per chief: patrols required by the rules, done, counted, and the rate (巡河率).
    ``?format=xlsx``: the whole list as a ledger."""

    pagination_class = PageNumberPagination
    renderer_classes = [*_ComplianceBase.renderer_classes, XLSXRenderer]

    @extend_schema(
        parameters=COMPLIANCE_PARAMETERS,
        responses=patrol_serializers.ComplianceSerializer(many=True),
    )
    def get(self, request):
        if exporting(request):
            return Response(self._ledger(request))
        rows = self._query(request)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        data = patrol_serializers.ComplianceSerializer(page, many=True).data
        return paginator.get_paginated_response(data)

    def _ledger(self, request) -> LedgerExport:
        date_from, date_to, region = self._params(request)
        rows = selectors.patrol_compliance(
            user=request.user, date_from=date_from, date_to=date_to, region=region
        )
        check_export_size(len(rows))
        columns, rows = compliance_ledger_table(rows)
        ledger = Ledger(
            name=str(COMPLIANCE_LEDGER_NAME),
            columns=columns,
            region=full_name(region or request.user.region),
            conditions=[condition(_("日期"), period_words(date_from, date_to))],
        )
        return LedgerExport(ledger=ledger, rows=rows)


class ComplianceRankingView(_ComplianceBase):
    """Communities or streets ranked by patrol rate: for the office and leaders only."""

    read_roles = REGION_READERS

    @extend_schema(
        parameters=[
            *COMPLIANCE_PARAMETERS,
            OpenApiParameter("level", OpenApiTypes.STR, enum=["community", "street"]),
        ],
        responses=inline_serializer(
            "ComplianceRanking",
            {
                "level": serializers.CharField(),
                "results": patrol_serializers.RankingSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        level = request.query_params.get("level", "community")
        if level not in {"community", "street"}:
            raise serializers.ValidationError({"level": [_("只能是 community 或 street。")]})
        ranking = selectors.compliance_ranking(self._query(request), level=level)
        return Response(
            {
                "level": level,
                "results": patrol_serializers.RankingSerializer(ranking, many=True).data,
            }
        )
