"""Writes for activities and asset checks.

A sign update moves the sign's ``updated_on`` forward; a check that found a problem may open an
issue ticket in the same transaction (``open_issue``), linked through the check's ``issue``.
"""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Region, User
from accounts.querysets import subtree_ids
from calendars.models import IssueCategory, Urgency
from core.exceptions import StateConflict
from core.services import model_create, model_update
from core.text import join_items
from issues.models import Issue, IssueSource
from issues.services import issue_report
from rivers.models import Chief, Facility, Outfall, Reach, Sign

from .models import (
    Activity,
    AssetCheck,
    Campaign,
    Channel,
    CheckResult,
    Cleanup,
    FacilityCheck,
    Inspection,
    Meeting,
    MeetingKind,
    OutfallCheck,
    PublicityEvent,
    SignUpdate,
)

A = TypeVar("A", bound=Activity)
C = TypeVar("C", bound=AssetCheck)

# Where a check's issue says it came from: the checks are the office's own visits (排查), not
# an inspection (督查) by the congress or the discipline office.
CHECK_ISSUE_SOURCE = IssueSource.OFFICE


def _check_not_future(day: datetime.date, field: str = "date") -> None:
    if day > timezone.localdate():
        raise ValidationError({field: [_("日期不能晚于今天。")]})


def _region_for(*, user: User, region: Region | None) -> Region:
    region = region or user.region
    if region is None:
        raise ValidationError({"region": [_("请选择所属区域。")]})
    if not Region.objects.visible_to(user).filter(pk=region.pk).exists():
        raise ValidationError({"region": [_("所属区域不在您的管辖范围内。")]})
    return region


def _activity_create(*, model: type[A], user: User, data: dict[str, Any]) -> A:
    _check_not_future(data["date"])
    region = _region_for(user=user, region=data.pop("region", None))
    instance = model_create(model=model, data={**data, "region": region, "created_by": user})
    return instance


def _activity_update(*, instance: A, user: User, data: dict[str, Any]) -> A:
    if "date" in data:
        _check_not_future(data["date"])
    if "region" in data:
        data["region"] = _region_for(user=user, region=data["region"])
    return model_update(instance=instance, data=data)


@transaction.atomic
def activity_delete(*, instance: Activity, user: User) -> None:
    instance.delete()


# --- Publicity, meetings, inspections ------------------------------------------------------------


@transaction.atomic
def publicity_event_create(
    *,
    user: User,
    date: datetime.date,
    title: str,
    region: Region | None = None,
    place: str = "",
    venues: Sequence[str] = (),
    channel: str = Channel.OFFLINE,
    units: int = 0,
    participants: int = 0,
    banners: int = 0,
    slogans: int = 0,
    leaflets: int = 0,
    notes: str = "",
) -> PublicityEvent:
    return _activity_create(
        model=PublicityEvent,
        user=user,
        data={
            "date": date,
            "title": title,
            "region": region,
            "place": place,
            "venues": list(venues),
            "channel": channel,
            "units": units,
            "participants": participants,
            "banners": banners,
            "slogans": slogans,
            "leaflets": leaflets,
            "notes": notes,
        },
    )


@transaction.atomic
def publicity_event_update(*, instance: PublicityEvent, user: User, **data) -> PublicityEvent:
    return _activity_update(instance=instance, user=user, data=data)


@transaction.atomic
def meeting_create(
    *,
    user: User,
    date: datetime.date,
    title: str,
    region: Region | None = None,
    kind: str = MeetingKind.WORK_MEETING,
    attendees: int = 0,
    notes: str = "",
) -> Meeting:
    return _activity_create(
        model=Meeting,
        user=user,
        data={
            "date": date,
            "title": title,
            "region": region,
            "kind": kind,
            "attendees": attendees,
            "notes": notes,
        },
    )


@transaction.atomic
def meeting_update(*, instance: Meeting, user: User, **data) -> Meeting:
    return _activity_update(instance=instance, user=user, data=data)


