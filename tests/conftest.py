"""Shared fixtures: a county with two streets, each with two communities, and their records."""

from dataclasses import dataclass

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations
from rest_framework.test import APIClient

from accounts.models import Region, Role, User
from rivers.models import Chief, ChiefRole, Reach

from . import factories

_execute_sql_flush = DatabaseOperations.execute_sql_flush


def _execute_sql_flush_with_audit(self, sql_list):
    """The flush after a transactional test truncates every table, the audit log too, which its
    trigger refuses unless this transaction says otherwise (audit/migrations/0003)."""
    return _execute_sql_flush(self, ["SET LOCAL audit.allow_truncate = 'on'", *sql_list])


DatabaseOperations.execute_sql_flush = _execute_sql_flush_with_audit


@dataclass
class Street:
    street: Region
    communities: list[Region]
    reaches: list[Reach]
    chiefs: list[Chief]


def _build_street(county: Region, n: int) -> Street:
    street = factories.StreetFactory(parent=county, name=f"街道{n}", code=f"{county.code}{n:03d}")
    communities = [
        factories.CommunityFactory(
            parent=street, name=f"街道{n}社区{i}", code=f"{street.code}{i:03d}"
        )
        for i in (1, 2)
    ]
    river = factories.RiverFactory(region=street, name=f"街道{n}河")
    reaches = [
        factories.ReachFactory(river=river, region=community, name=f"{community.name}段")
        for community in communities
    ]
    chiefs = [
        factories.ChiefFactory(region=reach.region, reaches=[reach], role=ChiefRole.COMMUNITY_CHIEF)
        for reach in reaches
    ]
    for reach in reaches:
        factories.SignFactory(reach=reach)
        factories.OutfallFactory(reach=reach)
        factories.FacilityFactory(reach=reach)
    return Street(street=street, communities=communities, reaches=reaches, chiefs=chiefs)


@pytest.fixture
def county(db) -> Region:
    return factories.CountyFactory(name="测试区", code="410100")


@pytest.fixture
def street_a(county) -> Street:
    return _build_street(county, 1)


@pytest.fixture
def street_b(county) -> Street:
    return _build_street(county, 2)


def make_account(role: str, region: Region | None, chief: Chief | None = None) -> User:
    return factories.UserFactory(role=role, region=region, chief=chief)


@pytest.fixture
def office_a(street_a) -> User:
    return make_account(Role.OFFICE, street_a.street)


@pytest.fixture
def office_b(street_b) -> User:
    return make_account(Role.OFFICE, street_b.street)


@pytest.fixture
def chief_a1(street_a) -> User:
    chief = street_a.chiefs[0]
    return make_account(Role.CHIEF, chief.region, chief=chief)


@pytest.fixture
def admin_user(county) -> User:
    return make_account(Role.ADMIN, county)


@pytest.fixture
def api():
    """An API client; ``api.as_user(user)`` logs in with a token like an outside client."""

    client = APIClient()

    def as_user(user: User) -> APIClient:
        client.force_authenticate(user=user)
        return client

    client.as_user = as_user
    return client


def pytest_collection_modifyitems(items):
    """Every test that commits must restore the database as migrations left it.

    A transactional test empties the tables when it ends. With ``serialized_rollback`` it puts
    back what the migrations wrote (content types, default rules, the holiday calendar); mixing
    the two kinds makes a later restore collide with content types recreated in between.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        # Asking for the transactional_db fixture (or live_server's) without the marker is the
        # same mix: its flush recreates the content types the next restore puts back.
        asks = {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ) or (asks and not (marker and marker.kwargs.get("serialized_rollback"))):
            raise pytest.UsageError(
                f"{item.nodeid}: use django_db(transaction=True, serialized_rollback=True)"
            )


@pytest.fixture
def media_root(settings, tmp_path):
    """Stored files (documents, photos) go to a scratch folder of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


@pytest.fixture
def chief_account(db):
    """A chief's account on a reach of their own (``(user, chief, reach)``): the phone patrol
    page's browser tests (tests/phone_browser.py)."""
    reach = factories.ReachFactory(name="城区段")
    chief = factories.ChiefFactory(region=reach.region, reaches=[reach])
    user = factories.UserFactory(role=Role.CHIEF, chief=chief, region=chief.region)
    return user, chief, reach


@pytest.fixture
def workers(tmp_path, monkeypatch):
    """Real Celery workers on a queue of the test's own (tests.documents.Workers)."""
    from .documents import Workers

    pool = Workers(tmp_path, monkeypatch)
    try:
        yield pool
    finally:
        pool.stop()


@pytest.fixture(autouse=True)
def _redis_breakers_closed():
    """A test that made Redis fail (core.broker, core.cache) must not skip the next test's sends."""
    from core.broker import BROKER
    from core.cache import CACHE

    BROKER.reset()
    CACHE.reset()
    yield
    BROKER.reset()
    CACHE.reset()
