"""Reads of the work reports: what a user may see, titles and file names."""

from django.db.models import QuerySet

from accounts.models import User
from rivers.models import Region

from . import content
from .models import Report


def report_list(*, user: User) -> QuerySet[Report]:
    """Reports of the regions in the user's region; others are simply not found (404)."""
    return Report.objects.visible_to(user).select_related("region")


def report_period_name(report: Report) -> str:
    """ "2023年第三季度", "2023年上半年", "2022年"."""
    return content.period_name(kind=report.kind, year=report.year, period=report.period)


def report_regions(*, user: User) -> QuerySet[Region]:
    """The regions a user may ask a report for: their own and those below it."""
    return Region.objects.visible_to(user).order_by("code")


def report_title(report: Report) -> str:
    """As the document says it once built; before that, as it will."""
    return report.data.get("title") or content.report_title(
        region_name=report.region.name, kind=report.kind, year=report.year, period=report.period
    )


def report_file_stem(report: Report) -> str:
    """``<region code>-<year>-<kind><period>``, the stored files' name (ASCII)."""
    period = str(report.period) if report.period else ""
    return f"{report.region.code}-{report.year}-{report.kind}{period}"


def report_filename(report: Report, extension: str) -> str:
    """The download's name: the Chinese title."""
    return f"{report_title(report)}.{extension}"
