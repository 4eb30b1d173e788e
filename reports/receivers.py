"""The rollups listen to what the lower apps announce (their ``signals`` modules): every change
that can move a figure refreshes the cells it moves, whoever made it, so the dashboard says
what a report made the same minute says."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from activities.signals import activities_changed
from issues.signals import issues_changed
from patrols.signals import patrol_rules_changed, patrols_changed
from rivers.signals import roster_changed

from . import rollups


@receiver(patrols_changed, dispatch_uid="reports.rollups.patrols")
@receiver(issues_changed, dispatch_uid="reports.rollups.issues")
@receiver(activities_changed, dispatch_uid="reports.rollups.activities")
def records_changed(sender: Any, records: list[Any], **kwargs: Any) -> None:
    rollups.touch(*records)


@receiver(patrol_rules_changed, dispatch_uid="reports.rollups.rules")
def rules_changed(sender: Any, records: list[Any], **kwargs: Any) -> None:
    # What every chief owes may change from the rule's first day (a rule edit takes effect
    # from a date; an admin edit of an old row reaches back as far as the row).
    rollups.touch_chiefs(since=min(rule.valid_from for rule in records))


@receiver(roster_changed, dispatch_uid="reports.rollups.roster")
def roster_changed_(sender: Any, records: list[Any], **kwargs: Any) -> None:
    rollups.touch_chiefs(
        since=min(chief.appointed_on for chief in records),
        chief_ids={chief.pk for chief in records},
    )