def _check_participants(*, participants: Iterable[Chief], region: Region) -> None:
    """Who took part must be on the roster of the inspection's region (or below it): a report
    names them as the region's own ("街道河长联合*派出所警长")."""
    subtree = set(subtree_ids(region))
    outside = [str(chief) for chief in participants if chief.region_id not in subtree]
    if outside:
        raise ValidationError(
            {
                "participants": [
                    _("以下人员不在督查所属区域内：%(names)s") % {"names": join_items(outside)}
                ]
            }
        )


@transaction.atomic
def inspection_create(
    *,
    user: User,
    date: datetime.date,
    title: str,
    inspector: str,
    region: Region | None = None,
    topics: Sequence[str] = (),
    participants: Iterable[Chief] = (),
    problems_found: int = 0,
    notes: str = "",
) -> Inspection:
    participants = list(participants)
    region = _region_for(user=user, region=region)
    _check_participants(participants=participants, region=region)
    return _activity_create(
        model=Inspection,
        user=user,
        data={
            "date": date,
            "title": title,
            "region": region,
            "inspector": inspector,
            "topics": list(topics),
            "participants": participants,
            "problems_found": problems_found,
            "notes": notes,
        },
    )


@transaction.atomic
def inspection_update(*, instance: Inspection, user: User, **data) -> Inspection:
    region = data.get("region", instance.region)
    participants = data.get("participants", list(instance.participants.all()))
    _check_participants(participants=participants, region=region)
    return _activity_update(instance=instance, user=user, data=data)


# --- Cleanups ------------------------------------------------------------------------------------


def _check_reaches_in_region(*, reaches: Iterable[Reach], region: Region) -> None:
    subtree = set(subtree_ids(region))
    outside = [str(reach) for reach in reaches if reach.region_id not in subtree]
    if outside:
        raise ValidationError(
            {
                "reaches": [
                    _("以下河段不在清理行动所属区域内：%(names)s") % {"names": join_items(outside)}
                ]
            }
        )


def _check_volunteers(*, volunteers: int, participants: int) -> None:
    # The volunteers are counted among the participants, not on top of them.
    if volunteers > participants:
        raise ValidationError(
            {
                "volunteers": [
                    _("志愿者人次（%(volunteers)s）不能超过参与人员人次（%(participants)s）。")
                    % {"volunteers": volunteers, "participants": participants}
                ]
            }
        )


@transaction.atomic
def cleanup_create(
    *,
    user: User,
    date: datetime.date,
    title: str,
    region: Region | None = None,
    reaches: Iterable[Reach] = (),
    campaign: str = Campaign.ROUTINE,
    points: int = 0,
    garbage_t: Decimal = Decimal(0),
    garbage_m3: Decimal = Decimal(0),
    participants: int = 0,
    volunteers: int = 0,
    vehicles: int = 0,
    net_m: Decimal = Decimal(0),
    warning_signs: int = 0,
    banners: int = 0,
    notes: str = "",
) -> Cleanup:
    reaches = list(reaches)
    region = _region_for(user=user, region=region)
    _check_reaches_in_region(reaches=reaches, region=region)
    _check_volunteers(volunteers=volunteers, participants=participants)
    return _activity_create(
        model=Cleanup,
        user=user,
        data={
            "date": date,
            "title": title,
            "region": region,
            "reaches": reaches,
            "campaign": campaign,
            "points": points,
            "garbage_t": garbage_t,
            "garbage_m3": garbage_m3,
            "participants": participants,
            "volunteers": volunteers,
            "vehicles": vehicles,
            "net_m": net_m,
            "warning_signs": warning_signs,
            "banners": banners,
            "notes": notes,
        },
    )


