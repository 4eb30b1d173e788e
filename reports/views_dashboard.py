"""The leaders' dashboard: the page ``/dashboard/`` and its API (``dashboard/``, ``map/``).

Leaders, the office and admins read it; chief accounts are refused (403). The region is one the
account can see: on the page another region is not found (404), in the API the ``region``
parameter is refused (400) as in the ``stats/`` API. Figures come from reports.dashboard, which
reads the rollups; beside them, the latest published assessment round of the region itself
(reports.selectors_assessment.latest_ranking). The page hands the chart series and the map's
settings to static/js/dashboard.js through ``json_script`` (data, not code), and the script
fetches the map's GeoJSON from the API.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.filters import RegionFilterSet
from accounts.models import Region, RegionLevel, User
from accounts.roles import OFFICE_ROLES, REGION_READERS
from core import maps
from issues.models import OPEN_STATUSES, IssueStatus
from rivers import water_quality as wq

from .dashboard import (
    STATUS_COLOURS,
    PeriodChoice,
    dashboard,
    dashboard_map,
    period_bounds,
    period_choices,
    snap,
)
from .figures import FIGURES
from .selectors_assessment import RANKING_BOTTOM, RANKING_TOP, latest_ranking

MAX_MONTHS = 120


def _home_region(user: User) -> Region | None:
    if user.region_id is not None:
        return user.region
    # An admin without a region: the one top region, if the portal has only one.
    tops = list(Region.objects.visible_to(user).filter(parent=None)[:2])
    return tops[0] if len(tops) == 1 else None


# --- API ----------------------------------------------------------------------------------------


class DashboardQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, label=_("开始日期（按整月）"))
    date_to = serializers.DateField(required=False, label=_("结束日期（按整月）"))

    def validate(self, attrs):
        today = timezone.localdate()
        date_from = attrs.get("date_from") or datetime.date(today.year, 1, 1)
        date_to = attrs.get("date_to") or datetime.date(today.year, 12, 31)
        if date_to < date_from:
            raise serializers.ValidationError({"date_to": [_("结束日期不能早于开始日期。")]})
        first, last = snap(date_from, date_to)
        if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
            raise serializers.ValidationError({"date_to": [_("统计范围不能超过十年。")]})
        return {"date_from": first, "date_to": last}


class DashboardFilter(RegionFilterSet):
    pass


def _region_param(request: Request) -> Region:
    regions = DashboardFilter(request.query_params, queryset=Region.objects.none(), request=request)
    if not regions.is_valid():
        raise serializers.ValidationError(regions.errors)
    region = regions.form.cleaned_data.get("region") or _home_region(request.user)
    if region is None:
        raise serializers.ValidationError({"region": [_("请指定区域。")]})
    return region


class _Rate(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=5, decimal_places=4, allow_null=True, **kwargs)


def _registered(key: str, field: serializers.Field | None = None) -> serializers.Field:
    """A dashboard figure that is a registered figure: its definition is the help text."""
    fig = FIGURES[key]
    field = field or serializers.IntegerField()
    field.help_text = f"{fig.label}：{fig.definition}"
    return field


class DashboardFiguresSerializer(serializers.Serializer):
    patrol_rate = _registered("patrol_rate", _Rate())
    patrols = _registered("patrols")
    patrols_invalid = _registered("patrols_invalid")
    cleaning_rounds = _registered("cleaning_rounds")
    patrols_required = _registered(
        "patrols_required", serializers.DecimalField(max_digits=14, decimal_places=2)
    )
    patrols_done = serializers.IntegerField(help_text=_("河长在任期间的有效巡河（按河长所在区域）"))
    patrols_counted = _registered("patrols_counted")
    issues_found = _registered("issues_found")
    issues_found_closed = _registered("issues_found_closed")
    issues_closed = _registered("issues_closed")
    issues_open = serializers.IntegerField(help_text=_("期末前发现、目前仍未销号的问题"))
    issues_overdue = _registered("issues_overdue")
    resolution_rate = _registered("resolution_rate", _Rate())
    cleanups = _registered("cleanups")
    garbage_t = _registered("garbage_t", serializers.DecimalField(max_digits=14, decimal_places=2))
    monitoring_points = _registered("monitoring_points")
    points_meeting_target = _registered("points_meeting_target")
    points_worse_than_v = _registered("points_worse_than_v")
    target_rate = _registered("target_rate", _Rate())


class RankingLineSerializer(serializers.Serializer):
    name = serializers.CharField()
    score = serializers.FloatField()
    rank = serializers.IntegerField()


class DashboardAssessmentSerializer(serializers.Serializer):
    round_id = serializers.IntegerField()
    scheme = serializers.CharField(help_text=_("考核方案名称"))
    year = serializers.IntegerField()
    period = serializers.IntegerField(allow_null=True, help_text=_("季度 1-4；年度考核为 null"))
    period_name = serializers.CharField(help_text=_("如“2026年第三季度”“2026年度”"))
    ranked = serializers.IntegerField(help_text=_("参加排名的人数（任职不足30天者不排名）"))
    average = serializers.FloatField(allow_null=True, help_text=_("参加排名者的平均得分"))
    top = RankingLineSerializer(many=True, help_text=_("前%(n)s名") % {"n": RANKING_TOP})
    bottom = RankingLineSerializer(
        many=True,
        help_text=_("后%(n)s名（参加排名超过%(more)s人时）")
        % {"n": RANKING_BOTTOM, "more": RANKING_TOP + RANKING_BOTTOM},
    )


class DashboardSerializer(serializers.Serializer):
    region = serializers.DictField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    figures = DashboardFiguresSerializer()
    series = serializers.DictField(child=serializers.ListField(child=serializers.DictField()))
    overdue = serializers.ListField(child=serializers.DictField())
    assessment = DashboardAssessmentSerializer(
        allow_null=True,
        help_text=_("该区域最近一次已发布的考核排名（不论统计期间）；没有则为 null"),
    )


_REGION_PARAM = OpenApiParameter(
    "region", OpenApiTypes.INT, description="区域（含下级）；默认为本人所在区域"
)


class DashboardView(APIView):
    """Figures, chart series and the overdue list of a region for whole months."""

    # Figures, not a model's rows: no spreadsheet renderer (core.renderers).
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    read_roles = REGION_READERS

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="默认本年1月1日"),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="默认本年12月31日"),
            _REGION_PARAM,
        ],
        responses=DashboardSerializer,
    )
    def get(self, request: Request) -> Response:
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        region = _region_param(request)
        result = dashboard(user=request.user, region=region, **query.validated_data)
        ranking = latest_ranking(user=request.user, region=region)
        return Response(
            {**result.as_dict(), "assessment": None if ranking is None else ranking.as_dict()}
        )


class DashboardMapView(APIView):
    """GeoJSON of the region's reaches, open issues, outfalls, signs and monitoring points with
    their latest grade and its colour (capped per layer)."""

    # Figures, not a model's rows: no spreadsheet renderer (core.renderers).
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    read_roles = REGION_READERS

    @extend_schema(
        parameters=[_REGION_PARAM], responses={(200, "application/json"): OpenApiTypes.OBJECT}
    )
    def get(self, request: Request) -> Response:
        return Response(dashboard_map(user=request.user, region=_region_param(request)))


# --- the page -----------------------------------------------------------------------------------


class DashboardForm(forms.Form):
    region = forms.ModelChoiceField(label=gettext_lazy("区域"), queryset=None, required=False)
    period = forms.ChoiceField(label=gettext_lazy("期间"), required=False)
    month_from = forms.DateField(
        label=gettext_lazy("起始月份"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    month_to = forms.DateField(
        label=gettext_lazy("截止月份"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Region.objects.visible_to(user)
        self.fields["region"].queryset = visible
        self.fields["period"].choices = period_choices()
        # Offered: the county and street levels, and the communities beside and below the
        # region shown (a county has over a thousand; any visible region is still accepted).
        selected = _int_or_none(self.data.get("region"))
        offered = visible.filter(
            Q(level__in=[RegionLevel.COUNTY, RegionLevel.STREET])
            | Q(parent_id=selected)
            | Q(parent_id__in=Region.objects.filter(pk=selected).values("parent_id"))
        )
        self.fields["region"].widget.choices = [
            (pk, f"{'　' * DEPTH.get(level, 0)}{name}")
            for pk, name, level in offered.order_by("code").values_list("pk", "name", "level")
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period") == PeriodChoice.CUSTOM:
            first, last = cleaned.get("month_from"), cleaned.get("month_to")
            if first is None or last is None:
                self.add_error("month_from", _("自定义期间请填写起止月份。"))
            elif last < first:
                self.add_error("month_to", _("截止月份不能早于起始月份。"))
            elif (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
                self.add_error("month_to", _("统计范围不能超过十年。"))
        return cleaned


def _require_reader(user: User) -> None:
    if user.effective_role not in REGION_READERS:
        raise PermissionDenied(_("领导驾驶舱仅供领导、河长办和管理员查看。"))


@login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_reader(user)
    today = timezone.localdate()
    home = _home_region(user)
    params = request.GET.copy()
    params.setdefault("period", PeriodChoice.YEAR)
    if home is not None:
        params.setdefault("region", str(home.pk))
    if "region" in request.GET:
        # A region the account cannot see is not there for it: 404, as for any record.
        get_object_or_404(Region.objects.visible_to(user), pk=_int_or_404(request.GET["region"]))
    form = DashboardForm(params, user=user)
    result = None
    ranking = None
    if form.is_valid() and form.cleaned_data.get("region") is not None:
        data = form.cleaned_data
        date_from, date_to = period_bounds(
            data["period"] or PeriodChoice.YEAR,
            today=today,
            first=data.get("month_from"),
            last=data.get("month_to"),
        )
        result = dashboard(user=user, region=data["region"], date_from=date_from, date_to=date_to)
        ranking = latest_ranking(user=user, region=data["region"])
    charts = None
    map_config = None
    if result is not None:
        charts = {
            "series": result.as_dict()["series"],
            "labels": {
                "patrols": _("巡河次数"),
                "patrols_invalid": _("无效巡河"),
                "issues_found": _("发现问题"),
                "issues": _("问题数"),
                "rate": _("比率"),
                "empty": _("暂无数据"),
            },
        }
        map_config = {
            "url": f"{_api_prefix()}dashboard/map/?region={result.region['id']}",
            "map": maps.basemap_config(),
            "colours": {str(key): value for key, value in STATUS_COLOURS.items()},
            "labels": {
                "reaches": _("河段"),
                "issues": _("未销号问题"),
                "outfalls": _("排污口"),
                "signs": _("公示牌"),
                "points": _("监测断面"),
                "target": _("水质目标"),
                "meets": _("达标"),
                "misses": _("未达标"),
                "sampled": _("最近监测"),
                "ungraded": _("暂无监测数据"),
                "open_point": _("查看断面"),
                "open": _("查看问题"),
                "failed": _("地图数据加载失败。"),
                "empty": _("该区域暂无可显示的河段和点位。"),
            },
        }
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "form": form,
            "result": result,
            "charts": charts,
            "map_config": map_config,
            "status_legend": _open_status_labels(),
            "grade_legend": _grade_legend(),
            "ranking": ranking,
            "can_open_round": user.effective_role in OFFICE_ROLES,
        },
    )


def _grade_legend() -> list[tuple[str, str, str]]:
    """The national scale's classes for the map's legend: grade, label, status (优, 良好…)."""
    return [(grade, grade.label, wq.GRADE_STATUS[grade]) for grade in wq.Grade]


def _open_status_labels():
    return [(status, status.label) for status in IssueStatus if status in OPEN_STATUSES]


def _api_prefix() -> str:
    return reverse("dashboard-api").removesuffix("dashboard/")


DEPTH = {RegionLevel.COUNTY: 0, RegionLevel.STREET: 1, RegionLevel.COMMUNITY: 2}


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _int_or_404(value: str) -> int:
    try:
        return int(value)
    except ValueError as error:
        raise Http404 from error
