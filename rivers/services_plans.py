"""Writes of the river plans (一河一策): a plan, its tasks and their progress notes, each audited.

A plan covers a span of years; its tasks fall due within it (or, late, in the year after: a
plan's last tasks are often checked early the next year). Tasks are never removed: a task is
marked done, and its notes are a dated trail that is only appended to.
"""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region, User
from audit.models import AuditAction
from audit.services import audit_record, created, diff, snapshot
from core.exceptions import StateConflict
from core.services import model_create, model_update

from .models import River, RiverPlan, RiverPlanTask, RiverPlanTaskNote, TaskStatus

# A plan's span, as river plans are written (三年/五年行动方案): at most this many years.
MAX_PLAN_YEARS = 10
# A task may fall due this many years after the plan's last year, no later.
DUE_GRACE_YEARS = 1

TASK_FIELDS = ("title", "responsible_region", "responsible_unit", "due", "status")


def _check_years(*, start_year: int, end_year: int) -> None:
    if end_year < start_year:
        raise ValidationError({"end_year": [_("截止年度不能早于起始年度。")]})
    if end_year - start_year + 1 > MAX_PLAN_YEARS:
        raise ValidationError(
            {"end_year": [_("方案年限不能超过%(n)s年。") % {"n": MAX_PLAN_YEARS}]}
        )


def _check_no_overlap(
    *, river: River, start_year: int, end_year: int, instance: RiverPlan | None = None
) -> None:
    """One plan per river for any year: a new plan starts after the last one ends."""
    others = RiverPlan.objects.filter(
        river=river, start_year__lte=end_year, end_year__gte=start_year
    )
    if instance is not None:
        others = others.exclude(pk=instance.pk)
    other = others.order_by("start_year").first()
    if other is not None:
        raise ValidationError(
            {
                "start_year": [
                    _("%(river)s在%(start)s—%(end)s年已有方案《%(title)s》，年度不能重叠。")
                    % {
                        "river": river.name,
                        "start": other.start_year,
                        "end": other.end_year,
                        "title": other.title,
                    }
                ]
            }
        )


def _check_due(*, due: datetime.date, start_year: int, end_year: int, field: str = "due") -> None:
    last_year = end_year + DUE_GRACE_YEARS
    if not start_year <= due.year <= last_year:
        raise ValidationError(
            {
                field: [
                    _(
                        "完成时限（%(due)s）应在方案年度%(start)s—%(end)s年内，"
                        "最迟不超过%(last)s年底。"
                    )
                    % {"due": due, "start": start_year, "end": end_year, "last": last_year}
                ]
            }
        )


def _check_responsible(*, region: Region | None, unit: str, field: str = "responsible") -> None:
    if region is None and not unit.strip():
        raise ValidationError({field: [_("请填写责任区域或责任单位。")]})


def _completed_at(status: str, before: datetime.datetime | None) -> datetime.datetime | None:
    if status != TaskStatus.DONE:
        return None
    return before or timezone.now()


def _audit_created(*, user: User, obj) -> None:
    audit_record(user=user, action=AuditAction.CREATE, obj=obj, changes=created(obj))


@transaction.atomic
def river_plan_create(
    *,
    user: User,
    river: River,
    title: str,
    start_year: int,
    end_year: int,
    problems: str = "",
    goals: str = "",
    tasks: Iterable[Mapping[str, Any]] = (),
) -> RiverPlan:
    _check_years(start_year=start_year, end_year=end_year)
    _check_no_overlap(river=river, start_year=start_year, end_year=end_year)
    plan = model_create(
        model=RiverPlan,
        data={
            "river": river,
            "title": title,
            "start_year": start_year,
            "end_year": end_year,
            "problems": problems,
            "goals": goals,
        },
    )
    _audit_created(user=user, obj=plan)
    _write_tasks(user=user, plan=plan, tasks=tasks)
    return plan


@transaction.atomic
def river_plan_update(
    *,
    instance: RiverPlan,
    user: User,
    tasks: Iterable[Mapping[str, Any]] | None = None,
    **data,
) -> RiverPlan:
    """Change the plan; ``tasks`` (as the API writes them) updates the listed tasks that carry
    an ``id`` and adds those without one. A task left out is kept."""
    start_year = data.get("start_year", instance.start_year)
    end_year = data.get("end_year", instance.end_year)
    river = data.get("river", instance.river)
    _check_years(start_year=start_year, end_year=end_year)
    _check_no_overlap(river=river, start_year=start_year, end_year=end_year, instance=instance)
    if (start_year, end_year) != (instance.start_year, instance.end_year):
        # The tasks already set must still fall within the new span.
        for task in instance.tasks.all():
            _check_due(due=task.due, start_year=start_year, end_year=end_year, field="end_year")
    before = snapshot(instance)
    plan = model_update(instance=instance, data=data)
    changes = diff(before, snapshot(plan))
    if changes:
        audit_record(user=user, action=AuditAction.UPDATE, obj=plan, changes=changes)
    if tasks is not None:
        _write_tasks(user=user, plan=plan, tasks=tasks)
    return plan


