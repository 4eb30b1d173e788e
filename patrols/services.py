"""Writes for patrols: rules, and a patrol filed from the phone, a GPX file or the office."""

import datetime
import uuid as uuid_lib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
from core.exceptions import StateConflict
from core.photos import PhotoError, check_photo
from core.services import model_create
from core.text import first_sentence, join_clauses
from issues.models import Issue, IssueSource
from issues.services import issue_photos_share, issue_report
from rivers.models import Chief, Reach

from . import tracks
from .models import Finding, FindingPhoto, Patrol, PatrolRule
from .rules import RuleBook

CLOCK_SKEW = datetime.timedelta(minutes=10)
# No patrol of the river-chief system predates it; an earlier year is a phone's broken clock.
EARLIEST_PATROL_DAY = datetime.date(2000, 1, 1)
# What the audit log keeps of a new patrol (the tracks stay in the patrol itself).
PATROL_AUDIT_FIELDS = (
    "uuid",
    "chief",
    "reach",
    "started_at",
    "ended_at",
    "distance_km",
    "valid",
    "invalid_reason",
    "notes",
    "created_by",
    "filed_late",
    "late_reason",
)


def _check_months(months: Any) -> list[int]:
    if not isinstance(months, list) or not all(
        isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in months
    ):
        raise ValidationError({"months": [_("月份必须是 1-12 的整数列表。")]})
    return sorted(set(months))


def _overlaps_in_time(a: PatrolRule, b: PatrolRule) -> bool:
    return (a.valid_to is None or b.valid_from <= a.valid_to) and (
        b.valid_to is None or a.valid_from <= b.valid_to
    )


def _check_rule_overlap(*, rule: PatrolRule, ignore: Sequence[int] = ()) -> None:
    """Two rules of one role in force on a same day may not claim the same month, or the policy
    is ambiguous."""
    others = PatrolRule.objects.filter(role=rule.role).exclude(pk__in=[rule.pk, *ignore])
    for other in others:
        if not _overlaps_in_time(rule, other):
            continue
        both_all = not rule.months and not other.months
        shared = set(rule.months) & set(other.months)
        if both_all or shared:
            until = other.valid_to.isoformat() if other.valid_to else _("长期")
            raise ValidationError(
                {
                    "months": [
                        _(
                            "与同一类别的另一条规则（%(rule)s，%(since)s 至 %(until)s）"
                            "在有效期和月份上重叠。"
                        )
                        % {"rule": other, "since": other.valid_from.isoformat(), "until": until}
                    ]
                }
            )


def _check_not_past_month(*, day: datetime.date, today: datetime.date, field: str) -> None:
    """A rule takes effect at the earliest in the current month: a month already past keeps the
    figures it was counted by."""
    if day < today.replace(day=1):
        raise ValidationError(
            {field: [_("生效日期不能早于本月1日：已过去月份的巡河要求不能更改。")]}
        )


@transaction.atomic
def patrol_rule_create(
    *,
    user: User,
    months: Sequence[int] = (),
    valid_from: datetime.date | None = None,
    today: datetime.date | None = None,
    **data,
) -> PatrolRule:
    today = today or timezone.localdate()
    valid_from = valid_from or today
    _check_not_past_month(day=valid_from, today=today, field="valid_from")
    rule = PatrolRule(months=_check_months(list(months)), valid_from=valid_from, **data)
    rule.full_clean()
    _check_rule_overlap(rule=rule)
    rule.save()
    audit_record(user=user, action=AuditAction.CREATE, obj=rule, changes=created(rule))
    return rule


RULE_TERMS = ("role", "period", "min_count", "min_minutes", "min_km", "months")


@transaction.atomic
def patrol_rule_change(
    *,
    rule: PatrolRule,
    user: User,
    effective_from: datetime.date | None = None,
    today: datetime.date | None = None,
    **fields,
) -> PatrolRule:
    """Change a rule from ``effective_from`` (default today) on, never before this month.

    A rule in force before that day is closed the day before and a new row carries the change,
    so the days already under the old rule keep being counted by it; a rule not yet in force by
    then is changed in place. Answers the row in force from ``effective_from``.
    """
    today = today or timezone.localdate()
    effective_from = effective_from or today
    _check_not_past_month(day=effective_from, today=today, field="effective_from")
    if rule.valid_to is not None and effective_from > rule.valid_to:
        raise ValidationError({"effective_from": [_("生效日期晚于该规则的失效日期。")]})
    if "months" in fields:
        fields["months"] = _check_months(list(fields["months"]))
    # Where a row starts moves only through effective_from; where it ends, through DELETE.
    fields.pop("valid_from", None)
    fields.pop("valid_to", None)
    before = snapshot(rule)
    if effective_from <= rule.valid_from:
        for name, value in fields.items():
            setattr(rule, name, value)
        rule.full_clean()
        _check_rule_overlap(rule=rule)
        rule.save()
        audit_record(
            user=user, action=AuditAction.UPDATE, obj=rule, changes=diff(before, snapshot(rule))
        )
        return rule

    successor = PatrolRule(
        **{name: getattr(rule, name) for name in RULE_TERMS},
        valid_from=effective_from,
        valid_to=rule.valid_to,
    )
    for name, value in fields.items():
        setattr(successor, name, value)
    successor.full_clean()
    rule.valid_to = effective_from - datetime.timedelta(days=1)
    rule.full_clean()
    _check_rule_overlap(rule=successor, ignore=[rule.pk])
    rule.save(update_fields=["valid_to"])
    successor.save()
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=rule, changes=diff(before, snapshot(rule))
    )
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=successor,
        changes=created(successor),
        detail={"replaces": rule.pk},
    )
    return successor


