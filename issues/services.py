"""Writes for issues: report one, then move it through the workflow table on a locked row."""

import datetime
import uuid as uuid_lib
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Region, Role, User
from accounts.roles import OFFICE_ROLES
from audit.models import AuditAction
from audit.services import audit_record, created, diff, snapshot
from calendars.selectors import (
    deadline_working_days,
    default_deadline_checked,
    working_days_between,
)
from calendars.workdays import WorkCalendar
from core.exceptions import StateConflict
from core.models import JOB_FIELDS
from core.photos import CheckedPhoto, PhotoError, check_photo
from core.services import model_update
from notifications.models import NotificationKind
from rivers.models import Reach

from .documents import supervision_order_queue
from .models import (
    Issue,
    IssueDeadline,
    IssueEvent,
    IssuePhoto,
    IssueSequence,
    IssueStatus,
    PhotoStage,
    SupervisionOrder,
    SupervisionOrderSequence,
    VoidReason,
)
from .notices import assignee_label, notify_assignees, notify_office
from .selectors import street_of
from .workflow import (
    DEADLINE_EDITABLE,
    EDIT,
    EDITABLE,
    REPORT,
    TRANSITIONS,
    allowed_actions,
)

# Where the work is in the assignee's hands (the statuses the office may remind): the morning job
# reminds and supervises only these; an issue awaiting acceptance waits on the office.
ASSIGNEE_AT_WORK = TRANSITIONS["remind"].sources & TRANSITIONS["escalate"].sources
# Which workflow actions tell the assignee, and as what.
ACTION_NOTICES = {
    "assign": NotificationKind.ASSIGNED,
    "remind": NotificationKind.REMIND,
    "escalate": NotificationKind.SUPERVISION,
    "void": NotificationKind.VOIDED,
    "reject": NotificationKind.RETURNED,
}
# What the office of the issue's region is told after an action (the actor excepted).
OFFICE_NOTICES = {
    "submit": NotificationKind.AWAITING_ACCEPTANCE,
}
# What the deadline history calls a deadline set outside the workflow.
DEADLINE_EDIT = "edit"


def _deadline_record(
    *,
    issue: Issue,
    action: str,
    user: User | None,
    event: IssueEvent | None = None,
) -> IssueDeadline:
    """Add the issue's deadline, as it now stands, to its history (never rewrites a row)."""
    return IssueDeadline.objects.create(
        issue=issue,
        deadline=issue.deadline,
        set_at=event.at if event is not None else timezone.now(),
        action=action,
        set_by=user,
        event=event,
    )


def _deadline_history_keep(*, issue: Issue, previous: datetime.date | None) -> None:
    """Before the first recorded change of a deadline set outside any service (an import, a
    bulk insert), write down the one it replaces as in force since the issue was reported:
    what the overdue queries assumed for every past day, so that their answer for those days
    does not change."""
    if previous is not None and not issue.deadlines.exists():
        IssueDeadline.objects.create(
            issue=issue,
            deadline=previous,
            set_at=issue.reported_at,
            action=DEADLINE_EDIT,
            set_by=None,
        )


def _deadline_count(*, issue: Issue, start: datetime.date) -> None:
    """Give ``issue`` the rules' deadline counted from ``start``, flagged provisional when the
    count reaches into a year whose holidays are not entered (calendars)."""
    counted = default_deadline_checked(
        category=issue.category, urgency=issue.urgency, reported_on=start
    )
    issue.deadline = counted.date
    issue.deadline_counted_from = start
    issue.deadline_provisional = counted.provisional


def _deadline_by_hand(*, issue: Issue, deadline: datetime.date) -> None:
    """A deadline a person chose: theirs, not counted, so never provisional."""
    issue.deadline = deadline
    issue.deadline_counted_from = None
    issue.deadline_provisional = False


DEADLINE_RECOUNT = "recount"
DEADLINE_COUNT_FIELDS = ["deadline", "deadline_counted_from", "deadline_provisional"]


