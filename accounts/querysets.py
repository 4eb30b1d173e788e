"""Region scoping, in one place: every selector narrows its queryset with these methods.

A user sees their own region and every region below it. Regions form a tree of at most three
levels (county > street > community), so a region's subtree is itself, its children and its
grandchildren, and needs no stored path to keep in step.

The primitive lives here, at the bottom beside ``Region`` and the accounts it scopes, so that
every app above (rivers, the work apps, reports) narrows with it; ``rivers.querysets`` adds the
rivers' own lookups (through a reach, a river's reaches, who serves when).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import In

if TYPE_CHECKING:
    from .models import Region, User


class _IsTrue(models.Func):
    template = "(%(expressions)s) IS TRUE"
    output_field = models.BooleanField()


class ScopedQuerySet(models.QuerySet):
    """Rows that belong to a region through ``region_lookup`` (e.g. ``reach__region``)."""

    region_lookup: str = "region"

    def in_region(self, region: Region | int) -> Self:
        from .models import Region

        subtree = Region.objects.subtree(region).values("pk")
        # "(region IN (subtree)) IS TRUE", not a plain IN: PostgreSQL turns a plain IN into a
        # semi-join, and under a LIMIT (a list's first page down its date index) probes the
        # regions table twice for every row it reads; kept as a condition, the subtree is read
        # once into a hash ("hashed SubPlan"). A county's issue page in a province's database:
        # 110-160 ms -> 6-11 ms. Same rows: a NULL region is no more TRUE than IN.
        return self.filter(_IsTrue(In(F(self.region_lookup), subtree)))

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
        # Grandchildren as "parent among the children" rather than through a join to the
        # parent: each branch is then an index probe, not a hash join of the whole table under
        # an OR (15,000 regions of a province: 7-10 ms -> 2.5 ms, and every scoped query reads
        # a subtree).
        children = self.model.objects.filter(parent_id=region_id).values("pk")
        return self.filter(Q(pk=region_id) | Q(parent_id=region_id) | Q(parent_id__in=children))

    def in_region(self, region: Region | int) -> Self:
        return self.subtree(region)

    def full_names(self) -> dict[int, str]:
        """Each region's full name, from the top of the tree down ("示范区/东风街道/东风社区"),
        in one query: what a ledger writes for a region (``core.exports`` asks for it)."""
        return {region.pk: region.full_name for region in self.select_related("parent__parent")}