def _write_tasks(*, user: User, plan: RiverPlan, tasks: Iterable[Mapping[str, Any]]) -> None:
    """The nested tasks of a plan's payload: with an ``id``, an update of that task of this
    plan; without, a new task. A field an item leaves out is left as it is."""
    existing = {task.pk: task for task in plan.tasks.all()}
    for number, item in enumerate(tasks, start=1):
        item = dict(item)
        pk = item.pop("id", None)
        progress = item.pop("progress", "")
        try:
            if pk is None:
                river_plan_task_add(user=user, plan=plan, progress=progress, **item)
                continue
            task = existing.get(pk)
            if task is None:
                raise ValidationError(_("任务 %(id)s 不属于该方案。") % {"id": pk})
            river_plan_task_update(user=user, task=task, progress=progress, **item)
        except ValidationError as error:
            # Said of the item it concerns: "第2项任务：…".
            raise ValidationError(
                {
                    "tasks": [
                        _("第%(n)s项任务：%(message)s") % {"n": number, "message": message}
                        for message in error.messages
                    ]
                }
            ) from error


@transaction.atomic
def river_plan_task_add(
    *,
    user: User,
    plan: RiverPlan,
    title: str,
    due: datetime.date,
    responsible_region: Region | None = None,
    responsible_unit: str = "",
    status: str = TaskStatus.PLANNED,
    progress: str = "",
) -> RiverPlanTask:
    _check_responsible(region=responsible_region, unit=responsible_unit)
    _check_due(due=due, start_year=plan.start_year, end_year=plan.end_year)
    task = model_create(
        model=RiverPlanTask,
        data={
            "plan": plan,
            "title": title,
            "due": due,
            "responsible_region": responsible_region,
            "responsible_unit": responsible_unit.strip(),
            "status": status,
            "completed_at": _completed_at(status, None),
        },
    )
    _audit_created(user=user, obj=task)
    if progress.strip():
        river_plan_task_note_add(user=user, task=task, text=progress)
    return task


@transaction.atomic
def river_plan_task_update(
    *, user: User, task: RiverPlanTask, progress: str = "", **data
) -> RiverPlanTask:
    """Change a task; a status of done stamps ``completed_at`` (kept if it was done already),
    any other status clears it. ``progress``: a note to append, when it says something new."""
    unknown = set(data) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"unknown task fields: {sorted(unknown)}")
    region = data.get("responsible_region", task.responsible_region)
    unit = data.get("responsible_unit", task.responsible_unit)
    _check_responsible(region=region, unit=unit)
    if "due" in data:
        _check_due(due=data["due"], start_year=task.plan.start_year, end_year=task.plan.end_year)
    if "responsible_unit" in data:
        data["responsible_unit"] = data["responsible_unit"].strip()
    if "status" in data:
        data["completed_at"] = _completed_at(data["status"], task.completed_at)
    before = snapshot(task)
    task = model_update(instance=task, data=data)
    changes = diff(before, snapshot(task))
    if changes:
        audit_record(user=user, action=AuditAction.UPDATE, obj=task, changes=changes)
    if progress.strip() and progress.strip() != _latest_note_text(task):
        river_plan_task_note_add(user=user, task=task, text=progress)
    return task


def _latest_note_text(task: RiverPlanTask) -> str:
    note = task.notes.order_by("-at", "-pk").first()
    return note.text if note is not None else ""


@transaction.atomic
def river_plan_task_note_add(*, user: User, task: RiverPlanTask, text: str) -> RiverPlanTaskNote:
    """Append a dated line of progress; the trail is never edited."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": [_("请填写进展情况。")]})
    note = model_create(model=RiverPlanTaskNote, data={"task": task, "by": user, "text": text})
    audit_record(
        user=user, action=AuditAction.CREATE, obj=note, changes=created(note, fields=["text"])
    )
    return note


@transaction.atomic
def river_plan_task_done(*, user: User, task: RiverPlanTask, note: str = "") -> RiverPlanTask:
    """Mark a task done (409 if it is already), with an optional closing note."""
    if task.status == TaskStatus.DONE:
        raise StateConflict(_("该任务已完成。"))
    return river_plan_task_update(user=user, task=task, status=TaskStatus.DONE, progress=note)
