"""Reads for notifications: one's own messages, and who is told about an issue."""

import datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Region, RegionLevel, Role, User
from rivers.models import Chief

from .models import Notification

if TYPE_CHECKING:
    from issues.models import Issue


def notification_list(*, user: User) -> QuerySet[Notification]:
    """Only the account's own messages: anyone else's answer 404."""
    return Notification.objects.filter(recipient=user).select_related("issue")


def _street_of(region: Region) -> Region:
    if region.level == RegionLevel.COMMUNITY and region.parent_id is not None:
        return region.parent
    return region


def issue_assignee_accounts(*, issue: "Issue", today: datetime.date | None = None) -> list[User]:
    """The active accounts that answer for an issue's rectification, by who it is assigned to:

    - a chief: that chief's account;
    - a community: the accounts of the chiefs serving there, and the office of its street;
    - a department (named in words, no account of its own): the office of the issue's street,
      which hands the matter on.
    """
    today = today or timezone.localdate()
    accounts = User.objects.filter(is_active=True)
    if issue.assignee_chief_id is not None:
        accounts = accounts.filter(role=Role.CHIEF, chief_id=issue.assignee_chief_id)
    elif issue.assignee_region_id is not None:
        community = issue.assignee_region
        serving = Chief.objects.serving_on(today).filter(region=community)
        accounts = accounts.filter(
            Q(role=Role.CHIEF, chief__in=serving)
            | Q(role=Role.OFFICE, region=_street_of(community))
        )
    elif issue.assignee_unit:
        accounts = accounts.filter(role=Role.OFFICE, region=_street_of(issue.region))
    else:
        return []
    return list(accounts.order_by("pk"))
