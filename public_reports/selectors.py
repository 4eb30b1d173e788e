"""Reads for public reports: the sign behind a QR code, open issues nearby, a report by its code.

Everything a public page shows passes through here, and only public-safe fields leave: no
names, no phone numbers, no staff comments, no descriptions (citizens write their own
details into those).
"""

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region, User
from core.geo import EARTH_RADIUS_M, TrackPoint, haversine_m
from issues.models import Issue, IssueCategory, IssueStatus, VoidReason
from rivers.models import Sign

from .models import TRACKING_ALPHABET, TRACKING_LENGTH, PublicReport, Triage

NEARBY_RADIUS_M = 200
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


@dataclass(frozen=True)
class NearbyIssue:
    category: str
    status: str
    reported_on: datetime.date
    distance_m: int


@dataclass(frozen=True)
class TimelineStep:
    on: datetime.date
    status: str


@dataclass(frozen=True)
class PublicStatus:
    """What the tracking page may show of a report."""

    tracking_code: str
    river: str
    reach: str
    category: str
    status: str
    closed: bool
    # Voided by the office (作废): shown to the citizen as not accepted (不予受理), with why.
    voided: bool
    void_reason: str
    reported_on: datetime.date
    deadline: datetime.date | None
    steps: list[TimelineStep]
    # Merged by the office into an issue already known (a duplicate): everything above but
    # reported_on then follows that issue; merged_on is the day of the merge.
    merged: bool = False
    merged_on: datetime.date | None = None


def sign_for_report(*, code: str) -> Sign | None:
    return Sign.objects.select_related("reach__river", "reach__region").filter(code=code).first()


def open_issues_near(
    *, lat: Decimal | float, lon: Decimal | float, radius_m: float = NEARBY_RADIUS_M
) -> list[NearbyIssue]:
    """Open issues within ``radius_m`` of a point, nearest first.

    A bounding box narrows the rows in SQL; the haversine distance then decides each one.
    """
    lat_f, lon_f = float(lat), float(lon)
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat_f)), 0.01))
    rows = (
        Issue.objects.open()
        .filter(
            lat__range=(Decimal(f"{lat_f - dlat:.6f}"), Decimal(f"{lat_f + dlat:.6f}")),
            lon__range=(Decimal(f"{lon_f - dlon:.6f}"), Decimal(f"{lon_f + dlon:.6f}")),
        )
        .values_list("category", "status", "reported_at", "lat", "lon")
    )
    here = TrackPoint(lon=lon_f, lat=lat_f)
    found = []
    for category, status, reported_at, issue_lat, issue_lon in rows:
        distance = haversine_m(here, TrackPoint(lon=float(issue_lon), lat=float(issue_lat)))
        if distance <= radius_m:
            found.append(
                NearbyIssue(
                    category=IssueCategory(category).label,
                    status=IssueStatus(status).label,
                    reported_on=timezone.localdate(reported_at),
                    distance_m=round(distance),
                )
            )
    return sorted(found, key=lambda issue: issue.distance_m)


def tracking_code_normalize(raw: str) -> str | None:
    """The code as typed or read aloud: any case, with spaces or dashes; None if not a code."""
    code = "".join(raw.split()).replace("-", "").upper()
    if len(code) != TRACKING_LENGTH or any(char not in TRACKING_ALPHABET for char in code):
        return None
    return code


def _public_status_label(status: str) -> str:
    """A status in the citizen's words: a voided report was not accepted (不予受理), which
    is not the same as fixed."""
    if status == IssueStatus.VOIDED:
        return _("不予受理")
    return str(IssueStatus(status).label)


def public_status(*, tracking_code: str) -> PublicStatus | None:
    code = tracking_code_normalize(tracking_code)
    if code is None:
        return None
    report = (
        PublicReport.objects.select_related("issue__reach__river")
        .filter(tracking_code=code)
        .first()
    )
    if report is None:
        return None
    issue = report.issue
    merged = report.merged_into_id is not None
    if merged:
        # The reporter follows the issue theirs was merged into, as far as the public may.
        issue = Issue.objects.select_related("reach__river").get(pk=report.merged_into_id)
    # Status changes only: reminders, comments and who did what stay inside the office.
    events = issue.events.only("at", "from_status", "to_status").order_by("at", "id")
    steps = [
        TimelineStep(on=timezone.localdate(event.at), status=_public_status_label(event.to_status))
        for event in events
        if event.to_status != event.from_status
    ]
    reach = issue.reach
    voided = issue.status == IssueStatus.VOIDED
    return PublicStatus(
        tracking_code=report.tracking_code,
        river=reach.river.name if reach else "",
        reach=reach.name if reach else "",
        category=IssueCategory(issue.category).label,
        status=_public_status_label(issue.status),
        closed=issue.status == IssueStatus.CLOSED,
        voided=voided,
        void_reason=str(VoidReason(issue.void_reason).label)
        if voided and issue.void_reason
        else "",
        reported_on=timezone.localdate(report.issue.reported_at),
        deadline=issue.deadline,
        steps=steps,
        merged=merged,
        merged_on=timezone.localdate(report.triaged_at) if merged and report.triaged_at else None,
    )


def public_report_list(*, user: User) -> QuerySet[PublicReport]:
    return PublicReport.objects.visible_to(user).select_related("issue")


def public_reports_to_triage(*, user: User) -> QuerySet[PublicReport]:
    """The office's queue: reports in ``user``'s region still waiting for triage, newest
    first (what the home page's "群众举报待分拣" counts)."""
    return public_report_list(user=user).filter(triage=Triage.PENDING)


def public_report_for_office(*, user: User, pk: int) -> PublicReport | None:
    return (
        public_report_list(user=user)
        .select_related("issue__reach__river", "issue__region", "merged_into", "triaged_by")
        .filter(pk=pk)
        .first()
    )


MERGE_CANDIDATES = 10


def merge_candidates(*, user: User, report: PublicReport, query: str) -> list[Issue]:
    """Issues ``report`` may be merged into, by code or title (the office's picker): in the
    account's region, not the report's own, not voided; the newest first."""
    query = query.strip()
    if not query:
        return []
    return list(
        Issue.objects.visible_to(user)
        .exclude(pk=report.issue_id)
        .exclude(status=IssueStatus.VOIDED)
        .filter(Q(code__icontains=query) | Q(title__icontains=query))
        .select_related("reach__river")
        .order_by("-reported_at", "-id")[:MERGE_CANDIDATES]
    )


def print_regions(*, user: User) -> QuerySet[Region]:
    return Region.objects.visible_to(user).order_by("code")


def signs_for_print(*, user: User, region: Region | None) -> QuerySet[Sign]:
    signs = Sign.objects.visible_to(user)
    if region is not None:
        signs = signs.in_region(region)
    return signs.select_related("reach__river", "reach__region").order_by(
        "reach__river__code", "reach__name", "code"
    )
