"""The records of the workbench, as data: each names the API viewset whose selector, filters,
serializer and services its pages reuse, the columns of its list and who may write it.

Adding a record to the workbench is one entry here; the views, the navigation's links and the
tests (parametrised over ``RESOURCES``) follow.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers as drf

from accounts.roles import OFFICE_ROLES
from accounts.views import AccountViewSet
from activities import views as activities
from core.views import ScopedModelViewSet
from map_patches import views as map_patches
from patrols import views as patrols
from rivers import api_plans
from rivers import serializers as river_serializers
from rivers import services as river_services
from rivers import views as rivers

from . import places

SAVED = _("已保存。")
DELETE = _("删除")


@dataclass(frozen=True)
class Related:
    """Rows of another resource that point at this record, shown on its detail page."""

    resource: str
    lookup: str  # queryset filter from the other resource's rows to this record's pk
    param: str  # the other list's filter parameter, for the "all of them" link
    label: str | Promise = ""
    table: bool = True  # False: only a link to the filtered list (no query)


@dataclass(frozen=True)
class Action:
    """A write on one record beyond create/edit/delete (a chief relieved, replaced...)."""

    slug: str
    label: str | Promise
    serializer: type[drf.Serializer]
    # (instance, user, validated_data) -> the record to show afterwards
    service: Callable[..., Any]
    available: Callable[[Any], bool] = lambda instance: True
    done_message: str | Promise = SAVED


@dataclass(frozen=True)
class Resource:
    slug: str
    viewset: type[ScopedModelViewSet]
    api_basename: str
    label: str | Promise  # the record kind, as in "新增{label}"
    title: str | Promise  # the list's title
    columns: tuple[str, ...]  # serializer field names
    read_roles: frozenset | None = None  # None: the API's (every logged-in role)
    write_roles: frozenset | None = None  # None: the API's
    read_only: bool = False  # no create/edit/delete pages (written elsewhere)
    form_exclude: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    actions: tuple[Action, ...] = ()
    list_links: tuple[tuple[str | Promise, str], ...] = ()  # (label, url name) for writers
    detail_template: str = "workbench/detail.html"
    # (record, user) -> the detail page's map (core.maps.place_map data) or None: workbench.places
    place: Callable[[Any, Any], dict | None] | None = None
    delete_label: str | Promise = DELETE
    extra: dict = field(default_factory=dict)

    @property
    def serializer_class(self) -> type[drf.Serializer]:
        return self.viewset.serializer_class

    @property
    def model(self):
        return self.serializer_class.Meta.model

    def roles_to_write(self) -> frozenset:
        if self.read_only:
            return frozenset()
        if self.write_roles is not None:
            return self.write_roles
        return getattr(self.viewset, "write_roles", OFFICE_ROLES)

    def can_read(self, user) -> bool:
        roles = self.read_roles
        if roles is None:
            roles = getattr(self.viewset, "read_roles", None)
        return roles is None or user.effective_role in roles

    def can_write(self, user) -> bool:
        # The viewset's own narrowing beyond roles (RolePermission reads it too).
        check = getattr(self.viewset, "write_check", None)
        return user.effective_role in self.roles_to_write() and (check is None or check(user))

    def can_delete(self) -> bool:
        return not self.read_only and "delete" in self.viewset.http_method_names


def _relieve(instance, user, data):
    return river_services.chief_relieve(chief=instance, on=data["on"])


def _replace(instance, user, data):
    return river_services.chief_replace(chief=instance, **data)


ACTIVITY_COLUMNS = ("date", "title", "region_name")

RESOURCES: dict[str, Resource] = {
    r.slug: r
    for r in [
        Resource(
            slug="rivers",
            viewset=rivers.RiverViewSet,
            api_basename="river",
            label=_("河流"),
            title=_("河流"),
            columns=("name", "code", "kind", "length_km", "region_name"),
            related=(
                Related("reaches", lookup="river", param="river", label=_("河段")),
                Related("river-plans", lookup="river", param="river", label=_("一河一策")),
                Related("patrols", lookup="reach__river", param="river", table=False),
            ),
            place=places.river_map,
            detail_template="workbench/river_detail.html",
        ),
        Resource(
            slug="reaches",
            viewset=rivers.ReachViewSet,
            api_basename="reach",
            label=_("河段"),
            title=_("河段"),
            columns=("name", "river_name", "bank", "length_km", "region_name"),
            related=(
                Related("chiefs", lookup="reaches", param="reach", label=_("河长")),
                Related("signs", lookup="reach", param="reach"),
                Related("outfalls", lookup="reach", param="reach"),
                Related("facilities", lookup="reach", param="reach"),
                Related("patrols", lookup="reach", param="reach", table=False),
            ),
            place=places.reach_map,
        ),
        Resource(
            slug="chiefs",
            viewset=rivers.ChiefViewSet,
            api_basename="chief",
            label=_("河长"),
            title=_("河长名录"),
            columns=(
                "name",
                "role",
                "title",
                "unit",
                "region_name",
                "phone",
                "appointed_on",
                "serving",
            ),
            list_links=((_("台账导入"), "ledger-import"),),
            related=(Related("patrols", lookup="chief", param="chief", table=False),),
            actions=(
                Action(
                    slug="relieve",
                    label=_("免职"),
                    serializer=river_serializers.ChiefRelieveSerializer,
                    service=_relieve,
                    available=lambda chief: chief.relieved_on is None,
                    done_message=_("已免职，名录中保留其任职记录。"),
                ),
                Action(
                    slug="replace",
                    label=_("换任"),
                    serializer=river_serializers.ChiefReplaceSerializer,
                    service=_replace,
                    available=lambda chief: chief.relieved_on is None,
                    done_message=_("继任者已接任，原河长的任职记录保留。"),
                ),
            ),
        ),
        Resource(
            slug="signs",
            viewset=rivers.SignViewSet,
            api_basename="sign",
            label=_("河长公示牌"),
            title=_("河长公示牌"),
            columns=("code", "reach_name", "updated_on", "lat", "lon"),
            list_links=(
                (_("台账导入"), "ledger-import-signs"),
                (_("二维码打印"), "public-signs-print"),
            ),
            related=(Related("sign-updates", lookup="sign", param="sign", label=_("更新记录")),),
            place=places.positioned_map,
        ),
        Resource(
            slug="outfalls",
            viewset=rivers.OutfallViewSet,
            api_basename="outfall",
            label=_("入河排污口"),
            title=_("入河排污口"),
            columns=("name", "kind", "reach_name", "lat", "lon"),
            list_links=((_("台账导入"), "ledger-import-outfalls"),),
            related=(Related("outfall-checks", lookup="outfall", param="outfall"),),
            place=places.positioned_map,
        ),
        Resource(
            slug="facilities",
            viewset=rivers.FacilityViewSet,
            api_basename="facility",
            label=_("涉河设施"),
            title=_("涉河设施"),
            columns=("name", "kind", "reach_name", "lat", "lon"),
            list_links=((_("台账导入"), "ledger-import-facilities"),),
            related=(Related("facility-checks", lookup="facility", param="facility"),),
            place=places.positioned_map,
        ),
        # 一河一策: the plan's page shows its tasks, with their own forms (views_river_plans).
        Resource(
            slug="river-plans",
            viewset=api_plans.RiverPlanViewSet,
            api_basename="river-plan",
            label=_("一河一策方案"),
            title=_("一河一策"),
            columns=(
                "title",
                "river_name",
                "start_year",
                "end_year",
                "task_count",
                "open_tasks",
                "overdue_tasks",
            ),
            form_exclude=("tasks",),
            list_links=((_("未完成任务"), "workbench:river-plan-tasks"),),
            detail_template="workbench/river_plan_detail.html",
        ),
        Resource(
            slug="patrols",
            viewset=patrols.PatrolViewSet,
            api_basename="patrol",
            label=_("巡河记录"),
            title=_("巡河记录"),
            columns=("started_at", "chief_name", "reach_name", "distance_km", "valid"),
            read_only=True,
            detail_template="workbench/patrol_detail.html",
            place=places.patrol_map,
        ),
        Resource(
            slug="patrol-rules",
            viewset=patrols.PatrolRuleViewSet,
            api_basename="patrol-rule",
            label=_("巡河规则"),
            title=_("巡河规则"),
            columns=(
                "role",
                "period",
                "min_count",
                "min_minutes",
                "min_km",
                "months",
                "valid_from",
                "valid_to",
            ),
        ),
        # Verified on site through the API (the phone); here the office sees what is left to
        # check (?verdict=pending, linked from the home page) and what was found.
        Resource(
            slug="map-patches",
            viewset=map_patches.MapPatchViewSet,
            api_basename="map-patch",
            label=_("图斑"),
            title=_("图斑复核"),
            columns=(
                "patch_id",
                "batch_name",
                "region_name",
                "verdict",
                "checked_at",
                "issue_code",
            ),
            read_only=True,
        ),
        Resource(
            slug="publicity-events",
            viewset=activities.PublicityEventViewSet,
            api_basename="publicity-event",
            label=_("宣传活动"),
            title=_("宣传活动"),
            columns=(*ACTIVITY_COLUMNS, "channel", "venues", "participants", "leaflets"),
        ),
        Resource(
            slug="cleanups",
            viewset=activities.CleanupViewSet,
            api_basename="cleanup",
            label=_("河道清理"),
            title=_("河道清理"),
            columns=(*ACTIVITY_COLUMNS, "campaign", "garbage_t", "participants"),
        ),
        Resource(
            slug="meetings",
            viewset=activities.MeetingViewSet,
            api_basename="meeting",
            label=_("会议培训"),
            title=_("会议培训"),
            columns=(*ACTIVITY_COLUMNS, "kind", "attendees"),
        ),
        Resource(
            slug="inspections",
            viewset=activities.InspectionViewSet,
            api_basename="inspection",
            label=_("督查"),
            title=_("督查"),
            columns=(*ACTIVITY_COLUMNS, "inspector", "topics", "problems_found"),
        ),
        Resource(
            slug="sign-updates",
            viewset=activities.SignUpdateViewSet,
            api_basename="sign-update",
            label=_("公示牌更新"),
            title=_("公示牌更新"),
            columns=("date", "sign_code", "reach_name", "region_name", "created_by"),
        ),
        Resource(
            slug="outfall-checks",
            viewset=activities.OutfallCheckViewSet,
            api_basename="outfall-check",
            label=_("排污口排查"),
            title=_("排污口排查"),
            columns=("date", "outfall_name", "outfall_kind", "reach_name", "result", "issue_code"),
        ),
        Resource(
            slug="facility-checks",
            viewset=activities.FacilityCheckViewSet,
            api_basename="facility-check",
            label=_("设施排查"),
            title=_("设施排查"),
            columns=(
                "date",
                "facility_name",
                "facility_kind",
                "reach_name",
                "result",
                "issue_code",
            ),
        ),
        Resource(
            slug="accounts",
            viewset=AccountViewSet,
            api_basename="account",
            label=_("账号"),
            title=_("账号"),
            columns=("username", "first_name", "role", "region_name", "is_active", "last_login"),
            read_roles=OFFICE_ROLES,
            write_roles=OFFICE_ROLES,
            delete_label=_("停用"),
        ),
    ]
}


def resource_for_model(model) -> Resource | None:
    for resource in RESOURCES.values():
        if resource.model is model:
            return resource
    return None
