"""一河一策 pages beyond the registry's list and detail: a plan's tasks added and updated, progress
notes appended, and the list of open tasks (the office's to-do links its overdue ones).

Writes go through ``rivers.services_plans``; only the office (and admins) of the region that
manages the plan's river may write, as on the API; a plan outside the account's region is not
found.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Region, User
from core.exceptions import StateConflict
from core.forms import form_show_errors
from core.pagination import CappedPaginator
from core.pickers import use_picker
from rivers import selectors as river_selectors
from rivers import services_plans
from rivers.models import RiverPlan, RiverPlanTask, TaskStatus

from .registry import RESOURCES

PAGE_SIZE = 25
SLUG = "river-plans"


class TaskForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("任务"), max_length=300)
    responsible_unit = forms.CharField(
        label=gettext_lazy("责任单位"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("牵头部门，如区水利局；与责任区域至少填写一项。"),
    )
    responsible_region = forms.ModelChoiceField(
        label=gettext_lazy("责任区域"), queryset=Region.objects.none(), required=False
    )
    due = forms.DateField(
        label=gettext_lazy("完成时限"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"), choices=TaskStatus.choices, initial=TaskStatus.PLANNED
    )
    progress = forms.CharField(
        label=gettext_lazy("进展情况"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("填写后追加一条带日期的进展记录。"),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_region"].queryset = Region.objects.visible_to(user)
        use_picker(self.fields["responsible_region"])


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("进展情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def can_write_plans(user: User) -> bool:
    return RESOURCES[SLUG].can_write(user)


def _plan(request: HttpRequest, pk: int, *, write: bool) -> RiverPlan:
    user = request.user
    plan = get_object_or_404(river_selectors.river_plan_list(user=user), pk=pk)
    if write and not (
        can_write_plans(user)
        and river_selectors.river_plan_managed(user=user).filter(pk=plan.pk).exists()
    ):
        raise PermissionDenied(_("只有管理该河流的河长办可以修改方案。"))
    return plan


def _task(plan: RiverPlan, task_pk: int) -> RiverPlanTask:
    return get_object_or_404(plan.tasks.all(), pk=task_pk)


def _to_plan(plan: RiverPlan, task: RiverPlanTask | None = None):
    response = redirect("workbench:detail", SLUG, plan.pk)
    if task is not None:
        response["Location"] += f"#task-{task.pk}"
    return response


def _form_page(request, plan, form, *, task=None, status=200) -> HttpResponse:
    return render(
        request,
        "workbench/river_plan_task_form.html",
        {"resource": RESOURCES[SLUG], "obj": plan, "form": form, "task": task},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_task_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk, write=True)
    user = request.user
    if request.method == "GET":
        return _form_page(request, plan, TaskForm(user=user))
    form = TaskForm(request.POST, user=user)
    if form.is_valid():
        try:
            task = services_plans.river_plan_task_add(user=user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            form_show_errors(form, error)
        else:
            messages.success(request, _("已新增任务：%(title)s") % {"title": task.title})
            return _to_plan(plan, task)
    return _form_page(request, plan, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def plan_task_edit(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    plan = _plan(request, pk, write=True)
    task = _task(plan, task_pk)
    user = request.user
    if request.method == "GET":
        initial = {
            "title": task.title,
            "responsible_unit": task.responsible_unit,
            "responsible_region": task.responsible_region_id,
            "due": task.due,
            "status": task.status,
        }
        return _form_page(request, plan, TaskForm(user=user, initial=initial), task=task)
    form = TaskForm(request.POST, user=user)
    if form.is_valid():
        try:
            services_plans.river_plan_task_update(user=user, task=task, **form.cleaned_data)
        except ValidationError as error:
            form_show_errors(form, error)
        else:
            messages.success(request, _("已保存任务：%(title)s") % {"title": task.title})
            return _to_plan(plan, task)
    return _form_page(request, plan, form, task=task, status=400)


@login_required
@require_POST
def plan_task_note(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    """The note box under each task on the plan's page."""
    plan = _plan(request, pk, write=True)
    task = _task(plan, task_pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services_plans.river_plan_task_note_add(
                user=request.user, task=task, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, _("已记录进展。"))
    else:
        messages.error(request, _("请填写进展情况。"))
    return _to_plan(plan, task)


@login_required
@require_POST
def plan_task_status(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    """The status select beside each task on the plan's page."""
    plan = _plan(request, pk, write=True)
    task = _task(plan, task_pk)
    status = request.POST.get("status", "")
    if status not in TaskStatus.values:
        messages.error(request, _("请选择任务状态。"))
        return _to_plan(plan, task)
    try:
        services_plans.river_plan_task_update(user=request.user, task=task, status=status)
    except (ValidationError, StateConflict) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("任务“%(title)s”已改为%(status)s。")
            % {"title": task.title, "status": TaskStatus(status).label},
        )
    return _to_plan(plan, task)


@login_required
def open_tasks(request: HttpRequest) -> HttpResponse:
    """The river plans' tasks not done yet, soonest due first; ``?overdue=true``: only those past
    their due date (the office's to-do links here)."""
    if not RESOURCES[SLUG].can_read(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    overdue = request.GET.get("overdue") == "true"
    tasks = river_selectors.river_plan_open_tasks(
        user=request.user, overdue_on=today if overdue else None
    )
    page = CappedPaginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workbench/river_plan_tasks.html",
        {
            "resource": RESOURCES[SLUG],
            "page": page,
            "overdue": overdue,
            "today": today,
        },
    )
