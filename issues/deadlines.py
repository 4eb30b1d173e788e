"""The morning job over issue deadlines, in working days (calendars): remind the assignees
``ISSUE_REMIND_DAYS_BEFORE`` working days before the deadline and on its last working day, tell
them once that it is overdue the first working morning after it, and supervise (督办) by itself
an issue still open ``ISSUE_ESCALATE_GRACE_DAYS`` working days after.

Safe to run any number of times a day: a reminder is a notification under a key naming the
issue, its deadline and the kind of reminder, stored once; an escalation gives the issue a new
deadline, and happens only while the deadline is still the overdue one.
"""

import datetime
import logging
from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils import timezone

from calendars.workdays import WorkCalendar
from notifications.models import NotificationKind

from . import services
from .models import Issue
from .notices import notify_assignees

logger = logging.getLogger(__name__)


@dataclass
class DeadlineRun:
    today: datetime.date
    workday: bool
    reminded: int = 0  # notifications sent (one per issue and recipient)
    escalated: int = 0
    failed: int = 0

    def as_dict(self) -> dict:
        return {**asdict(self), "today": self.today.isoformat()}


def deadline_reminder_key(*, issue: Issue, kind: str) -> str:
    return f"remind:{issue.pk}:{issue.deadline}:{kind}"


def deadline_reminder_send(*, issue: Issue, today: datetime.date, working_days_left: int) -> int:
    """Remind the assignees of ``issue``, due ``working_days_left`` working days after ``today``
    (0: today is the last working day); how many were told for the first time."""
    kind = (
        NotificationKind.REMINDER_DUE
        if working_days_left == 0
        else NotificationKind.REMINDER_BEFORE
    )
    sent = notify_assignees(
        issue=issue,
        kind=kind,
        dedup_key=deadline_reminder_key(issue=issue, kind=kind),
        days=working_days_left,
        today=today,
    )
    return len(sent)


def overdue_notice_send(*, issue: Issue, today: datetime.date) -> int:
    """Tell the assignees, once per deadline, that ``issue`` is past it (before it is
    supervised by itself); how many were told for the first time."""
    sent = notify_assignees(
        issue=issue,
        kind=NotificationKind.OVERDUE,
        dedup_key=f"overdue:{issue.pk}:{issue.deadline}",
        today=today,
    )
    return len(sent)


def holiday_year_loaded_receiver(sender, *, year: int, **kwargs) -> None:
    """A year's holidays were entered (calendars): count the provisional deadlines again, in
    the same transaction."""
    services.provisional_deadlines_recount(year=year)


def deadline_run(*, today: datetime.date | None = None) -> DeadlineRun:
    """One morning's reminders and automatic escalations. Nothing on rest days: nobody is at
    work to act on them, and working days are what deadlines count."""
    today = today or timezone.localdate()
    calendar = WorkCalendar()
    run = DeadlineRun(today=today, workday=calendar.is_workday(today))
    if not run.workday:
        return run
    before = settings.ISSUE_REMIND_DAYS_BEFORE
    grace = settings.ISSUE_ESCALATE_GRACE_DAYS
    horizon = calendar.add_working_days(today, max(before, 0))
    issues = (
        Issue.objects.filter(
            status__in=services.ASSIGNEE_AT_WORK, deadline__isnull=False, deadline__lte=horizon
        )
        .select_related("region", "reach__river", "assignee_chief", "assignee_region")
        .order_by("deadline", "pk")
    )
    for issue in issues:
        try:
            if issue.deadline >= today:
                left = calendar.working_days_between(today, issue.deadline)
                run.reminded += deadline_reminder_send(
                    issue=issue, today=today, working_days_left=left
                )
            elif calendar.working_days_between(issue.deadline, today) > grace:
                escalated = services.issue_auto_escalate(
                    issue_id=issue.pk, overdue_deadline=issue.deadline, today=today
                )
                run.escalated += escalated is not None
            else:
                run.reminded += overdue_notice_send(issue=issue, today=today)
        except Exception:
            # One broken issue must not keep every other assignee from being told.
            logger.exception("deadline run %s: issue %s failed", today, issue.pk)
            run.failed += 1
    return run