@transaction.atomic
def cleanup_update(*, instance: Cleanup, user: User, **data) -> Cleanup:
    region = data.get("region", instance.region)
    reaches = data.get("reaches", list(instance.reaches.all()))
    _check_reaches_in_region(reaches=reaches, region=region)
    _check_volunteers(
        volunteers=data.get("volunteers", instance.volunteers),
        participants=data.get("participants", instance.participants),
    )
    return _activity_update(instance=instance, user=user, data=data)


# --- Sign updates --------------------------------------------------------------------------------


def _move_sign_forward(*, sign: Sign, day: datetime.date) -> None:
    # One conditional UPDATE: two updates entered at once both leave the later date.
    Sign.objects.filter(pk=sign.pk, updated_on__lt=day).update(updated_on=day)


def _settle_sign(*, sign: Sign, removed: datetime.date) -> None:
    """A sign whose latest update was removed or moved back shows its latest remaining one;
    without any, the date stays (what it was before the records began is not known)."""
    latest = SignUpdate.objects.filter(sign=sign).aggregate(latest=Max("date"))["latest"]
    if latest is not None and latest < removed:
        Sign.objects.filter(pk=sign.pk, updated_on=removed).update(updated_on=latest)


@transaction.atomic
def sign_update_create(
    *, user: User, sign: Sign, date: datetime.date, notes: str = ""
) -> SignUpdate:
    _check_not_future(date)
    update = model_create(
        model=SignUpdate, data={"sign": sign, "date": date, "notes": notes, "created_by": user}
    )
    _move_sign_forward(sign=sign, day=date)
    return update


@transaction.atomic
def sign_update_update(*, instance: SignUpdate, user: User, **data) -> SignUpdate:
    if "date" in data:
        _check_not_future(data["date"])
    old_sign, old_date = instance.sign, instance.date
    update = model_update(instance=instance, data=data)
    _move_sign_forward(sign=update.sign, day=update.date)
    if update.sign_id != old_sign.pk or update.date < old_date:
        _settle_sign(sign=old_sign, removed=old_date)
    return update


@transaction.atomic
def sign_update_delete(*, instance: SignUpdate, user: User) -> None:
    sign, day = instance.sign, instance.date
    instance.delete()
    _settle_sign(sign=sign, removed=day)


# --- Outfall and facility checks -----------------------------------------------------------------


def _reported_at(day: datetime.date) -> datetime.datetime:
    """When a check's issue was found: the morning of the check, never after the present."""
    tz = timezone.get_current_timezone()
    return min(timezone.now(), datetime.datetime.combine(day, datetime.time(9, 0), tz))


def _open_check_issue(
    *,
    user: User,
    check: AssetCheck,
    asset: Outfall | Facility,
    title: str,
    category: str,
    urgency: str,
) -> Issue:
    issue = issue_report(
        user=user,
        title=title[:200],
        description=check.notes or title,
        category=category,
        source=CHECK_ISSUE_SOURCE,
        urgency=urgency,
        reach=asset.reach,
        lat=asset.lat,
        lon=asset.lon,
        reported_at=_reported_at(check.date),
    )
    check.issue = issue
    check.save(update_fields=["issue"])
    return issue


def _check_result(*, result: str, open_issue: bool, has_issue: bool) -> None:
    if open_issue and result != CheckResult.PROBLEM:
        raise ValidationError({"open_issue": [_("只有发现问题的排查记录才能生成问题工单。")]})
    if has_issue and result != CheckResult.PROBLEM:
        raise ValidationError({"result": [_("已生成问题工单的排查记录，结果只能是“发现问题”。")]})


def _check_title(check: AssetCheck, asset: Outfall | Facility) -> str:
    # Stored text, so in the portal's language whatever the request's.
    with translation.override(settings.LANGUAGE_CODE):
        if isinstance(check, OutfallCheck):
            return _("排污口排查发现问题：%(asset)s") % {"asset": asset.name}
        return _("设施排查发现问题：%(asset)s") % {"asset": asset.name}


