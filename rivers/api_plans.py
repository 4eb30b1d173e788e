"""The river plans' API (shared/API.md `river-plans/`): a plan with its tasks nested.

Tasks are written in the plan's payload: an item with an ``id`` updates that task of the plan,
one without adds a task; a task left out is kept (a task is marked done, never removed).
``progress`` reads as the latest progress note; a ``progress`` that says something new appends a
dated note (``notes`` lists them all).
"""

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.filters import RegionFilterSet
from accounts.models import Region
from accounts.roles import OFFICE_ROLES, REGION_READERS
from core.fields import ScopedPrimaryKeyRelatedField
from core.renderers import no_spreadsheet
from core.views import ScopedModelViewSet

from . import selectors, services_plans
from .models import River, RiverPlan, RiverPlanTask, TaskStatus


class ResponsibleSerializer(serializers.Serializer):
    """Who answers for a task: a region, a department named in words, or both."""

    region = ScopedPrimaryKeyRelatedField(
        source="responsible_region",
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        label=_("责任区域"),
    )
    unit = serializers.CharField(
        source="responsible_unit",
        max_length=100,
        required=False,
        allow_blank=True,
        label=_("责任单位"),
    )
    name = serializers.CharField(source="responsible", read_only=True, label=_("责任主体"))


class TaskNoteSerializer(serializers.Serializer):
    at = serializers.DateTimeField(read_only=True, label=_("时间"))
    by = serializers.SerializerMethodField(label=_("填写人"))
    text = serializers.CharField(read_only=True, label=_("进展情况"))

    def get_by(self, note) -> str:
        if note.by is None:
            return ""
        return note.by.get_full_name() or note.by.get_username()


class RiverPlanTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False, label=_("任务编号"), help_text=_("修改已有任务时填写；新增任务不填。")
    )
    title = serializers.CharField(max_length=300, required=False, label=_("任务"))
    responsible = ResponsibleSerializer(
        source="*",
        required=False,
        label=_("责任主体"),
        help_text=_('{"region": 区域id, "unit": "责任单位"}，至少填写一项。'),
    )
    due = serializers.DateField(required=False, label=_("完成时限"))
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False, label=_("状态"))
    progress = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        label=_("最新进展"),
        help_text=_("填写新的进展即追加一条带日期的进展记录。"),
    )
    overdue = serializers.SerializerMethodField(label=_("已超期"))
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True, label=_("完成时间"))
    notes = TaskNoteSerializer(many=True, read_only=True, label=_("进展记录"))

    def get_overdue(self, task: RiverPlanTask) -> bool:
        return task.overdue_on(timezone.localdate())

    def validate(self, attrs):
        if attrs.get("id") is None:
            # A new task: what it is and by when.
            missing = {
                name: [_("新增任务须填写此项。")] for name in ("title", "due") if name not in attrs
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class RiverPlanSerializer(serializers.ModelSerializer):
    river = ScopedPrimaryKeyRelatedField(queryset=River.objects.all(), label=_("河流"))
    river_name = serializers.CharField(source="river.name", read_only=True, label=_("河流名称"))
    tasks = RiverPlanTaskSerializer(many=True, required=False, label=_("任务"))
    task_count = serializers.SerializerMethodField(label=_("任务数"))
    open_tasks = serializers.SerializerMethodField(label=_("未完成"))
    overdue_tasks = serializers.SerializerMethodField(label=_("已超期"))

    class Meta:
        model = RiverPlan
        fields = [
            "id",
            "river",
            "river_name",
            "title",
            "start_year",
            "end_year",
            "problems",
            "goals",
            "tasks",
            "task_count",
            "open_tasks",
            "overdue_tasks",
        ]

    # The counts read the prefetched tasks (selectors.river_plan_list): no query per plan.
    def get_task_count(self, plan: RiverPlan) -> int:
        return len(plan.tasks.all())

    def get_open_tasks(self, plan: RiverPlan) -> int:
        return sum(1 for task in plan.tasks.all() if task.status != TaskStatus.DONE)

    def get_overdue_tasks(self, plan: RiverPlan) -> int:
        today = timezone.localdate()
        return sum(1 for task in plan.tasks.all() if task.overdue_on(today))


class RiverPlanFilter(RegionFilterSet):
    """``?year=`` plans whose span covers it; ``?status=`` plans with a task of that status;
    ``?overdue=true`` plans with a task past due; ``?date_from``/``?date_to`` plans whose years
    meet the period."""

    year = django_filters.NumberFilter(method="filter_year", label=_("年度"))
    status = django_filters.ChoiceFilter(
        choices=TaskStatus.choices, method="filter_status", label=_("任务状态")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("有超期任务"))
    date_from = django_filters.DateFilter(method="filter_date_from", label=_("开始日期（含）"))
    date_to = django_filters.DateFilter(method="filter_date_to", label=_("结束日期（含）"))

    class Meta:
        model = RiverPlan
        fields = ["river"]

    def filter_year(self, queryset, name, value):
        return queryset.filter(start_year__lte=value, end_year__gte=value)

    def filter_status(self, queryset, name, value):
        return queryset.filter(pk__in=RiverPlanTask.objects.filter(status=value).values("plan"))

    def filter_overdue(self, queryset, name, value):
        late = RiverPlanTask.objects.overdue(timezone.localdate()).values("plan")
        return queryset.filter(pk__in=late) if value else queryset.exclude(pk__in=late)

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(end_year__gte=value.year)

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(start_year__lte=value.year)


# No ?format=xlsx: a plan is its problems, goals and tasks with their notes, which a row of
# counts would not carry; it is to be printed with the river file (一河一档) through the one
# document pipeline (issue 17, point 4).
NO_SPREADSHEET = no_spreadsheet()


class RiverPlanViewSet(ScopedModelViewSet):
    """一河一策: the office (and admins) of the region managing the river write a plan; every
    reader of a region the river is in reads it."""

    renderer_classes = NO_SPREADSHEET
    selector = selectors.river_plan_list
    create_service = services_plans.river_plan_create
    update_service = services_plans.river_plan_update
    serializer_class = RiverPlanSerializer
    filterset_class = RiverPlanFilter
    read_roles = REGION_READERS
    write_roles = OFFICE_ROLES
    search_fields = ["title", "river__name"]
    ordering_fields = ["start_year", "end_year", "title", "river__code"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_editable_queryset(self) -> QuerySet:
        return selectors.river_plan_managed(user=self.request.user)

    def _check_river(self, serializer) -> None:
        # Only a river the account's region manages, not one merely flowing through it.
        river = serializer.validated_data.get("river")
        if (
            river is not None
            and not selectors.river_managed(user=self.request.user).filter(pk=river.pk).exists()
        ):
            raise serializers.ValidationError({"river": [_("只能为本区域管理的河流制定方案。")]})

    def perform_create(self, serializer) -> None:
        self._check_river(serializer)
        super().perform_create(serializer)
        # Answer with the tasks as they now are (and their notes).
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_update(self, serializer) -> None:
        self._check_river(serializer)
        super().perform_update(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)
