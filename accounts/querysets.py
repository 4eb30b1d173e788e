"""Region scoping, in one place: every selector narrows its queryset with these methods.

A user sees their own region and every region below it. Regions form a tree of at most three
levels (county > street > community), so a region's subtree is itself, its children and its
grandchildren, and needs no stored path to keep in step.

The primitive lives here, at the bottom beside ``Region`` and the accounts it scopes, so that
every app above (rivers, the work apps, reports) narrows with it; ``rivers.querysets`` adds the
rivers' own lookups (through a reach, a river's reaches, who serves when).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from .models import Region, User


# A request's subtrees, read once each: region id -> the ids of the region and all below it.
# Set by request_started (accounts.apps), dropped by request_finished and emptied whenever a
# region is saved or deleted; outside a request (tasks, commands, shells) every call reads.
_subtrees: ContextVar[dict[int, list[int]] | None] = ContextVar("region_subtrees", default=None)


def remember_subtrees(**kwargs) -> None:
    _subtrees.set({})


@contextmanager
def subtrees_remembered() -> Iterator[None]:
    """Read each subtree once within the block (a task or a long computation outside a
    request, e.g. the statistics of a region, scoped many times over)."""
    token = _subtrees.set({}) if _subtrees.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _subtrees.reset(token)


def forget_subtrees(**kwargs) -> None:
    _subtrees.set(None)


def subtrees_changed(**kwargs) -> None:
    if _subtrees.get() is not None:
        _subtrees.set({})


def subtree_ids(region: Region | int) -> list[int]:
    """The ids of ``region`` and every region below it (one small indexed query). Within a
    request the subtrees of the regions below are kept too, so a page that breaks its figures
    down by street reads the tree once."""
    from .models import Region

    region_id = getattr(region, "pk", region)
    memo = _subtrees.get()
    if memo is not None and region_id in memo:
        return memo[region_id]
    rows = list(Region.objects.subtree(region_id).values_list("pk", "parent_id"))
    children: dict[int, list[int]] = {}
    for pk, parent_id in rows:
        children.setdefault(parent_id, []).append(pk)

    def below(pk: int) -> list[int]:
        ids = [pk]
        for child in children.get(pk, ()):
            ids.extend(below(child))
        return ids

    ids = below(region_id) if any(pk == region_id for pk, _ in rows) else []
    if memo is not None:
        for pk, _ in rows:
            memo[pk] = below(pk)
        memo[region_id] = ids
    return ids


class ScopedQuerySet(models.QuerySet):
    """Rows that belong to a region through ``region_lookup`` (e.g. ``reach__region``)."""

    region_lookup: str = "region"

    def in_region(self, region: Region | int) -> Self:
        # The subtree as a list of constants, not a subquery: PostgreSQL then knows how many
        # regions it holds and plans for it. A subquery hides the size: in a province's database
        # a street's patrol count scanned all 10 million patrols (1.1-1.9 s; 34 ms with the
        # list), and a county's first page either probed the regions per row or hashed them,
        # each form bad for one of the two (benchmarks/README.md, "province.py").
        return self.filter(**{f"{self.region_lookup}__in": subtree_ids(region)})

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