@transaction.atomic
def provisional_deadlines_recount(*, year: int | None = None) -> int:
    """Count again every provisional deadline (counted past the holidays entered) now that the
    calendar has more: those of issues still in the assignee's hands get the new date (added
    to the deadline history, so the overdue figures keep the old one for the days it held) and
    lose the flag once their count is covered. Called when a year is entered
    (``calendars.signals.holiday_year_loaded``); ``year`` is that year, for the record only.
    How many deadlines moved."""
    calendar = WorkCalendar()
    rules: dict[tuple[str, str], int] = {}
    moved = 0
    issues = Issue.objects.select_for_update().filter(deadline_provisional=True).order_by("pk")
    for issue in issues:
        if issue.status not in ASSIGNEE_AT_WORK or issue.deadline_counted_from is None:
            # Done with, or no longer the rules' count: nothing left to review.
            issue.deadline_provisional = False
            issue.save(update_fields=["deadline_provisional"])
            continue
        key = (issue.category, issue.urgency)
        if key not in rules:
            rules[key] = deadline_working_days(category=issue.category, urgency=issue.urgency)
        counted = calendar.deadline(issue.deadline_counted_from, rules[key])
        before = snapshot(issue, fields=DEADLINE_COUNT_FIELDS)
        previous = issue.deadline
        issue.deadline, issue.deadline_provisional = counted.date, counted.provisional
        issue.save(update_fields=["deadline", "deadline_provisional"])
        if previous != counted.date:
            moved += 1
            _deadline_history_keep(issue=issue, previous=previous)
            _deadline_record(issue=issue, action=DEADLINE_RECOUNT, user=None)
        audit_record(
            system=True,
            action=AuditAction.UPDATE,
            obj=issue,
            changes=diff(before, snapshot(issue, fields=DEADLINE_COUNT_FIELDS)),
            detail={"holiday_year": year} if year else {},
        )
    return moved


def _next_code(*, region: Region, year: int) -> str:
    street = street_of(region)
    sequence, _created = IssueSequence.objects.select_for_update().get_or_create(
        street=street, year=year
    )
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{street.code}-{year}-{sequence.last:04d}"


@transaction.atomic
def issue_report(
    *,
    user: User | None,
    title: str,
    category: str,
    source: str,
    description: str = "",
    urgency: str = "normal",
    reach: Reach | None = None,
    region: Region | None = None,
    lat: Decimal | None = None,
    lon: Decimal | None = None,
    reported_at: datetime.datetime | None = None,
    patrol=None,
    finding=None,
    deadline: datetime.date | None = None,
    client_key: uuid_lib.UUID | None = None,
) -> Issue:
    """Record a new issue (status reported) with the first line of its timeline; a
    ``deadline`` given now starts its deadline history. ``client_key``: see
    ``issue_report_once``. The apps that open issues from their own records (a patrol's
    finding, a map patch, a public report) call this, then ``issue_photos_share`` or
    ``issue_photo_store`` for the pictures."""
    region = reach.region if reach is not None else region
    if region is None:
        raise ValidationError({"reach": [_("请选择河段或所在区域。")]})
    reported_at = reported_at or timezone.now()
    if reported_at > timezone.now() + datetime.timedelta(minutes=10):
        raise ValidationError({"reported_at": [_("发现时间不能晚于当前时间。")]})
    issue = Issue(
        code=_next_code(region=region, year=timezone.localdate(reported_at).year),
        title=title,
        description=description,
        category=category,
        source=source,
        urgency=urgency,
        region=region,
        reach=reach,
        lat=lat,
        lon=lon,
        reported_at=reported_at,
        patrol=patrol,
        finding=finding,
        deadline=deadline,
        created_by=user,
        client_key=client_key,
    )
    issue.full_clean()
    issue.save()
    event = IssueEvent.objects.create(
        issue=issue,
        by=user,
        action=REPORT,
        from_status="",
        to_status=IssueStatus.REPORTED,
        deadline=deadline,
    )
    if deadline is not None:
        _deadline_record(issue=issue, action=REPORT, user=user, event=event)
    audit_record(user=user, action=AuditAction.CREATE, obj=issue, changes=created(issue))
    return issue


