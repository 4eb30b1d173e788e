"""The weekly report (周汇报) of a street: the monthly bulletin (patrols/bulletins.py) for a week.

"周汇报、月通报": each Monday the portal builds last week's report of every street with chiefs
serving: each chief's patrols against the rule and the chiefs behind (the bulletin's rows, data
and templates, for Monday to Sunday), and the street's issues found, closed and overdue that week,
read from the one figure registry (reports.statistics.region_statistics, what ``stats/`` says).
The report is a document of the one pipeline (core.documents); when it is first published the
street's office is told, once.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Region, RegionLevel, User
from accounts.roles import OFFICE_ROLES, REGION_READERS
from core.documents import DocumentFile, DocumentKind
from core.jobs import Claim, Jobs
from core.pdf import CJK_FONTS_MISSING, cjk_font_families
from notifications.models import NotificationKind
from notifications.services import notify
from patrols.bulletins import (
    DOCUMENT_LANGUAGE,
    BulletinError,
    bulletin_data,
    render_pdf,
    streets_with_chiefs_serving,
)
from patrols.selectors import compliance_ranking, region_patrol_compliance
from rivers.models import PATROLLING_ROLES

from .models import WeeklyReport
from .statistics import region_statistics

JOBS: Jobs[WeeklyReport] = Jobs(
    model=WeeklyReport,
    kind="weekly-report",
    stuck_setting="BULLETIN_STUCK_MINUTES",
    error_message=gettext_lazy("生成周汇报时出错：%(detail)s。请稍后重试，或联系管理员。"),
    language=DOCUMENT_LANGUAGE,
    readable_errors=(BulletinError,),
)


# --- selectors ----------------------------------------------------------------------------------


def week_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of the week ``day`` is in."""
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def weekly_streets(*, user: User) -> QuerySet[Region]:
    return Region.objects.visible_to(user).filter(level=RegionLevel.STREET)


def weekly_report_list(*, user: User) -> QuerySet[WeeklyReport]:
    """Weekly reports of the streets in the user's region; others are not found (404)."""
    return WeeklyReport.objects.filter(street__in=weekly_streets(user=user)).select_related(
        "street"
    )


def week_label(monday: datetime.date) -> str:
    sunday = monday + datetime.timedelta(days=6)
    year, number, _weekday = monday.isocalendar()
    return _("%(year)s年第%(week)s周（%(from)s至%(to)s）") % {
        "year": year,
        "week": number,
        "from": f"{monday.month}月{monday.day}日",
        "to": f"{sunday.month}月{sunday.day}日",
    }


def weekly_title(*, street_name: str, monday: datetime.date) -> str:
    return _("%(street)s%(week)s河长巡河情况周汇报") % {
        "street": street_name,
        "week": week_label(monday),
    }


def weekly_filename(report: WeeklyReport) -> str:
    title = report.data.get("title") or weekly_title(
        street_name=report.street.name, monday=report.week
    )
    return f"{title}.pdf"


# --- requesting ---------------------------------------------------------------------------------


@transaction.atomic
def weekly_report_request(
    *,
    street: Region,
    week: datetime.date,
    rebuild: bool = False,
    today: datetime.date | None = None,
) -> WeeklyReport:
    """Queue the weekly report of ``street`` for the week ``week`` is in (any day of it);
    asking again is harmless, a failed one is queued again, a done one only with ``rebuild``."""
    if street.level != RegionLevel.STREET:
        raise ValidationError({"street": [_("只能为街道（镇）生成周汇报。")]})
    monday, sunday = week_bounds(week)
    if sunday >= (today or timezone.localdate()):
        raise ValidationError({"week": [_("只能生成已结束的周的周汇报。")]})
    return JOBS.request(street=street, week=monday, rebuild=rebuild)


def weekly_reports_for_last_week(*, today: datetime.date) -> list[WeeklyReport]:
    """The beat job of Monday: last week's report of every street that had chiefs serving."""
    monday, sunday = week_bounds(today - datetime.timedelta(days=7))
    streets = streets_with_chiefs_serving(monday, sunday)
    return [weekly_report_request(street=street, week=monday, today=today) for street in streets]


# --- the content --------------------------------------------------------------------------------


