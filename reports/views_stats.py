"""``stats/``: every registered figure of a region and period; ``stats/definitions/``: what each
one means; ``stats/records/``: the records behind one figure. All three read ``reports.figures``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.filters import RegionFilterSet
from accounts.models import Region
from accounts.roles import REGION_READERS
from patrols.serializers import ComplianceQuerySerializer

from .figures import FIGURES, Figure, Scope
from .selectors import FigureRecords, figure_records
from .statistics import region_statistics


def _field(fig: Figure) -> serializers.Field:
    help_text = f"{fig.label}（{fig.unit}）：{fig.definition}"
    if fig.kind == "breakdown":
        return serializers.DictField(child=serializers.IntegerField(), help_text=help_text)
    if fig.kind == "rate":
        return serializers.DecimalField(
            max_digits=5, decimal_places=4, allow_null=True, help_text=help_text
        )
    if fig.places:
        return serializers.DecimalField(
            max_digits=16, decimal_places=max(fig.places, 2), help_text=help_text
        )
    return serializers.IntegerField(help_text=help_text)


class FourDisordersSerializer(serializers.Serializer):
    cleanups = serializers.IntegerField()
    points = serializers.IntegerField()
    garbage_t = serializers.DecimalField(max_digits=16, decimal_places=2)
    garbage_m3 = serializers.DecimalField(max_digits=16, decimal_places=2)


StatisticsSerializer = type(
    "StatisticsSerializer",
    (serializers.Serializer,),
    {
        "region": serializers.IntegerField(source="region_id"),
        "region_name": serializers.CharField(),
        "date_from": serializers.DateField(),
        "date_to": serializers.DateField(),
        "as_of": serializers.DateField(
            help_text=_("统计截至日：date_to，期间未结束时为今天；任何数字都不计其后的日子")
        ),
        **{key: _field(fig) for key, fig in FIGURES.items()},
        "four_disorders": FourDisordersSerializer(
            read_only=True, help_text=_("“清四乱”专项行动（仅该专项的清理行动）")
        ),
        "__doc__": "Every registered figure (reports.figures) of a region and period.",
    },
)


class StatsFilter(RegionFilterSet):
    pass


def _scope_from(request: Request | Any) -> tuple[Region, datetime.date, datetime.date]:
    params = _params(request)
    query = ComplianceQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    regions = StatsFilter(params, queryset=Region.objects.none(), request=request)
    if not regions.is_valid():
        raise serializers.ValidationError(regions.errors)
    region = regions.form.cleaned_data.get("region") or _home_region(request)
    return region, query.validated_data["date_from"], query.validated_data["date_to"]


PERIOD_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, required=True),
    OpenApiParameter("date_to", OpenApiTypes.DATE, required=True),
    OpenApiParameter("region", OpenApiTypes.INT, description="区域（含下级）；默认为本人所在区域"),
]


class StatsView(APIView):
    """Figures of a region (and all below it) for a period, both dates inclusive. For whole
    months that have ended, the figures the rollups hold come from them (a county's year in a
    few small reads instead of counting a million patrols); the rest are counted live."""

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=StatisticsSerializer)
    def get(self, request: Request) -> Response:
        region, date_from, date_to = _scope_from(request)
        statistics = region_statistics(
            region=region,
            date_from=date_from,
            date_to=date_to,
            from_rollups=settings.STATS_FROM_ROLLUPS,
        )
        return Response(StatisticsSerializer(statistics).data)


class DefinitionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    definition = serializers.CharField()
    kind = serializers.ChoiceField(choices=["count", "sum", "breakdown", "rate"])
    records = serializers.BooleanField(help_text=_("可在 stats/records/ 查看其记录"))


class StatsDefinitionsView(APIView):
    """What every figure means: the one definition ``stats/``, the dashboard and the reports use."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "key",
                OpenApiTypes.STR,
                enum=list(FIGURES),
                description=_("只列出这一个统计数字"),
            )
        ],
        responses=DefinitionSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        key = request.query_params.get("key")
        if key is not None and key not in FIGURES:
            raise serializers.ValidationError({"key": [_("没有这个统计数字。")]})
        rows = [
            {
                "key": fig.key,
                "label": str(fig.label),
                "unit": str(fig.unit),
                "definition": str(fig.definition),
                "kind": fig.kind,
                "records": True,
            }
            for fig in FIGURES.values()
            if key is None or fig.key == key
        ]
        return Response(DefinitionSerializer(rows, many=True).data)


class RecordSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    date = serializers.DateField(allow_null=True)
    label = serializers.CharField()
    url = serializers.CharField(allow_null=True)
    value = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        allow_null=True,
        required=False,
        help_text=_("该记录计入合计的数值（求和的数字）"),
    )


def _number() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class RecordsPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 500


class StatsRecordsView(APIView):
    """The records behind one figure: ``count`` equals the figure (for a sum, ``total`` does;
    for a rate, ``numerator`` / ``denominator`` give it, and the results are the denominator's)."""

    read_roles = REGION_READERS
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("figure", OpenApiTypes.STR, required=True, enum=list(FIGURES)),
            OpenApiParameter(
                "part", OpenApiTypes.STR, description=_("分类数字的一类，如 chiefs 的 cleaner")
            ),
            *PERIOD_PARAMETERS,
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATE,
                description=_("统计截至日（不晚于今天）；默认与 stats/ 相同"),
            ),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses=inline_serializer(
            "FigureRecords",
            {
                "figure": serializers.CharField(),
                "as_of": serializers.DateField(),
                "count": serializers.IntegerField(),
                "total": _number(),
                "numerator": _number(),
                "denominator": _number(),
                "next": serializers.CharField(allow_null=True),
                "previous": serializers.CharField(allow_null=True),
                "results": RecordSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        records = records_from(request)
        paginator = RecordsPagination()
        page = paginator.paginate_queryset(records.rows, request, view=self)
        return Response(
            {
                "figure": records.figure.key,
                "as_of": records.scope.as_of,
                "count": paginator.page.paginator.count,
                "total": records.total,
                "numerator": records.numerator,
                "denominator": records.denominator,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": RecordSerializer(
                    [records.describe(row) for row in page], many=True
                ).data,
            }
        )


def records_from(request: Request | Any) -> FigureRecords:
    """The figure, part, region, period and as_of a request asks for, checked (400 otherwise)."""
    params = _params(request)
    key = params.get("figure", "")
    if key not in FIGURES:
        raise serializers.ValidationError({"figure": [_("没有这个统计数字。")]})
    fig = FIGURES[key]
    part = params.get("part") or None
    if part is not None and (not fig.by or (fig.choices and part not in fig.choices.values)):
        raise serializers.ValidationError({"part": [_("该统计数字没有这一类。")]})
    region, date_from, date_to = _scope_from(request)
    today = timezone.localdate()
    as_of = params.get("as_of")
    if as_of:
        try:
            today = min(today, datetime.date.fromisoformat(as_of))
        except ValueError:
            raise serializers.ValidationError({"as_of": [_("日期格式应为 YYYY-MM-DD。")]}) from None
    scope = Scope.of(region=region, date_from=date_from, date_to=date_to, today=today)
    return figure_records(key=key, scope=scope, part=part)


def _params(request: Request | Any) -> Any:
    """The query of an API request or of a page's request alike."""
    return getattr(request, "query_params", None) or request.GET


def _home_region(request: Request) -> Region:
    if request.user.region_id is not None:
        return request.user.region
    # A superuser without a region: the one top region, if the portal has only one.
    tops = list(Region.objects.visible_to(request.user).filter(parent=None)[:2])
    if len(tops) == 1:
        return tops[0]
    raise serializers.ValidationError({"region": [_("请指定区域。")]})
