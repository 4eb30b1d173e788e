"""Writes with rules for the organisation and the roster."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Region, User
from audit.models import AuditAction
from audit.services import audit_record, created, diff, snapshot
from core.exceptions import StateConflict
from core.services import model_create, model_update
from core.text import join_items

from .models import Chief, Reach, River


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
    subtree = set(Region.objects.subtree(region).values_list("pk", flat=True))
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