def _check_create(
    *,
    model: type[C],
    user: User,
    data: dict[str, Any],
    asset: Outfall | Facility,
    open_issue: bool,
    issue_category: str,
    issue_urgency: str,
) -> C:
    _check_not_future(data["date"])
    _check_result(result=data["result"], open_issue=open_issue, has_issue=False)
    check = model_create(model=model, data={**data, "created_by": user})
    if open_issue:
        _open_check_issue(
            user=user,
            check=check,
            asset=asset,
            title=_check_title(check, asset),
            category=issue_category,
            urgency=issue_urgency,
        )
    return check


def _check_update(
    *,
    instance: C,
    user: User,
    data: dict[str, Any],
    asset_field: str,
    open_issue: bool,
    issue_category: str,
    issue_urgency: str,
) -> C:
    if "date" in data:
        _check_not_future(data["date"])
    result = data.get("result", instance.result)
    _check_result(result=result, open_issue=open_issue, has_issue=instance.issue_id is not None)
    check = model_update(instance=instance, data=data)
    if open_issue and check.issue_id is None:
        asset = getattr(check, asset_field)
        _open_check_issue(
            user=user,
            check=check,
            asset=asset,
            title=_check_title(check, asset),
            category=issue_category,
            urgency=issue_urgency,
        )
    return check


def _check_delete(*, instance: AssetCheck) -> None:
    if instance.issue_id is not None:
        raise StateConflict(_("该排查记录已生成问题工单，不能删除。"))
    instance.delete()


@transaction.atomic
def outfall_check_create(
    *,
    user: User,
    outfall: Outfall,
    date: datetime.date,
    result: str = CheckResult.NORMAL,
    notes: str = "",
    open_issue: bool = False,
    issue_category: str = IssueCategory.OTHER,
    issue_urgency: str = Urgency.NORMAL,
) -> OutfallCheck:
    return _check_create(
        model=OutfallCheck,
        user=user,
        data={"outfall": outfall, "date": date, "result": result, "notes": notes},
        asset=outfall,
        open_issue=open_issue,
        issue_category=issue_category,
        issue_urgency=issue_urgency,
    )


@transaction.atomic
def outfall_check_update(
    *,
    instance: OutfallCheck,
    user: User,
    open_issue: bool = False,
    issue_category: str = IssueCategory.OTHER,
    issue_urgency: str = Urgency.NORMAL,
    **data,
) -> OutfallCheck:
    return _check_update(
        instance=instance,
        user=user,
        data=data,
        asset_field="outfall",
        open_issue=open_issue,
        issue_category=issue_category,
        issue_urgency=issue_urgency,
    )


@transaction.atomic
def outfall_check_delete(*, instance: OutfallCheck, user: User) -> None:
    _check_delete(instance=instance)


@transaction.atomic
def facility_check_create(
    *,
    user: User,
    facility: Facility,
    date: datetime.date,
    result: str = CheckResult.NORMAL,
    notes: str = "",
    open_issue: bool = False,
    issue_category: str = IssueCategory.OTHER,
    issue_urgency: str = Urgency.NORMAL,
) -> FacilityCheck:
    return _check_create(
        model=FacilityCheck,
        user=user,
        data={"facility": facility, "date": date, "result": result, "notes": notes},
        asset=facility,
        open_issue=open_issue,
        issue_category=issue_category,
        issue_urgency=issue_urgency,
    )


@transaction.atomic
def facility_check_update(
    *,
    instance: FacilityCheck,
    user: User,
    open_issue: bool = False,
    issue_category: str = IssueCategory.OTHER,
    issue_urgency: str = Urgency.NORMAL,
    **data,
) -> FacilityCheck:
    return _check_update(
        instance=instance,
        user=user,
        data=data,
        asset_field="facility",
        open_issue=open_issue,
        issue_category=issue_category,
        issue_urgency=issue_urgency,
    )


@transaction.atomic
def facility_check_delete(*, instance: FacilityCheck, user: User) -> None:
    _check_delete(instance=instance)
