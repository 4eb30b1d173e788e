"""Writes for public reports: file one from a sign's QR page, within the per-sender limits."""

import datetime
import ipaddress
import uuid
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import OFFICE_ROLES
from audit.services import audit_record, diff, snapshot
from calendars.models import IssueCategory
from core.exceptions import StateConflict
from core.geo import TrackPoint, haversine_m
from core.photos import PhotoError, check_photo
from core.text import first_sentence, is_blank
from issues.models import Issue, IssueSource, IssueStatus, PhotoStage, VoidReason
from issues.notices import notify_office
from issues.services import issue_act, issue_edit, issue_photo_store, issue_report
from notifications.models import NotificationKind
from rivers.models import Sign, phone_validator

from .models import DESCRIPTION_MAX_LENGTH, PublicReport, Triage, tracking_code_new

# The issue's title: the description's first sentence, up to the title's own length.
TITLE_LENGTH = Issue._meta.get_field("title").max_length
# A browser position this far from the sign is a bad fix (or a faked one): the sign's is used.
MAX_DISTANCE_FROM_SIGN_M = 5000


class TriageAction:
    """The audit log's names for the office's triage steps on a report."""

    CLASSIFY = "triage_classify"
    ACCEPT = "triage_accept"
    MERGE = "triage_merge"
    VOID = "triage_void"


def blank_description_message() -> str:
    return _("问题描述不能为空白：请描述您看到的问题。")


class ReportLimitReached(Exception):
    """Too many reports from one sender; the page answers 429 and nothing is saved."""


def client_hash(client_ip: str) -> str:
    """A keyed hash of the sender's address; an IPv6 sender counts by its /64 network, which a
    single household or phone gets whole."""
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        key = client_ip or "unknown"
    else:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if isinstance(address, ipaddress.IPv6Address):
            key = str(ipaddress.ip_network(f"{address}/64", strict=False))
        else:
            key = str(address)
    return salted_hmac("public_reports.client", key, algorithm="sha256").hexdigest()