def patrol_rule_update(*, instance: PatrolRule, user: User, **data) -> PatrolRule:
    """The API's and the workbench's edit: an effective-dated change (patrol_rule_change)."""
    return patrol_rule_change(rule=instance, user=user, **data)


@transaction.atomic
def patrol_rule_delete(
    *, instance: PatrolRule, user: User, today: datetime.date | None = None
) -> None:
    """End a rule: one that has been in force ends yesterday (its days stay counted by it); one
    not yet in force is deleted."""
    today = today or timezone.localdate()
    before = snapshot(instance)
    if instance.valid_from < today:
        end = today - datetime.timedelta(days=1)
        if instance.valid_to is not None and instance.valid_to <= end:
            raise ValidationError({"valid_to": [_("该规则已失效，无需再停用。")]})
        instance.valid_to = end
        instance.save(update_fields=["valid_to"])
        audit_record(
            user=user,
            action=AuditAction.UPDATE,
            obj=instance,
            changes=diff(before, snapshot(instance)),
            detail={"ended": True},
        )
        return
    pk, name = instance.pk, str(instance)
    instance.delete()
    audit_record(
        user=user,
        action=AuditAction.DELETE,
        object_type=PatrolRule._meta.label_lower,
        object_id=pk,
        object_repr=name,
        changes=diff(before, {}),
    )


@dataclass(frozen=True)
class Assessment:
    distance_km: Decimal
    valid: bool
    invalid_reason: str


def patrol_assess(
    *,
    chief: Chief,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    distance_km: float,
    rule_book: RuleBook,
) -> Assessment:
    """Whether a patrol counts, and why not: the thresholds of the rule in force that day."""
    day = timezone.localdate(started_at)
    need = rule_book.thresholds(chief.role, day)
    minutes = (ended_at - started_at).total_seconds() / 60
    distance = Decimal(str(round(distance_km, 3)))
    checks = (
        (
            minutes < need.min_minutes,
            "时长 %(got).0f 分钟，不足 %(need)d 分钟",
            {"got": minutes, "need": need.min_minutes},
        ),
        (
            distance < need.min_km,
            "里程 %(got)s 公里，不足 %(need)s 公里",
            {"got": distance, "need": need.min_km},
        ),
        (
            day < chief.appointed_on or bool(chief.relieved_on and day > chief.relieved_on),
            "不在该河长任职期内",
            {},
        ),
    )
    # The reason is stored with the patrol and read by the office: in the portal's language,
    # not in whatever language the phone that sent it uses.
    with translation.override(settings.LANGUAGE_CODE):
        failures = [_(message) % values for failed, message, values in checks if failed]
        reason = join_clauses(failures)
    return Assessment(distance_km=distance, valid=not failures, invalid_reason=reason)


def _check_filing_rights(*, user: User, chief: Chief, reach: Reach) -> None:
    if user.effective_role == Role.CHIEF:
        if user.chief_id != chief.pk:
            raise PermissionDenied(_("河长只能提交自己的巡河记录。"))
        if not chief.reaches.filter(pk=reach.pk).exists():
            raise PermissionDenied(_("只能提交自己负责河段的巡河记录。"))
        return
    in_chief_region = Region.objects.subtree(chief.region_id).filter(pk=reach.region_id).exists()
    if not in_chief_region and not chief.reaches.filter(pk=reach.pk).exists():
        raise ValidationError({"reach": [_("该河段不在这位河长的责任区域内。")]})


def _check_serving(*, chief: Chief, day: datetime.date) -> None:
    """A patrol belongs to a day the chief held the post: the day before an appointment or after
    a relief is someone else's (or no one's) to patrol."""
    if day < chief.appointed_on or (chief.relieved_on is not None and day > chief.relieved_on):
        until = chief.relieved_on.isoformat() if chief.relieved_on else _("今")
        raise ValidationError(
            {
                "started_at": [
                    _(
                        "%(day)s 该河长当日不在任（任职期 %(since)s 至 %(until)s），"
                        "不能提交该日的巡河记录。"
                    )
                    % {
                        "day": day.isoformat(),
                        "since": chief.appointed_on.isoformat(),
                        "until": until,
                    }
                ]
            }
        )


