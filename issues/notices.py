"""What the assignees of an issue are told, and when: assigned, reminded, supervised, voided,
returned (退回整改), and the morning job's deadline reminders and overdue notices; and what the
office of the issue's region is told: a rectification awaits its acceptance, a public report
came in. Every notice links to the issue's page. The texts are stored in the portal's language
(Chinese), like every other record, whatever language the acting page was in."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from notifications.models import Notification, NotificationKind
from notifications.selectors import office_accounts_covering
from notifications.services import notify

from .models import Issue, SupervisionOrder, VoidReason
from .selectors import issue_assignee_accounts


def date_label(day: datetime.date | None) -> str:
    if day is None:
        return "—"
    return _("%(year)s年%(month)s月%(day)s日") % {
        "year": day.year,
        "month": day.month,
        "day": day.day,
    }


def issue_place(issue: Issue) -> str:
    return str(issue.reach) if issue.reach_id is not None else issue.region.name


def assignee_label(issue: Issue) -> str:
    if issue.assignee_chief_id is not None:
        return str(issue.assignee_chief)
    if issue.assignee_region_id is not None:
        return issue.assignee_region.name
    return issue.assignee_unit


def _about(issue: Issue) -> dict[str, str]:
    return {
        "code": issue.code,
        "title": issue.title,
        "place": issue_place(issue),
        "deadline": date_label(issue.deadline),
    }


def _with_comment(body: str, comment: str) -> str:
    comment = comment.strip()
    return f"{body}\n{_('说明：%(comment)s') % {'comment': comment}}" if comment else body


@dataclass(frozen=True)
class Notice:
    """The title and body templates of one kind of notice, filled from ``_about`` (plus
    ``number``, ``days`` or ``reason`` where the kind speaks of them); marked for translation
    here and translated when a notice is written."""

    title: str
    body: str


NOTICES: dict[str, Notice] = {
    NotificationKind.ASSIGNED: Notice(
        title=gettext_noop("交办：%(code)s %(title)s"),
        body=gettext_noop(
            "河长办向您交办问题“%(title)s”（%(code)s，%(place)s），请于%(deadline)s前完成整改。"
        ),
    ),
    NotificationKind.REMIND: Notice(
        title=gettext_noop("催办：%(code)s %(title)s"),
        body=gettext_noop(
            "河长办催办问题“%(title)s”（%(code)s，%(place)s），整改时限为%(deadline)s，请抓紧整改。"
        ),
    ),
    NotificationKind.SUPERVISION: Notice(
        title=gettext_noop("督办：%(code)s %(title)s"),
        body=gettext_noop(
            "问题“%(title)s”（%(code)s，%(place)s）已督办（%(number)s），新的整改时限为"
            "%(deadline)s，请按期整改到位。"
        ),
    ),
    NotificationKind.OVERDUE_ESCALATED: Notice(
        title=gettext_noop("超期督办：%(code)s %(title)s"),
        body=gettext_noop(
            "问题“%(title)s”（%(code)s，%(place)s）已超过整改时限%(days)s个工作日，系统已自动督办"
            "（%(number)s），新的整改时限为%(deadline)s。"
        ),
    ),
    NotificationKind.VOIDED: Notice(
        title=gettext_noop("作废：%(code)s %(title)s"),
        body=gettext_noop(
            "河长办已将问题“%(title)s”（%(code)s，%(place)s）作废（%(reason)s），无需再整改。"
        ),
    ),
    NotificationKind.REMINDER_DUE: Notice(
        title=gettext_noop("整改今日到期：%(code)s %(title)s"),
        body=gettext_noop(
            "问题“%(title)s”（%(code)s，%(place)s）的整改时限为%(deadline)s，今天是期限内最后"
            "一个工作日，请按时完成整改。"
        ),
    ),
    NotificationKind.REMINDER_BEFORE: Notice(
        title=gettext_noop("整改时限临近：%(code)s %(title)s"),
        body=gettext_noop(
            "问题“%(title)s”（%(code)s，%(place)s）的整改时限为%(deadline)s，还剩%(days)s个"
            "工作日，请按时完成整改。"
        ),
    ),
    NotificationKind.OVERDUE: Notice(
        title=gettext_noop("整改超期：%(code)s %(title)s"),
        body=gettext_noop(
            "问题“%(title)s”（%(code)s，%(place)s）已超过整改时限%(deadline)s，仍未完成整改，"
            "请尽快整改并提交验收。"
        ),
    ),
    NotificationKind.RETURNED: Notice(
        title=gettext_noop("退回整改：%(code)s %(title)s"),
        body=gettext_noop(
            "河长办验收未通过，退回了问题“%(title)s”（%(code)s，%(place)s）的整改，请按说明"
            "继续整改后再次提交验收，整改时限为%(deadline)s。"
        ),
    ),
    NotificationKind.AWAITING_ACCEPTANCE: Notice(
        title=gettext_noop("待验收：%(code)s %(title)s"),
        body=gettext_noop(
            "问题“%(title)s”（%(code)s，%(place)s）已整改并提交验收，请核查整改后照片，"
            "验收销号或退回整改。"
        ),
    ),
    NotificationKind.PUBLIC_REPORT: Notice(
        title=gettext_noop("群众举报：%(code)s %(title)s"),
        body=gettext_noop(
            "收到群众通过公示牌二维码举报的问题“%(title)s”（%(code)s，%(place)s），请核实后"
            "交办或作废。"
        ),
    ),
}


def _texts(
    *,
    kind: str,
    issue: Issue,
    comment: str = "",
    days: int | None = None,
    order: SupervisionOrder | None = None,
) -> tuple[str, str]:
    """The title and body of a ``kind`` notice about ``issue``, in the active language."""
    try:
        notice = NOTICES[kind]
    except KeyError:
        raise ValueError(f"unknown notification kind {kind!r}") from None
    about = _about(issue)
    if order is not None:
        about["number"] = order.number
    if days is not None:
        about["days"] = str(days)
    if issue.void_reason:
        about["reason"] = str(VoidReason(issue.void_reason).label)
    return _(notice.title) % about, _with_comment(_(notice.body) % about, comment)


def notify_assignees(
    *,
    issue: Issue,
    kind: str,
    dedup_key: str,
    actor: User | None = None,
    comment: str = "",
    days: int | None = None,
    order: SupervisionOrder | None = None,
    today: datetime.date | None = None,
) -> list[Notification]:
    """Tell whoever answers for ``issue`` (see ``issue_assignee_accounts``), except the account
    that acted; once per ``dedup_key``."""
    recipients = [
        user
        for user in issue_assignee_accounts(issue=issue, today=today)
        if actor is None or user.pk != actor.pk
    ]
    if not recipients:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        title, body = _texts(kind=kind, issue=issue, comment=comment, days=days, order=order)
    return notify(
        recipients=recipients,
        issue=issue,
        kind=kind,
        title=title,
        body=body,
        dedup_key=dedup_key,
        url=issue_url(issue),
    )


def issue_url(issue: Issue) -> str:
    return reverse("issue-page", args=[issue.pk])


def notify_office(
    *,
    issue: Issue,
    kind: str,
    dedup_key: str,
    actor: User | None = None,
    comment: str = "",
) -> list[Notification]:
    """Tell the office accounts whose region covers the issue's (its community's office, if
    any, its street's and the county's: ``office_accounts_covering``), except the account
    that acted; once per ``dedup_key``."""
    recipients = [
        user
        for user in office_accounts_covering(region=issue.region_id)
        if actor is None or user.pk != actor.pk
    ]
    if not recipients:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        title, body = _texts(kind=kind, issue=issue, comment=comment)
    return notify(
        recipients=recipients,
        issue=issue,
        kind=kind,
        title=title,
        body=body,
        dedup_key=dedup_key,
        url=issue_url(issue),
    )