def _percent(rate: Decimal | None) -> str:
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def weekly_data(*, street: Region, monday: datetime.date) -> dict[str, Any]:
    """The bulletin's snapshot for the week, with the week's issue figures from the registry."""
    sunday = monday + datetime.timedelta(days=6)
    rows = region_patrol_compliance(
        region=street, date_from=monday, date_to=sunday, roles=PATROLLING_ROLES
    )
    ranking = compliance_ranking(rows, level=RegionLevel.COMMUNITY)
    data = bulletin_data(
        street=street,
        month=monday,
        rows=rows,
        ranking=ranking,
        date_to=sunday,
        title=weekly_title(street_name=street.name, monday=monday),
        period_label=week_label(monday),
        this_period=_("本周"),
    )
    stats = region_statistics(region=street, date_from=monday, date_to=sunday)
    data["period"] = "week"
    data["week"] = monday.isoformat()
    data["issues"] = {
        "found": stats.issues_found,
        "found_by_patrol": stats.issues_found_by_patrol,
        "closed": stats.issues_closed,
        "overdue": stats.issues_overdue,
        "resolution_rate": None if stats.resolution_rate is None else str(stats.resolution_rate),
        "resolution_rate_display": _percent(stats.resolution_rate),
    }
    data["summary"].insert(
        -1,
        _(
            "本周发现问题%(found)s个（其中巡河发现%(by_patrol)s个），办结%(closed)s个，"
            "超期未办结%(overdue)s个。"
        )
        % {
            "found": stats.issues_found,
            "by_patrol": stats.issues_found_by_patrol,
            "closed": stats.issues_closed,
            "overdue": stats.issues_overdue,
        },
    )
    return data


# --- the notification ---------------------------------------------------------------------------


def street_office_accounts(*, street: Region) -> list[User]:
    return list(
        User.objects.filter(is_active=True, role__in=OFFICE_ROLES, region=street).order_by("pk")
    )


def notify_street_office(*, report: WeeklyReport) -> int:
    """Tell the street's office that the week's report is out: once per report, however often
    it is rebuilt (``notified_at`` is claimed with a conditional UPDATE)."""
    claimed = WeeklyReport.objects.filter(pk=report.pk, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return 0
    recipients = street_office_accounts(street=report.street)
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        title = _("周汇报已生成：%(title)s") % {"title": report.data.get("title", "")}
        body = _("请查看%(week)s的巡河与问题处理情况。") % {
            "week": report.data.get("month_label", "")
        }
    sent = notify(
        recipients=recipients,
        kind=NotificationKind.WEEKLY_REPORT,
        title=title,
        body=body,
        dedup_key=f"weekly-report:{report.pk}",
        url=reverse("weekly-report-view", args=[report.pk]),
    )
    return len(sent)


# --- the kind of document -----------------------------------------------------------------------


class WeeklyReportDocument(DocumentKind[WeeklyReport]):
    """The weekly reports in the document pipeline: the bulletin's content for one week."""

    jobs = JOBS
    label = gettext_lazy("周汇报")
    files = {"pdf": DocumentFile.pdf(weekly_filename)}
    not_ready = gettext_lazy("周汇报尚未生成完成（当前状态：%(status)s）。")
    # It names the chiefs who fell short: for the office and leaders, not the chiefs.
    readers = REGION_READERS
    refusal = gettext_lazy("周汇报仅供河长办和领导查看。")

    def build(self, claim: Claim[WeeklyReport]) -> None:
        report = WeeklyReport.objects.select_related("street").get(pk=claim.pk)
        if not cjk_font_families():
            raise BulletinError(CJK_FONTS_MISSING)
        claim.progress(5)
        data = weekly_data(street=report.street, monday=report.week)
        claim.progress(40)
        pdf = render_pdf(data=data, on_progress=claim.progress)
        name = f"weekly/{report.street.code}-{report.week:%Y%m%d}.pdf"
        stored = claim.store(report, "pdf", name, pdf)
        claim.publish(report, files={"pdf": stored}, data=data)
        report.refresh_from_db()
        if report.status == "done":
            notify_street_office(report=report)

    def rows(self, user: User) -> QuerySet[WeeklyReport]:
        return weekly_report_list(user=user)

    def title(self, report: WeeklyReport) -> str:
        return _("%(street)s %(week)s 周汇报") % {
            "street": report.street.name,
            "week": week_label(report.week),
        }

    def detail_url(self, report: WeeklyReport) -> str:
        return reverse("weekly-report-view", args=[report.pk])


WEEKLY_REPORTS = WeeklyReportDocument()