def issue_report_once(
    *, user: User, client_key: uuid_lib.UUID | None = None, **data: Any
) -> tuple[Issue, bool]:
    """``issue_report`` that a client may retry: the issue and whether it is new.

    The client makes ``client_key`` (a UUID): a clerk or a phone that lost the answer (a
    timeout) sends the same issue again and gets the first one back instead of a second issue,
    as ``patrols.services.patrol_submit`` does with the patrol's uuid. Without a key every call
    is a new issue.
    """
    if client_key is None:
        return issue_report(user=user, **data), True
    existing = _issue_with_key(user=user, client_key=client_key)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return issue_report(user=user, client_key=client_key, **data), True
    except IntegrityError:
        # The same issue sent twice at once: the other request won; answer with its issue.
        existing = _issue_with_key(user=user, client_key=client_key)
        if existing is None:
            raise
        return existing, False


def _issue_with_key(*, user: User, client_key: uuid_lib.UUID) -> Issue | None:
    issue = Issue.objects.filter(client_key=client_key).first()
    if issue is None:
        return None
    if not Issue.objects.visible_to(user).filter(pk=issue.pk).exists():
        raise StateConflict(_("该客户端编号已被其他问题使用。"))
    return issue


@transaction.atomic
def issue_update(*, instance: Issue, user: User, **data) -> Issue:
    """Correct what was reported (title, description, category, place); the status moves only
    through ``issue_act``. A deadline changed here goes into the deadline history."""
    old_deadline = instance.deadline
    deadline_moved = "deadline" in data and data["deadline"] != old_deadline
    if deadline_moved and data["deadline"] is None:
        # The history holds dates only; a deadline once set can be moved, not taken away.
        raise ValidationError({"deadline": [_("整改时限设定后不能清空。")]})
    if deadline_moved:
        data = {**data, "deadline_counted_from": None, "deadline_provisional": False}
    before = snapshot(instance)
    issue = model_update(instance=instance, data=data)
    if deadline_moved:
        _deadline_history_keep(issue=issue, previous=old_deadline)
        _deadline_record(issue=issue, action=DEADLINE_EDIT, user=user)
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=issue, changes=diff(before, snapshot(issue))
    )
    return issue


# What the office may correct with an edit, in the order the timeline's line names them.
EDIT_FIELDS = (
    "title",
    "category",
    "source",
    "urgency",
    "description",
    "reach",
    "region",
    "lat",
    "lon",
    "reported_at",
    "deadline",
)


def issue_editable(*, issue: Issue, user: User) -> bool:
    """Whether ``user`` may edit ``issue`` now: the office, on an issue still open."""
    return user.effective_role in OFFICE_ROLES and issue.status in EDITABLE


def issue_deadline_editable(*, issue: Issue) -> bool:
    """Whether an edit may move the deadline itself (``workflow.DEADLINE_EDITABLE``)."""
    return issue.status in DEADLINE_EDITABLE


def _edit_words(issue: Issue, before: dict[str, Any], changed: list[str]) -> str:
    """The timeline's line for an edit: each field changed, old -> new, in the office's words
    (the description only as changed: it may be long)."""
    parts = []
    for name in changed:
        field = Issue._meta.get_field(name)
        label = str(field.verbose_name)
        if name == "description":
            parts.append(_("%(field)s已修改") % {"field": label})
            continue
        old, new = before[name], getattr(issue, name)
        if getattr(field, "choices", None):
            choices = dict(field.choices)
            old, new = choices.get(old, old), choices.get(new, new)
        parts.append(
            _("%(field)s：%(old)s → %(new)s")
            % {"field": label, "old": "—" if old in (None, "") else old, "new": new or "—"}
        )
    return "；".join(str(part) for part in parts)[:2000]