def _check_age(*, user: User, day: datetime.date, late_reason: str) -> bool:
    """Whether the patrol is filed late (started more than PATROL_MAX_AGE_DAYS days ago).

    A chief files what was just walked: an older patrol would count in a period already
    reported. The office (or an admin) may enter an older one from paper records, with a
    reason that is kept on the patrol and in the audit log."""
    if day < EARLIEST_PATROL_DAY:
        raise ValidationError({"started_at": [_("开始时间不能早于 2000 年 1 月 1 日。")]})
    max_age = settings.PATROL_MAX_AGE_DAYS
    if day >= timezone.localdate() - datetime.timedelta(days=max_age):
        return False
    if user.effective_role not in OFFICE_ROLES:
        message = _("只能提交 %(n)d 天内的巡河记录；更早的巡河请由河长办补录并说明原因。") % {
            "n": max_age
        }
        raise ValidationError({"started_at": [message]})
    if not late_reason.strip():
        message = _("补录 %(n)d 天前的巡河记录须填写补录原因。") % {"n": max_age}
        raise ValidationError({"late_reason": [message]})
    return True


def _check_track_times(
    *,
    points: Sequence[tracks.TrackPoint],
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    field: str,
) -> None:
    """The track's own timestamps lie within the patrol's start and end, give or take
    PATROL_TRACK_TIME_TOLERANCE_MINUTES (a phone's clock and a GPS fix drift a little)."""
    times = [point.time for point in points if point.time is not None]
    if not times:
        return
    tolerance = datetime.timedelta(minutes=settings.PATROL_TRACK_TIME_TOLERANCE_MINUTES)
    first, last = min(times), max(times)
    if first < started_at - tolerance or last > ended_at + tolerance:
        local = timezone.localtime
        message = _(
            "轨迹时间（%(first)s 至 %(last)s）不在巡河开始和结束时间（%(start)s 至 %(end)s）"
            "之内，最多允许相差 %(n)d 分钟。"
        ) % {
            "first": f"{local(first):%Y-%m-%d %H:%M}",
            "last": f"{local(last):%Y-%m-%d %H:%M}",
            "start": f"{local(started_at):%Y-%m-%d %H:%M}",
            "end": f"{local(ended_at):%Y-%m-%d %H:%M}",
            "n": settings.PATROL_TRACK_TIME_TOLERANCE_MINUTES,
        }
        raise ValidationError({field: [message]})


def _read_track(*, track: Any, gpx: IO[bytes] | None) -> list[tracks.TrackPoint]:
    try:
        if gpx is not None:
            points = tracks.from_gpx(gpx)
        elif track is not None:
            points = tracks.from_geojson(track)
        else:
            points = []
    except tracks.TrackError as error:
        raise ValidationError({"gpx" if gpx is not None else "track": [str(error)]}) from error
    if len(points) > settings.PATROL_MAX_POINTS:
        raise ValidationError(
            {"track": [_("轨迹点过多（最多 %(n)d 个）。") % {"n": settings.PATROL_MAX_POINTS}]}
        )
    return points


def _check_photos(
    *, findings: Sequence[Mapping[str, Any]], photos: Mapping[int, Sequence[IO[bytes]]]
) -> dict[int, list]:
    checked: dict[int, list] = {}
    for index, files in photos.items():
        if not 0 <= index < len(findings):
            raise ValidationError({"photos": [_("照片对应的巡河发现不存在。")]})
        try:
            checked[index] = [check_photo(file) for file in files]
        except PhotoError as error:
            raise ValidationError({f"finding_{index}_photos": [str(error)]}) from error
    return checked


