"""The roster exported as its ledger (河长名录), in exactly the shape ``rivers.ledger`` imports:
export, edit in Excel, import back."""

from django.db import models
from django.db.models import Prefetch
from django.utils import translation

from accounts.models import Region, RegionLevel
from core.ledgers import ExportColumn

from .ledger import CHOICES, COLUMNS
from .models import Chief, Reach


def _street_and_community(region: Region) -> tuple[str, str]:
    if region.level == RegionLevel.COMMUNITY:
        return (region.parent.name if region.parent_id else "", region.name)
    if region.level == RegionLevel.STREET:
        return (region.name, "")
    return ("", "")  # a county's own chiefs: the sheet has no column for a county


def roster_ledger_table(
    chiefs: models.QuerySet[Chief],
) -> tuple[list[ExportColumn], list[tuple[Chief, Reach | None]]]:
    """The roster ledger in exactly the shape its import reads (``COLUMNS``): one row a chief
    and reach, a chief who answers for no reach on a row of its own. An office exports it,
    edits it and imports it back.

    Serving entries only: the import appoints whoever it does not find serving, so a relieved
    entry in the sheet would come back to office.
    """
    chiefs = (
        chiefs.filter(relieved_on__isnull=True)
        .select_related("region__parent")
        .prefetch_related(
            Prefetch(
                "reaches",
                queryset=Reach.objects.select_related("river").order_by("river__code", "name"),
                to_attr="ledger_reaches",
            )
        )
    )
    rows = [(chief, reach) for chief in chiefs for reach in chief.ledger_reaches or [None]]
    # The ledger is a Chinese document whatever language the page is shown in (the import).
    with translation.override("zh-hans"):
        labels = {
            key: {value: str(label) for value, label in choices.choices}
            for key, (choices, _aliases) in CHOICES.items()
        }

    def reach_value(get):
        return lambda row: get(row[1]) if row[1] is not None else None

    values = {
        "street": lambda row: _street_and_community(row[0].region)[0],
        "community": lambda row: _street_and_community(row[0].region)[1],
        "river_name": reach_value(lambda reach: reach.river.name),
        "river_code": reach_value(lambda reach: reach.river.code),
        "river_kind": reach_value(lambda reach: labels["river_kind"].get(reach.river.kind)),
        "reach_name": reach_value(lambda reach: reach.name),
        "bank": reach_value(lambda reach: labels["bank"].get(reach.bank)),
        "reach_length": reach_value(lambda reach: reach.length_km),
        "role": lambda row: labels["role"].get(row[0].role),
        "name": lambda row: row[0].name,
        "title": lambda row: row[0].title,
        "unit": lambda row: row[0].unit,
        "phone": lambda row: row[0].phone,
        "appointed_on": lambda row: row[0].appointed_on,
    }
    # Text cells keep a landline's leading zero and long codes as typed, when edited too.
    formats = {"phone": "@", "river_code": "@"}
    columns = [
        ExportColumn(column.header, values[column.key], number_format=formats.get(column.key))
        for column in COLUMNS
    ]
    return columns, rows