@transaction.atomic
def issue_edit(*, instance: Issue, user: User, **data: Any) -> Issue:
    """The office corrects or reclassifies an open issue: title, description, category, source,
    urgency, place (reach, region, position) and, where the workflow allows
    (``DEADLINE_EDITABLE``), the deadline, into its history. The row is locked; a closed or
    voided issue answers 409, another role 403. A reach given sets the region to the reach's.
    Audited with the old and new values, and the timeline gets a line saying what changed."""
    if user.effective_role not in OFFICE_ROLES:
        raise PermissionDenied(_("只有河长办可以编辑问题。"))
    # Locked and read again; the caller's object (with its annotations, e.g. ``overdue`` for
    # the API's answer) is the one changed and returned.
    Issue.objects.select_for_update().filter(pk=instance.pk).exists()
    instance.refresh_from_db()
    issue = instance
    if issue.status not in EDITABLE:
        raise StateConflict(
            _("问题%(status)s，不能再编辑。") % {"status": IssueStatus(issue.status).label}
        )
    unknown = set(data) - set(EDIT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("该项不能在编辑中修改。")] for name in sorted(unknown)})
    reach = data.get("reach", issue.reach)
    if reach is not None and ("reach" in data or "region" in data):
        # On a reach, the issue is where the reach is.
        data["region"] = reach.region
    old_deadline = issue.deadline
    deadline_moved = "deadline" in data and data["deadline"] != old_deadline
    if not deadline_moved:
        data.pop("deadline", None)
    elif not issue_deadline_editable(issue=issue):
        raise ValidationError(
            {
                "deadline": [
                    _("问题当前状态为“%(status)s”，整改时限不能直接修改：请通过交办或督办设定。")
                    % {"status": IssueStatus(issue.status).label}
                ]
            }
        )
    elif data["deadline"] is None:
        raise ValidationError({"deadline": [_("整改时限设定后不能清空。")]})
    elif data["deadline"] < timezone.localdate(data.get("reported_at") or issue.reported_at):
        raise ValidationError({"deadline": [_("整改时限不能早于发现日期。")]})
    before = snapshot(issue)
    old_values = {name: getattr(issue, name) for name in EDIT_FIELDS}
    if deadline_moved:
        data = {**data, "deadline_counted_from": None, "deadline_provisional": False}
    issue = model_update(instance=issue, data=data)
    changed = [name for name in EDIT_FIELDS if getattr(issue, name) != old_values[name]]
    if not changed:
        return issue
    event = IssueEvent.objects.create(
        issue=issue,
        by=user,
        action=EDIT,
        from_status=issue.status,
        to_status=issue.status,
        comment=_edit_words(issue, old_values, changed),
        deadline=issue.deadline if deadline_moved else None,
    )
    if deadline_moved:
        _deadline_history_keep(issue=issue, previous=old_deadline)
        _deadline_record(issue=issue, action=DEADLINE_EDIT, user=user, event=event)
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=issue, changes=diff(before, snapshot(issue))
    )
    return issue


def chief_in_charge(*, user: User, issue: Issue) -> bool:
    """A chief moves only the issues handed to it or to a region it answers for."""
    chief = user.chief
    return chief is not None and (
        issue.assignee_chief_id == chief.pk
        or Issue.objects.in_hands_of(chief).filter(pk=issue.pk).exists()
    )


def issue_actions_for(*, issue: Issue, user: User) -> list[str]:
    """The workflow actions ``user`` may take on ``issue`` now: what the page offers is what
    ``issue_act`` would accept (role, status, and for a chief, being in charge)."""
    role = user.effective_role
    if role == Role.CHIEF and not chief_in_charge(user=user, issue=issue):
        return []
    return allowed_actions(status=issue.status, role=role)