def patrol_submit(
    *,
    user: User,
    uuid: uuid_lib.UUID,
    chief: Chief,
    reach: Reach,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    track: Any = None,
    gpx: IO[bytes] | None = None,
    notes: str = "",
    findings: Sequence[Mapping[str, Any]] = (),
    photos: Mapping[int, Sequence[IO[bytes]]] | None = None,
    late_reason: str = "",
) -> tuple[Patrol, bool]:
    """File a patrol; returns it and whether it is new.

    The client makes the uuid: a phone that lost the answer sends the same patrol again, and gets
    the first one back instead of a second patrol. A patrol that started more than
    PATROL_MAX_AGE_DAYS days ago is the office's to file, with ``late_reason``; it is marked
    ``filed_late``.
    """
    existing = _existing_patrol(user=user, uuid=uuid)
    if existing is not None:
        return existing, False
    _check_filing_rights(user=user, chief=chief, reach=reach)
    if ended_at <= started_at:
        raise ValidationError({"ended_at": [_("结束时间必须晚于开始时间。")]})
    if started_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"started_at": [_("开始时间不能晚于当前时间。")]})
    day = timezone.localdate(started_at)
    _check_serving(chief=chief, day=day)
    filed_late = _check_age(user=user, day=day, late_reason=late_reason)
    raw_points = _read_track(track=track, gpx=gpx)
    _check_track_times(
        points=raw_points,
        started_at=started_at,
        ended_at=ended_at,
        field="gpx" if gpx is not None else "track",
    )
    checked_photos = _check_photos(findings=findings, photos=photos or {})
    kept, dropped = tracks.drop_jumps(
        raw_points, max_speed_kmh=settings.PATROL_MAX_SPEED_KMH, max_gap_m=settings.PATROL_MAX_GAP_M
    )
    assessment = patrol_assess(
        chief=chief,
        started_at=started_at,
        ended_at=ended_at,
        distance_km=tracks.length_km(kept),
        rule_book=RuleBook.load(),
    )
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(
                uuid=uuid,
                chief=chief,
                reach=reach,
                started_at=started_at,
                ended_at=ended_at,
                started_on=timezone.localdate(started_at),
                track_raw=tracks.to_geojson(raw_points) if raw_points else None,
                track=(
                    {
                        "type": "LineString",
                        "coordinates": tracks.simplify(
                            kept, tolerance_m=settings.PATROL_SIMPLIFY_M
                        ),
                    }
                    if len(kept) >= 2
                    else None
                ),
                points_dropped=dropped,
                distance_km=assessment.distance_km,
                valid=assessment.valid,
                invalid_reason=assessment.invalid_reason,
                notes=notes,
                filed_late=filed_late,
                late_reason=late_reason.strip(),
                created_by=user,
            )
            for index, finding_data in enumerate(findings):
                finding = model_create(model=Finding, data={**finding_data, "patrol": patrol})
                for photo in checked_photos.get(index, ()):
                    FindingPhoto.objects.create(
                        finding=finding,
                        image=photo.content,
                        exif=photo.exif,
                        taken_at=photo.taken_at,
                    )
            audit_record(
                user=user,
                action=AuditAction.CREATE,
                obj=patrol,
                changes=created(patrol, fields=PATROL_AUDIT_FIELDS),
                detail={
                    "findings": len(findings),
                    "photos": sum(len(files) for files in checked_photos.values()),
                    "points": len(raw_points),
                    "points_dropped": dropped,
                },
            )
    except IntegrityError:
        # The same patrol sent twice at once: the other request won; answer with its patrol.
        existing = _existing_patrol(user=user, uuid=uuid)
        if existing is None:
            raise
        return existing, False
    return patrol, True


def _existing_patrol(*, user: User, uuid: uuid_lib.UUID) -> Patrol | None:
    patrol = Patrol.objects.filter(uuid=uuid).first()
    if patrol is None:
        return None
    if not Patrol.objects.visible_to(user).filter(pk=patrol.pk).exists():
        raise StateConflict(_("该客户端编号已被其他巡河记录使用。"))
    return patrol


@transaction.atomic
def finding_issue_open(
    *,
    user: User,
    finding: Finding,
    category: str,
    urgency: str,
    title: str | None = None,
    description: str | None = None,
    reach: Reach | None = None,
    lat: Decimal | None = None,
    lon: Decimal | None = None,
) -> tuple[Issue, bool]:
    """Open an issue for a patrol's finding in one step, through the issues' own service; asking
    twice gives the same issue. Returns the issue and whether it is new.

    The issue starts from the finding: its first sentence as the title, its text, its position,
    the patrol's reach and start, and its photos as the "before" pictures; the office's form
    may say otherwise for the title, description, reach and position (None: the finding's)."""
    Finding.objects.select_for_update().filter(pk=finding.pk).first()
    existing = Issue.objects.filter(finding=finding).first()
    if existing is not None:
        return existing, False
    patrol = finding.patrol
    issue = issue_report(
        user=user,
        title=title if title is not None else first_sentence(finding.description, 200),
        description=description if description is not None else finding.description,
        category=category,
        source=IssueSource.PATROL,
        urgency=urgency,
        reach=reach if reach is not None else patrol.reach,
        lat=lat if lat is not None else finding.lat,
        lon=lon if lon is not None else finding.lon,
        reported_at=patrol.started_at,
        patrol=patrol,
        finding=finding,
    )
    # The finding's photos are the "before" pictures, taken by whoever filed the patrol.
    issue_photos_share(issue=issue, photos=finding.photos.all(), uploaded_by=patrol.created_by)
    return issue, True
