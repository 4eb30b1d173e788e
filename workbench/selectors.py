"""Reads of the workbench: how many records of each kind the user sees, in one query."""

from django.db.models import Count, IntegerField, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User

from .registry import RESOURCES, Resource


def _count(resource: Resource, user: User) -> Subquery:
    rows = resource.viewset.selector(user=user).order_by()
    counted = rows.annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def record_counts(*, user: User) -> list[tuple[Resource, int]]:
    """(resource, rows the user sees) for every workbench record the user may read, in the
    registry's order; one SQL statement of scalar subqueries over the scoped selectors."""
    readable = [r for r in RESOURCES.values() if r.can_read(user)]
    names = {f"n{i}": _count(r, user) for i, r in enumerate(readable)}
    counts = User.objects.filter(pk=user.pk).annotate(**names).values(*names).get()
    return [(r, counts[f"n{i}"]) for i, r in enumerate(readable)]
