"""Writes with rules for the organisation and the roster."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Region, User
from accounts.querysets import subtree_ids
from audit.models import AuditAction
from audit.services import audit_record, created, diff, snapshot
from core.exceptions import StateConflict
from core.services import model_create, model_update
from core.text import join_items

from .models import (
    Chief,
    MonitoringPoint,
    Reach,
    River,
    RiverKind,
    WaterReading,
)
from .water_quality import WaterBody


@transaction.atomic
def region_update(*, instance: Region, user: User, **data) -> Region:
    level = data.get("level", instance.level)
    if level != instance.level and instance.children.exists():
        raise ValidationError({"level": [_("该区域已有下级区域，不能修改级别。")]})
    return model_update(instance=instance, data=data)


@transaction.atomic
def river_create(
    *,
    user: User,
    name: str,
    code: str,
    kind: str,
    length_km: Decimal,
    region: Region | None = None,
) -> River:
    # A river registered by an office belongs to that office's region unless it says otherwise.
    region = region or user.region
    if region is None:
        raise ValidationError({"region": [_("请选择管理这条河流的区域。")]})
    return model_create(
        model=River,
        data={"name": name, "code": code, "kind": kind, "length_km": length_km, "region": region},
    )


def _check_reaches_in_region(*, reaches: Iterable[Reach], region: Region) -> None:
    subtree = set(subtree_ids(region))
    outside = [str(reach) for reach in reaches if reach.region_id not in subtree]
    if outside:
        raise ValidationError(
            {
                "reaches": [
                    _("以下河段不在该河长所在区域内：%(names)s") % {"names": join_items(outside)}
                ]
            }
        )


@transaction.atomic
def chief_appoint(*, user: User, reaches: Iterable[Reach] = (), **data) -> Chief:
    reaches = list(reaches)
    if "region" in data:
        _check_reaches_in_region(reaches=reaches, region=data["region"])
    chief = model_create(model=Chief, data={**data, "reaches": reaches})
    audit_record(user=user, action=AuditAction.CREATE, obj=chief, changes=created(chief))
    return chief


@transaction.atomic
def chief_update(*, instance: Chief, user: User, **data) -> Chief:
    region = data.get("region", instance.region)
    reaches = data.get("reaches", list(instance.reaches.all()))
    _check_reaches_in_region(reaches=reaches, region=region)
    before = snapshot(instance)
    chief = model_update(instance=instance, data=data)
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=chief, changes=diff(before, snapshot(chief))
    )
    return chief


@transaction.atomic
def chief_delete(*, instance: Chief, user: User) -> None:
    """Remove a roster entry typed by mistake (one that served should be relieved instead)."""
    before = snapshot(instance)
    pk, name = instance.pk, str(instance)
    instance.delete()
    audit_record(
        user=user,
        action=AuditAction.DELETE,
        object_type=Chief._meta.label_lower,
        object_id=pk,
        object_repr=name,
        changes=diff(before, {}),
    )


@transaction.atomic
def chief_relieve(*, chief: Chief, on: datetime.date) -> Chief:
    """End an appointment; the entry stays on the roster for the periods it served."""
    if chief.relieved_on is not None:
        raise StateConflict(_("该河长已于%(day)s免职。") % {"day": chief.relieved_on})
    before = chief.relieved_on
    chief = model_update(instance=chief, data={"relieved_on": on})
    changes = {"relieved_on": [before, on]}
    audit_record(action=AuditAction.RELIEVE, obj=chief, changes=changes)
    return chief


@transaction.atomic
def chief_replace(
    *, chief: Chief, on: datetime.date, name: str, phone: str, title: str = "", unit: str = ""
) -> Chief:
    """A successor takes over the post and its reaches from ``on``; the predecessor served
    until the day before, so no day is counted twice."""
    if on <= chief.appointed_on:
        raise ValidationError(
            {"on": [_("接任日期必须晚于前任的任职日期（%(day)s）。") % {"day": chief.appointed_on}]}
        )
    chief_relieve(chief=chief, on=on - datetime.timedelta(days=1))
    successor = model_create(
        model=Chief,
        data={
            "name": name,
            "phone": phone,
            "title": title or chief.title,
            "unit": unit or chief.unit,
            "role": chief.role,
            "region": chief.region,
            "appointed_on": on,
            "reaches": list(chief.reaches.all()),
        },
    )
    audit_record(action=AuditAction.CREATE, obj=successor, changes=created(successor))
    account = getattr(chief, "account", None)
    if account is not None:
        # The login belongs to the person, not the post: the old account loses the link.
        before = snapshot(account, fields=["chief", "is_active"])
        account.chief = None
        account.is_active = False
        account.save(update_fields=["chief", "is_active"])
        changes = diff(before, snapshot(account, fields=["chief", "is_active"]))
        audit_record(action=AuditAction.UPDATE, obj=account, changes=changes)
    audit_record(
        action=AuditAction.REPLACE,
        obj=chief,
        detail={"successor": successor.pk, "successor_name": successor.name, "on": on},
    )
    return successor


# --- water quality: monitoring points and their readings ---------------------------------------


def _check_point_reach(*, river: River, reach: Reach | None) -> None:
    if reach is not None and reach.river_id != river.pk:
        raise ValidationError({"reach": [_("该河段不属于所选河流。")]})


@transaction.atomic
def monitoring_point_create(*, user: User, river: River, **data) -> MonitoringPoint:
    reach = data.get("reach")
    _check_point_reach(river=river, reach=reach)
    if "water_body" not in data:
        # A lake's or a reservoir's point is graded by the lake limits unless told otherwise.
        lakes = {RiverKind.LAKE, RiverKind.RESERVOIR}
        data["water_body"] = WaterBody.LAKE if river.kind in lakes else WaterBody.RIVER
    point = model_create(model=MonitoringPoint, data={**data, "river": river})
    audit_record(user=user, action=AuditAction.CREATE, obj=point, changes=created(point))
    return point


@transaction.atomic
def monitoring_point_update(*, instance: MonitoringPoint, user: User, **data) -> MonitoringPoint:
    river = data.get("river", instance.river)
    reach = data.get("reach", instance.reach)
    _check_point_reach(river=river, reach=reach)
    before = snapshot(instance)
    point = model_update(instance=instance, data=data)
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=point, changes=diff(before, snapshot(point))
    )
    return point


@transaction.atomic
def water_reading_create(
    *, user: User, point: MonitoringPoint, sampled_on: datetime.date, **values
) -> WaterReading:
    if WaterReading.objects.filter(point=point, sampled_on=sampled_on).exists():
        raise ValidationError({"sampled_on": [_("该断面在这一天已有监测数据，请修改原记录。")]})
    reading = model_create(
        model=WaterReading, data={"point": point, "sampled_on": sampled_on, **values}
    )
    audit_record(user=user, action=AuditAction.CREATE, obj=reading, changes=created(reading))
    return reading


@transaction.atomic
def water_reading_update(*, instance: WaterReading, user: User, **data) -> WaterReading:
    point = data.get("point", instance.point)
    sampled_on = data.get("sampled_on", instance.sampled_on)
    clash = WaterReading.objects.filter(point=point, sampled_on=sampled_on).exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError({"sampled_on": [_("该断面在这一天已有监测数据，请修改原记录。")]})
    before = snapshot(instance)
    reading = model_update(instance=instance, data=data)
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=reading, changes=diff(before, snapshot(reading))
    )
    return reading