def _check_chief_in_charge(*, user: User, issue: Issue) -> None:
    if not chief_in_charge(user=user, issue=issue):
        raise PermissionDenied(_("该问题未交办给您。"))


def _resolve_assignee(*, assignee: dict | None, issue: Issue) -> dict:
    if not assignee:
        raise ValidationError({"assignee": [_("交办时必须指定责任社区、责任河长或责任部门。")]})
    fields = {"assignee_region": None, "assignee_chief": None, "assignee_unit": ""}
    if assignee.get("chief") is not None:
        fields["assignee_chief"] = assignee["chief"]
    elif assignee.get("region") is not None:
        fields["assignee_region"] = assignee["region"]
    elif assignee.get("unit"):
        fields["assignee_unit"] = assignee["unit"]
    else:
        raise ValidationError({"assignee": [_("交办时必须指定责任社区、责任河长或责任部门。")]})
    return fields


@transaction.atomic
def issue_act(
    *,
    issue_id: int,
    user: User,
    action: str,
    comment: str = "",
    deadline: datetime.date | None = None,
    assignee: dict | None = None,
    reason: str = "",
) -> Issue:
    """Apply one workflow action; the row is locked, so two people acting at once are served
    one after the other and the second sees the first's result (409 if it no longer fits).
    ``reason`` (a ``VoidReason``) is what ``void`` needs; a new deadline goes into the
    deadline history."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError({"action": [_("未知的操作。")]})
    issue = Issue.objects.select_for_update().get(pk=issue_id)
    role = user.effective_role
    if role not in transition.roles:
        raise PermissionDenied(_("您的角色不能执行此操作。"))
    if issue.status not in transition.sources:
        raise StateConflict(
            _("问题当前状态为“%(status)s”，不能执行此操作。")
            % {"status": IssueStatus(issue.status).label}
        )
    if role == Role.CHIEF:
        _check_chief_in_charge(user=user, issue=issue)
    if transition.needs_comment and not comment.strip():
        raise ValidationError({"comment": [_("请填写说明。")]})
    if transition.needs_reason and reason not in VoidReason.values:
        raise ValidationError({"reason": [_("请选择作废原因：重复上报、无效问题或不属于本辖区。")]})
    if transition.needs_deadline and deadline is None:
        raise ValidationError({"deadline": [_("请填写新的整改时限。")]})
    if deadline is not None and deadline < timezone.localdate(issue.reported_at):
        raise ValidationError({"deadline": [_("整改时限不能早于发现日期。")]})
    if transition.needs_after_photo and not issue.photos.filter(stage=PhotoStage.AFTER).exists():
        raise StateConflict(_("验收前须上传整改后照片。"))

    original_deadline = issue.deadline
    before = snapshot(issue)
    if transition.needs_assignee:
        for name, value in _resolve_assignee(assignee=assignee, issue=issue).items():
            setattr(issue, name, value)
        if deadline is not None:
            _deadline_by_hand(issue=issue, deadline=deadline)
        elif issue.deadline is None:
            _deadline_count(issue=issue, start=timezone.localdate(issue.reported_at))
    elif deadline is not None:
        _deadline_by_hand(issue=issue, deadline=deadline)
    if action == "escalate":
        issue.supervised = True
    if action == "refer":
        issue.referred = True
    from_status = issue.status
    if transition.target is not None:
        issue.status = transition.target
    issue.closed_at = timezone.now() if issue.status == IssueStatus.CLOSED else None
    if issue.status == IssueStatus.VOIDED:
        # Voided is not closed: it never counts as rectified, so closed_at stays empty.
        issue.void_reason = reason
        issue.voided_at = timezone.now()
    issue.full_clean()
    issue.save()
    event = IssueEvent.objects.create(
        issue=issue,
        by=user,
        action=action,
        from_status=from_status,
        to_status=issue.status,
        comment=comment,
        deadline=issue.deadline if (deadline or transition.needs_assignee) else None,
        reason=reason if transition.needs_reason else "",
    )
    if issue.deadline is not None and (issue.deadline != original_deadline or deadline):
        _deadline_history_keep(issue=issue, previous=original_deadline)
        _deadline_record(issue=issue, action=action, user=user, event=event)
    detail = {"comment": comment} if comment else {}
    if transition.needs_reason:
        detail["reason"] = reason
    audit_record(
        user=user,
        action=action,
        obj=issue,
        changes=diff(before, snapshot(issue)),
        detail=detail or None,
    )
    order = None
    if action == "escalate":
        order = _supervision_order_create(
            issue=issue,
            event=event,
            by=user,
            original_deadline=original_deadline,
            reason=comment.strip() or _default_reason(),
        )
    if action in ACTION_NOTICES:
        # In this transaction: a rolled-back action tells nobody, and emails leave on commit.
        notify_assignees(
            issue=issue,
            kind=ACTION_NOTICES[action],
            dedup_key=f"event:{event.pk}",
            actor=user,
            comment=comment,
            order=order,
        )
    if action in OFFICE_NOTICES:
        notify_office(
            issue=issue,
            kind=OFFICE_NOTICES[action],
            dedup_key=f"event:{event.pk}:office",
            actor=user,
            comment=comment,
        )
    return issue


def _default_reason() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("问题未按要求整改到位，予以督办。")


def _supervision_order_create(
    *,
    issue: Issue,
    event: IssueEvent,
    by: User | None,
    original_deadline: datetime.date | None,
    reason: str,
) -> SupervisionOrder:
    """The 督办单 of an escalation, numbered per street and year: 督办〔2024〕12号."""
    street = street_of(issue.region)
    issued_at = timezone.now()
    year = timezone.localdate(issued_at).year
    sequence, _created = SupervisionOrderSequence.objects.select_for_update().get_or_create(
        street=street, year=year
    )
    sequence.last += 1
    sequence.save(update_fields=["last"])
    with translation.override(settings.LANGUAGE_CODE):
        assignee = assignee_label(issue)
    order = SupervisionOrder.objects.create(
        issue=issue,
        event=event,
        street=street,
        year=year,
        serial=sequence.last,
        number=f"督办〔{year}〕{sequence.last}号",
        assignee=assignee[:200],
        original_deadline=original_deadline,
        deadline=issue.deadline,
        reason=reason,
        issued_at=issued_at,
        issued_by=by,
        # Its printing is queued with it (below): the sweeper resends a message that was lost.
        queued_at=issued_at,
    )
    # What the order says; its printing's progress (core.models.Job) is not the record's.
    said = [f.name for f in order._meta.concrete_fields if f.name not in JOB_FIELDS]
    audit_record(
        user=by,
        system=by is None,
        action=AuditAction.CREATE,
        obj=order,
        changes=created(order, fields=said),
    )
    supervision_order_queue(order=order)
    return order


@transaction.atomic
def issue_auto_escalate(
    *, issue_id: int, overdue_deadline: datetime.date, today: datetime.date | None = None
) -> Issue | None:
    """督办 by the system itself (no user): an issue still in the assignee's hands more than
    ``ISSUE_ESCALATE_GRACE_DAYS`` working days after ``overdue_deadline`` gets a supervision order
    and a new deadline (the category's default again, from ``today``), added to the deadline
    history so that the days it was overdue stay counted.

    The row is locked and checked again: only if its deadline is still ``overdue_deadline`` is
    it escalated, so running the job twice, or two jobs at once, escalates it once. ``None``
    when there is nothing to do.
    """
    today = today or timezone.localdate()
    issue = Issue.objects.select_for_update().get(pk=issue_id)
    if issue.status not in ASSIGNEE_AT_WORK or issue.deadline != overdue_deadline:
        return None
    days = working_days_between(start=overdue_deadline, end=today)
    if days <= settings.ISSUE_ESCALATE_GRACE_DAYS:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        comment = _("超期%(days)s个工作日，系统自动督办") % {"days": days}
    before = snapshot(issue, fields=["deadline", "supervised"])
    _deadline_count(issue=issue, start=today)
    issue.supervised = True
    issue.full_clean()
    issue.save(update_fields=[*DEADLINE_COUNT_FIELDS, "supervised"])
    audit_record(
        system=True,
        action="escalate",
        obj=issue,
        changes=diff(before, snapshot(issue, fields=["deadline", "supervised"])),
        detail={"comment": comment, "automatic": True},
    )
    event = IssueEvent.objects.create(
        issue=issue,
        by=None,
        action="escalate",
        from_status=issue.status,
        to_status=issue.status,
        comment=comment,
        deadline=issue.deadline,
    )
    _deadline_history_keep(issue=issue, previous=overdue_deadline)
    _deadline_record(issue=issue, action="escalate", user=None, event=event)
    order = _supervision_order_create(
        issue=issue, event=event, by=None, original_deadline=overdue_deadline, reason=comment
    )
    notify_assignees(
        issue=issue,
        kind=NotificationKind.OVERDUE_ESCALATED,
        dedup_key=f"event:{event.pk}",
        days=days,
        order=order,
        today=today,
    )
    return issue


@transaction.atomic
def issue_photo_add(*, issue: Issue, user: User, image: IO[bytes], stage: str) -> IssuePhoto:
    if issue.status == IssueStatus.VOIDED:
        # Nothing is rectified on a voided issue: an "after" photo would claim work.
        raise StateConflict(_("该问题已作废，不能再上传照片。"))
    if user.effective_role == Role.CHIEF:
        _check_chief_in_charge(user=user, issue=issue)
    try:
        photo = check_photo(image)
    except PhotoError as error:
        raise ValidationError({"image": [str(error)]}) from error
    issue_photo = issue_photo_store(issue=issue, photo=photo, stage=stage, user=user)
    audit_record(
        user=user,
        action=AuditAction.PHOTO_ADD,
        obj=issue,
        detail={"photo": issue_photo.pk, "stage": stage, "file": issue_photo.image.name},
    )
    return issue_photo


def issue_photo_store(
    *, issue: Issue, photo: CheckedPhoto, stage: str, user: User | None = None
) -> IssuePhoto:
    """Keep a photo already checked by ``core.photos.check_photo`` (no role check: the caller
    decided who may add it, e.g. the public reporting a problem)."""
    return IssuePhoto.objects.create(
        issue=issue,
        stage=stage,
        image=photo.content,
        exif=photo.exif,
        taken_at=photo.taken_at,
        uploaded_by=user,
    )


def issue_photos_share(
    *, issue: Issue, photos: Iterable[Any], uploaded_by: User | None = None
) -> list[IssuePhoto]:
    """The stored photos of the record an issue was opened from (a patrol's finding, a map
    patch) as its "before" pictures: the files are shared, not copied. Each keeps its uploader,
    or ``uploaded_by`` for photos that record none (a finding's, taken by the patrol's chief)."""
    return IssuePhoto.objects.bulk_create(
        IssuePhoto(
            issue=issue,
            stage=PhotoStage.BEFORE,
            image=photo.image.name,
            exif=photo.exif,
            taken_at=photo.taken_at,
            uploaded_by_id=uploaded_by.pk
            if uploaded_by is not None
            else getattr(photo, "uploaded_by_id", None),
        )
        for photo in photos
    )


def issue_replay(*, issue: Issue) -> str:
    """The status the timeline leads to, event by event; it must equal the stored status."""
    status = ""
    for event in issue.events.all():
        if event.from_status != status:
            raise ValueError(f"{issue.code}: event {event.pk} starts from {event.from_status!r}")
        status = event.to_status
    return status
