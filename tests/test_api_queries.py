"""List endpoints cost the same number of queries for 5 rows as for 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role

from . import factories
from .conftest import make_account

ENDPOINTS = [
    "regions",
    "rivers",
    "reaches",
    "chiefs",
    "signs",
    "outfalls",
    "facilities",
    "accounts",
]


def _grow(street, count: int) -> None:
    """Give the street ``count`` of every kind of record."""
    for i in range(count):
        community = factories.CommunityFactory(parent=street)
        river = factories.RiverFactory(region=street)
        reach = factories.ReachFactory(river=river, region=community)
        factories.ChiefFactory(region=community, reaches=[reach])
        factories.SignFactory(reach=reach)
        factories.OutfallFactory(reach=reach)
        factories.FacilityFactory(reach=reach)
        chief = factories.ChiefFactory(region=community, reaches=[reach], name=f"有账号{i}")
        make_account(Role.CHIEF, community, chief=chief)


def _count_queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    rows = response.json()["count"] if url.endswith("500") else None
    return len(ctx.captured_queries), rows


@pytest.mark.parametrize("name", ENDPOINTS)
def test_list_queries_do_not_grow_with_rows(api, county, name):
    street = factories.StreetFactory(parent=county)
    client = api.as_user(make_account(Role.ADMIN, county))
    url = f"/api/v1/{name}/?page_size=500"

    _grow(street, 5)
    small, small_rows = _count_queries(client, url)
    _grow(street, 45)
    large, large_rows = _count_queries(client, url)

    assert large_rows >= 10 * small_rows / 2, "the second measure must really list more rows"
    assert large == small, (
        f"{name}: {small} queries for {small_rows} rows, {large} for {large_rows}"
    )
    assert small <= 6


@pytest.mark.parametrize("name", ENDPOINTS)
def test_xlsx_export_queries_do_not_grow_with_rows(api, county, name):
    street = factories.StreetFactory(parent=county)
    client = api.as_user(make_account(Role.ADMIN, county))
    url = f"/api/v1/{name}/?format=xlsx"
    _grow(street, 5)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(street, 45)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
