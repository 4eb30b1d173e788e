"""Reads of the workbench: how many records of each kind the user sees, in one query."""

from django.core.exceptions import EmptyResultSet
from django.db import connection

from accounts.models import User
from core.pagination import COUNT_CAP

from .registry import RESOURCES, Resource


def _capped_count_sql(resource: Resource, user: User, alias: str) -> tuple[str, list]:
    """``SELECT count(*)`` of at most COUNT_CAP + 1 of the rows the user sees: a county's
    million patrols are not counted on every visit to the home page."""
    rows = resource.viewset.selector(user=user).order_by().values("pk")[: COUNT_CAP + 1]
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a selector that answers .none()
        return "0", []
    # Django's own compiled SQL, its values kept apart as parameters.
    return f"(SELECT count(*) FROM ({sql}) AS {alias})", list(params)  # noqa: S608


def record_counts(*, user: User) -> list[tuple[Resource, int | str]]:
    """(resource, rows the user sees) for every workbench record the user may read, in the
    registry's order; one SQL statement of scalar subqueries over the scoped selectors. A count
    past COUNT_CAP reads "10,000+" (the lists say the same)."""
    readable = [r for r in RESOURCES.values() if r.can_read(user)]
    if not readable:
        return []
    parts, params = [], []
    for index, resource in enumerate(readable):
        sql, values = _capped_count_sql(resource, user, f"n{index}")
        parts.append(sql)
        params += values
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        counts = cursor.fetchone()
    return [
        (resource, n if n <= COUNT_CAP else f"{COUNT_CAP:,}+")
        for resource, n in zip(readable, counts, strict=True)
    ]
