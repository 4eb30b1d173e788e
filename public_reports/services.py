"""Writes for public reports: file one from a sign's QR page, within the per-sender limits."""

import datetime
import ipaddress
import uuid
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from calendars.models import IssueCategory
from core.geo import TrackPoint, haversine_m
from core.photos import PhotoError, check_photo
from core.text import is_blank
from issues.models import IssueSource, PhotoStage
from issues.notices import notify_office
from issues.services import issue_photo_store, issue_report
from notifications.models import NotificationKind
from rivers.models import Sign, phone_validator

from .models import DESCRIPTION_MAX_LENGTH, PublicReport, tracking_code_new

TITLE_LENGTH = 30
# A browser position this far from the sign is a bad fix (or a faked one): the sign's is used.
MAX_DISTANCE_FROM_SIGN_M = 5000


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


def _title(description: str) -> str:
    text = " ".join(description.split())
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"


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
        title=_title(description),
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
