"""Region scoping, in one place: every selector narrows its queryset with these methods.

A user sees their own region and every region below it. Regions form a tree of at most three
levels (county > street > community), so a region's subtree is itself, its children and its
grandchildren, and needs no stored path to keep in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from accounts.models import User

    from .models import Region


class ScopedQuerySet(models.QuerySet):
    """Rows that belong to a region through ``region_lookup`` (e.g. ``reach__region``)."""

    region_lookup: str = "region"

    def in_region(self, region: Region | int) -> Self:
        from .models import Region

        return self.filter(**{f"{self.region_lookup}__in": Region.objects.subtree(region)})

    def visible_to(self, user: User) -> Self:
        return self._for_user(user, self.in_region)

    def _for_user(self, user: User, narrow) -> Self:
        if user.sees_all_regions:
            return self
        if user.region_id is None:
            return self.none()
        return narrow(user.region_id)


class RegionQuerySet(ScopedQuerySet):
    def subtree(self, region: Region | int) -> Self:
        region_id = getattr(region, "pk", region)
        return self.filter(
            Q(pk=region_id) | Q(parent_id=region_id) | Q(parent__parent_id=region_id)
        )

    def in_region(self, region: Region | int) -> Self:
        return self.subtree(region)


class ReachScopedQuerySet(ScopedQuerySet):
    region_lookup = "reach__region"


class RiverQuerySet(ScopedQuerySet):
    """A river is seen by the region that manages it and by every region it flows through."""

    def in_region(self, region: Region | int) -> Self:
        from .models import Reach, Region

        subtree = Region.objects.subtree(region)
        in_subtree = Reach.objects.filter(river=models.OuterRef("pk"), region__in=subtree)
        return self.filter(Q(region__in=subtree) | models.Exists(in_subtree))

    def managed_by(self, user: User) -> Self:
        """Rivers the user may change: managed by a region in its scope, not merely seen
        through one of their reaches."""
        return self._for_user(user, super().in_region)


def serving_q(date_from, date_to) -> Q:
    """Roster entries in post at any time from ``date_from`` to ``date_to`` (None: open), as a
    condition other queries can put inside their own (a figure's FILTER, an EXISTS)."""
    condition = Q()
    if date_to is not None:
        condition &= Q(appointed_on__lte=date_to)
    if date_from is not None:
        condition &= Q(relieved_on__isnull=True) | Q(relieved_on__gte=date_from)
    return condition


class ChiefQuerySet(ScopedQuerySet):
    def serving_between(self, date_from, date_to) -> Self:
        """Whoever held the post at any time in the period, relieved or not since."""
        return self.filter(serving_q(date_from, date_to))

    def serving_on(self, day) -> Self:
        return self.serving_between(day, day)
