"""Template helpers of the issue pages: how far a deadline is, in words."""

import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from issues.models import IssueStatus

register = template.Library()


def days_to(deadline: datetime.date | None, today: datetime.date | None = None) -> int | None:
    if deadline is None:
        return None
    return (deadline - (today or timezone.localdate())).days


@register.filter
def deadline_note(issue) -> str:
    """ "剩余3天", "今天到期" or "超期2天" for an open issue with a deadline; "" otherwise
    (closed or voided)."""
    days = days_to(issue.deadline)
    if days is None or issue.status in (IssueStatus.CLOSED, IssueStatus.VOIDED):
        return ""
    if days == 0:
        return gettext("今天到期")
    if days > 0:
        return ngettext("剩余%(n)s天", "剩余%(n)s天", days) % {"n": days}
    return ngettext("超期%(n)s天", "超期%(n)s天", -days) % {"n": -days}


# An open issue due within this many days is flagged "soon" in the lists.
DUE_SOON_DAYS = 3


@register.filter
def deadline_class(issue) -> str:
    """The badge class of ``deadline_note``: ``bad`` overdue, ``warn`` due within
    DUE_SOON_DAYS days (today included), "" otherwise."""
    days = days_to(issue.deadline)
    if days is None or issue.status in (IssueStatus.CLOSED, IssueStatus.VOIDED):
        return ""
    if days < 0:
        return "bad"
    if days <= DUE_SOON_DAYS:
        return "warn"
    return ""