def _lock_sender(key: str) -> None:
    """Serialise one sender's reports until commit, so two at once cannot both slip under the
    limit. SQLite (development only) runs one writer at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(key[:15], 16)])


def _check_limits(key: str) -> None:
    now = timezone.now()
    sent = PublicReport.objects.filter(client_hash=key)
    if sent.filter(created_at__gt=now - datetime.timedelta(hours=1)).count() >= (
        settings.PUBLIC_REPORT_MAX_PER_HOUR
    ):
        raise ReportLimitReached(
            _("同一网络每小时最多提交 %(n)d 条举报，请稍后再试。")
            % {"n": settings.PUBLIC_REPORT_MAX_PER_HOUR}
        )
    if sent.filter(created_at__gt=now - datetime.timedelta(days=1)).count() >= (
        settings.PUBLIC_REPORT_MAX_PER_DAY
    ):
        raise ReportLimitReached(
            _("同一网络每天最多提交 %(n)d 条举报，请明天再试。")
            % {"n": settings.PUBLIC_REPORT_MAX_PER_DAY}
        )


def _position(*, sign: Sign, lat: Decimal | None, lon: Decimal | None) -> tuple[Decimal, Decimal]:
    if lat is None or lon is None:
        return sign.lat, sign.lon
    distance = haversine_m(
        TrackPoint(lon=float(sign.lon), lat=float(sign.lat)),
        TrackPoint(lon=float(lon), lat=float(lat)),
    )
    if distance > MAX_DISTANCE_FROM_SIGN_M:
        return sign.lat, sign.lon
    return lat, lon


def title_from(description: str) -> str:
    """The issue's title from a citizen's description: its first sentence, up to the title's
    own length (the description itself is kept whole)."""
    return first_sentence(description, TITLE_LENGTH)


def _unused_tracking_code() -> str:
    while True:
        code = tracking_code_new()
        if not PublicReport.objects.filter(tracking_code=code).exists():
            return code


@transaction.atomic
def public_report_file(
    *,
    sign: Sign,
    description: str,
    photo: IO[bytes] | None,
    phone: str,
    lat: Decimal | None,
    lon: Decimal | None,
    client_ip: str,
    client_key: uuid.UUID | None = None,
) -> PublicReport:
    """File a citizen's report on the sign's reach as a new issue (source ``public``).

    Raises ``ReportLimitReached`` over the per-sender limits and ``ValidationError`` (keyed
    ``description``, ``photo``, ``phone``) for bad input; either way nothing is saved.
    ``client_key`` (made by the page): the same key again answers the report it filed first,
    files nothing and does not count against the limits (a retry after a lost answer).
    """
    key = client_hash(client_ip)
    _lock_sender(key)  # also serialises one sender's retries: the lookup below sees the first
    if client_key is not None:
        existing = PublicReport.objects.filter(client_key=client_key).first()
        if existing is not None:
            return existing
    _check_limits(key)

    description = description.strip()
    if is_blank(description):
        # Spaces and a zero-width space make no report: the office could not act on it.
        raise ValidationError({"description": [blank_description_message()]})
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {"description": [_("问题描述不能超过 %(n)d 字。") % {"n": DESCRIPTION_MAX_LENGTH}]}
        )
    phone = phone.strip()
    if phone:
        try:
            phone_validator(phone)
        except ValidationError as error:
            raise ValidationError({"phone": error.messages}) from error
    checked = None
    if photo is not None:
        try:
            checked = check_photo(photo)
        except PhotoError as error:
            raise ValidationError({"photo": [str(error)]}) from error

    lat, lon = _position(sign=sign, lat=lat, lon=lon)
    issue = issue_report(
        user=None,
        title=title_from(description),
        description=description,
        category=IssueCategory.OTHER,
        source=IssueSource.PUBLIC,
        reach=sign.reach,
        lat=lat,
        lon=lon,
    )
    report = PublicReport(
        issue=issue,
        tracking_code=_unused_tracking_code(),
        reporter_phone=phone,
        client_hash=key,
        client_key=client_key,
    )
    report.full_clean()
    report.save()
    if checked is not None:
        # Last, so that a failure above never leaves a stored file without its record.
        issue_photo_store(issue=issue, photo=checked, stage=PhotoStage.BEFORE)
    # The office of the sign's region triages it (sent after the commit, as every notice).
    notify_office(
        issue=issue,
        kind=NotificationKind.PUBLIC_REPORT,
        dedup_key=f"public_report:{report.pk}",
    )
    return report


# --- The office's triage (分拣) ------------------------------------------------------------------

# What the audit log keeps of a triage step.
TRIAGE_FIELDS = ("triage", "triaged_at", "triaged_by", "merged_into")
# Where a report may still be merged or not accepted: waiting, or accepted but its issue not
# yet ended (the void action decides that last part).
REOPENABLE = frozenset({Triage.PENDING, Triage.ACCEPTED})


def _check_office(user: User) -> None:
    if user.effective_role not in OFFICE_ROLES:
        raise PermissionDenied(_("只有河长办可以分拣群众举报。"))


def _locked(report: PublicReport) -> PublicReport:
    return PublicReport.objects.select_for_update().select_related("issue").get(pk=report.pk)


def _check_pending(report: PublicReport) -> None:
    if report.triage != Triage.PENDING:
        raise StateConflict(
            _("该举报已分拣（%(triage)s），请到问题页处理。")
            % {"triage": Triage(report.triage).label}
        )


def _triage_set(
    *,
    report: PublicReport,
    user: User,
    triage: str,
    action: str,
    merged_into: Issue | None = None,
    detail: dict | None = None,
) -> PublicReport:
    before = snapshot(report, fields=TRIAGE_FIELDS)
    report.triage = triage
    report.triaged_at = timezone.now()
    report.triaged_by = user
    report.merged_into = merged_into
    report.full_clean()
    report.save(update_fields=list(TRIAGE_FIELDS))
    audit_record(
        user=user,
        action=action,
        obj=report,
        changes=diff(before, snapshot(report, fields=TRIAGE_FIELDS)),
        detail=detail,
    )
    return report


@transaction.atomic
def public_report_classify(
    *, report: PublicReport, user: User, title: str, category: str
) -> PublicReport:
    """Give a waiting report's issue its category and a title of the office's words (the
    issue's own edit: audited with the old and new values, on its timeline)."""
    _check_office(user)
    report = _locked(report)
    _check_pending(report)
    before = snapshot(report.issue, fields=["title", "category"])
    issue = issue_edit(instance=report.issue, user=user, title=title, category=category)
    changes = diff(before, snapshot(issue, fields=["title", "category"]))
    if changes:
        audit_record(
            user=user,
            action=TriageAction.CLASSIFY,
            obj=report,
            changes=changes,
            detail={"issue": issue.code},
        )
    report.issue = issue
    return report


@transaction.atomic
def public_report_accept(
    *,
    report: PublicReport,
    user: User,
    title: str | None = None,
    category: str | None = None,
) -> PublicReport:
    """受理: the report's issue is a real one, to be assigned like any other (it stays
    待交办 on the issue page). A title and category given are set first."""
    _check_office(user)
    report = _locked(report)
    _check_pending(report)
    if title is not None or category is not None:
        public_report_classify(
            report=report,
            user=user,
            title=title if title is not None else report.issue.title,
            category=category if category is not None else report.issue.category,
        )
    return _triage_set(
        report=report,
        user=user,
        triage=Triage.ACCEPTED,
        action=TriageAction.ACCEPT,
        detail={"issue": report.issue.code},
    )


def _check_reopenable(report: PublicReport) -> None:
    if report.triage not in REOPENABLE:
        raise StateConflict(
            _("该举报已%(triage)s，不能再分拣。") % {"triage": Triage(report.triage).label}
        )


@transaction.atomic
def public_report_merge(
    *, report: PublicReport, user: User, target: Issue, comment: str = ""
) -> PublicReport:
    """合并: the report tells of an issue already known (``target``). The report names it, its
    own issue is voided as a duplicate (重复上报), and the reporter's tracking page follows
    ``target`` from then on."""
    _check_office(user)
    report = _locked(report)
    _check_reopenable(report)
    if not Issue.objects.visible_to(user).filter(pk=target.pk).exists():
        raise ValidationError({"target": [_("未找到该问题，或不在您的管辖范围内。")]})
    if target.pk == report.issue_id:
        raise ValidationError({"target": [_("不能并入本举报自己的问题。")]})
    if target.status == IssueStatus.VOIDED:
        raise ValidationError({"target": [_("不能并入已作废的问题。")]})
    _triage_set(
        report=report,
        user=user,
        triage=Triage.MERGED,
        action=TriageAction.MERGE,
        merged_into=target,
        detail={"issue": report.issue.code, "into": target.code, "comment": comment},
    )
    with translation.override(settings.LANGUAGE_CODE):
        note = _("群众举报重复，已并入问题 %(code)s。") % {"code": target.code}
    issue_act(
        issue_id=report.issue_id,
        user=user,
        action="void",
        reason=VoidReason.DUPLICATE,
        comment=f"{note}{comment.strip()}"[:2000],
    )
    return report


@transaction.atomic
def public_report_void(
    *, report: PublicReport, user: User, reason: str, comment: str = ""
) -> PublicReport:
    """不予受理: the report's issue is voided with ``reason`` (a ``VoidReason``); the reporter's
    tracking page says so, with the reason."""
    _check_office(user)
    report = _locked(report)
    _check_reopenable(report)
    if reason not in VoidReason.values:
        raise ValidationError({"reason": [_("请选择作废原因：重复上报、无效问题或不属于本辖区。")]})
    _triage_set(
        report=report,
        user=user,
        triage=Triage.VOIDED,
        action=TriageAction.VOID,
        detail={"issue": report.issue.code, "reason": reason, "comment": comment},
    )
    issue_act(issue_id=report.issue_id, user=user, action="void", reason=reason, comment=comment)
    return report


def public_report_follow_issue(*, issue: Issue) -> int:
    """A report whose issue the office moved on elsewhere was triaged by that move: assigned
    from the issue page, a waiting one is accepted; voided there, a waiting or accepted one is
    not accepted. How many reports changed. Called on every
    announced change of a public issue (``public_reports.receivers``)."""
    if issue.source != IssueSource.PUBLIC or issue.status == IssueStatus.REPORTED:
        return 0
    reports = PublicReport.objects.filter(issue_id=issue.pk)
    if issue.status == IssueStatus.VOIDED:
        # Voided from the issue page, waiting or accepted: not accepted after all. (A merge
        # marks its report first, so it stays merged.)
        return reports.filter(triage__in=REOPENABLE).update(
            triage=Triage.VOIDED, triaged_at=timezone.now()
        )
    return reports.filter(triage=Triage.PENDING).update(
        triage=Triage.ACCEPTED, triaged_at=timezone.now()
    )
