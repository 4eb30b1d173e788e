"""The rivers' scoping, on top of ``accounts.querysets.ScopedQuerySet`` (the one region-scoping
primitive): assets reached through their reach, rivers seen through the reaches that flow
through a region, and who was serving on the roster when.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q

from accounts.models import Region
from accounts.querysets import ScopedQuerySet, subtree_ids

if TYPE_CHECKING:
    from accounts.models import User


class ReachScopedQuerySet(ScopedQuerySet):
    region_lookup = "reach__region"


class RiverQuerySet(ScopedQuerySet):
    """A river is seen by the region that manages it and by every region it flows through."""

    def in_region(self, region: Region | int) -> Self:
        from .models import Reach  # the models module imports this one

        subtree = subtree_ids(region)
        in_subtree = Reach.objects.filter(river=models.OuterRef("pk"), region__in=subtree)
        return self.filter(Q(region__in=subtree) | models.Exists(in_subtree))

    def managed_by(self, user: User) -> Self:
        """Rivers the user may change: managed by a region in its scope, not merely seen
        through one of their reaches."""
        return self._for_user(user, super().in_region)


class MonitoringPointQuerySet(ScopedQuerySet):
    """A point on a reach belongs to the reach's region; one on no reach (a lake's centre, a
    boundary section) to the region that manages its river."""

    point_path = ""  # the lookup from the queried model to the point ("" for points themselves)

    def _point_q(self, subtree) -> Q:
        p = self.point_path
        return Q(**{f"{p}reach__region__in": subtree}) | Q(
            **{f"{p}reach__isnull": True, f"{p}river__region__in": subtree}
        )

    def in_region(self, region: Region | int) -> Self:
        return self.filter(self._point_q(subtree_ids(region)))


class WaterReadingQuerySet(MonitoringPointQuerySet):
    point_path = "point__"


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
