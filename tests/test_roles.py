"""Who may do what, written out literally.

The access matrix (``test_access_matrix.py``) reads its expectations from the views' declared
roles, so a wrong entry in a named set (``accounts.roles``) would move the matrix with it. Here
the sets, and the roles a few key routes admit, are spelled out by hand: a wrong entry fails.
"""

from types import SimpleNamespace

import pytest
from django.urls import resolve
from rest_framework.exceptions import PermissionDenied
from rest_framework.settings import api_settings

from accounts.models import Region, RegionLevel, Role, User
from accounts.roles import (
    ADMINS,
    ASSIGNABLE_ROLES,
    CHIEFS,
    EVERY_ROLE,
    LEADERS,
    OFFICE_AND_CHIEFS,
    OFFICE_ROLES,
    PASSWORD_RESETTABLE_ROLES,
    REGION_READERS,
    SECOND_FACTOR_RESETTABLE_ROLES,
    SECOND_FACTOR_ROLES,
    TOKEN_MANAGERS,
    writes_policy,
)
from issues.workflow import TRANSITIONS
from workbench.registry import RESOURCES


def test_each_named_set_holds_exactly_its_roles():
    assert {"admin"} == ADMINS
    assert {"admin", "office"} == OFFICE_ROLES
    assert {"admin", "office", "leader"} == REGION_READERS
    assert {"admin", "office", "chief"} == OFFICE_AND_CHIEFS
    assert {"leader"} == LEADERS
    assert {"chief"} == CHIEFS
    assert {"admin", "office", "leader", "chief"} == EVERY_ROLE
    assert {"admin", "office"} == SECOND_FACTOR_ROLES
    assert {"admin", "office"} == TOKEN_MANAGERS


def test_who_creates_and_resets_whose_account():
    assert {
        "admin": {"admin", "office", "leader", "chief"},
        "office": {"office", "leader", "chief"},
        "leader": set(),
        "chief": set(),
    } == ASSIGNABLE_ROLES
    assert {
        "admin": {"admin", "office", "leader", "chief"},
        "office": {"chief"},
        "leader": set(),
        "chief": set(),
    } == PASSWORD_RESETTABLE_ROLES
    assert {
        "admin": {"admin", "office", "leader", "chief"},
        "office": {"office"},
        "leader": set(),
        "chief": set(),
    } == SECOND_FACTOR_RESETTABLE_ROLES


# Accounts of every role: the office twice, at the county (writes the portal-wide rules) and at
# a street (does not). Unsaved: the permission reads only the role and the region.
_COUNTY = Region(pk=1, name="县", code="1", level=RegionLevel.COUNTY)
_STREET = Region(pk=2, name="街道", code="2", level=RegionLevel.STREET, parent=_COUNTY)


def _account(role: str, region: Region) -> User:
    account = User(username=f"{role}-{region.code}", role=role)
    account.region = region
    return account


ACCOUNTS = {
    "admin": _account(Role.ADMIN, _STREET),
    "office@county": _account(Role.OFFICE, _COUNTY),
    "office@street": _account(Role.OFFICE, _STREET),
    "leader": _account(Role.LEADER, _STREET),
    "chief": _account(Role.CHIEF, _STREET),
}
EVERYONE = {"admin", "office@county", "office@street", "leader", "chief"}
OFFICE = {"admin", "office@county", "office@street"}
READERS = {"admin", "office@county", "office@street", "leader"}
FIELD = {"admin", "office@county", "office@street", "chief"}

# (path, method): the accounts admitted, whatever the record (scoping comes after: 404).
ROUTES = {
    ("/api/v1/regions/", "GET"): EVERYONE,
    ("/api/v1/regions/", "POST"): {"admin"},
    ("/api/v1/accounts/", "GET"): OFFICE,
    ("/api/v1/accounts/", "POST"): OFFICE,
    ("/api/v1/rivers/", "GET"): EVERYONE,
    ("/api/v1/rivers/", "POST"): OFFICE,
    ("/api/v1/chiefs/1/replace/", "POST"): OFFICE,
    ("/api/v1/ledgers/roster/", "POST"): OFFICE,
    ("/api/v1/ledgers/signs/", "POST"): OFFICE,
    ("/api/v1/ledgers/outfalls/template/", "GET"): OFFICE,
    ("/api/v1/ledgers/facilities/", "POST"): OFFICE,
    ("/api/v1/patrols/", "POST"): FIELD,
    ("/api/v1/patrol-rules/", "GET"): EVERYONE,
    ("/api/v1/patrol-rules/", "POST"): {"admin", "office@county"},
    ("/api/v1/deadline-rules/1/", "PATCH"): {"admin", "office@county"},
    ("/api/v1/calendar-days/", "POST"): {"admin"},
    ("/api/v1/patrol-compliance/", "GET"): EVERYONE,
    ("/api/v1/patrol-compliance/rankings/", "GET"): READERS,
    ("/api/v1/issues/", "POST"): FIELD,
    ("/api/v1/issues/1/", "PATCH"): OFFICE,
    ("/api/v1/issues/1/", "DELETE"): OFFICE,
    ("/api/v1/issues/1/actions/", "POST"): EVERYONE,
    ("/api/v1/issues/1/photos/", "POST"): FIELD,
    ("/api/v1/issues/ledger/", "GET"): READERS,
    ("/api/v1/map-patches/", "POST"): OFFICE,
    ("/api/v1/map-patches/1/verify/", "POST"): FIELD,
    ("/api/v1/public-reports/", "GET"): OFFICE,
    ("/api/v1/publicity-events/", "POST"): OFFICE,
    ("/api/v1/notifications/1/read/", "POST"): EVERYONE,
    ("/api/v1/stats/", "GET"): EVERYONE,
    ("/api/v1/stats/records/", "GET"): READERS,
    ("/api/v1/dashboard/", "GET"): READERS,
    ("/api/v1/reports/", "GET"): READERS,
    ("/api/v1/reports/", "POST"): OFFICE,
    ("/api/v1/bulletins/", "GET"): READERS,
    ("/api/v1/audit-entries/", "GET"): {"admin"},
}


def _admits(path: str, method: str, account: User) -> bool:
    match = resolve(path)
    callback = match.func
    view = callback.cls(**getattr(callback, "initkwargs", {}))
    actions = getattr(callback, "actions", None)
    if actions is not None:
        view.action = actions[method.lower()]
    permission = api_settings.DEFAULT_PERMISSION_CLASSES[0]()
    request = SimpleNamespace(method=method, user=account)
    try:
        return permission.has_permission(request, view)
    except PermissionDenied:  # a write_check's refusal
        return False


@pytest.mark.parametrize(("path", "method"), list(ROUTES), ids=[f"{m} {p}" for p, m in ROUTES])
def test_a_key_route_admits_exactly_these_accounts(path, method):
    admitted = {name for name, account in ACCOUNTS.items() if _admits(path, method, account)}
    assert admitted == ROUTES[(path, method)]


def test_only_an_admin_or_the_county_office_writes_the_portal_wide_rules():
    assert {name for name, account in ACCOUNTS.items() if writes_policy(account)} == {
        "admin",
        "office@county",
    }


def test_the_workflow_actions_admit_exactly_these_roles():
    assert {action: set(transition.roles) for action, transition in TRANSITIONS.items()} == {
        "assign": {"admin", "office"},
        "start": {"admin", "office", "chief"},
        "submit": {"admin", "office", "chief"},
        "accept": {"admin", "office"},
        "reject": {"admin", "office"},
        "escalate": {"admin", "office"},
        "remind": {"admin", "office"},
        "refer": {"admin", "office"},
        "void": {"admin", "office"},
    }


def test_the_workbench_records_are_written_by_exactly_these_roles():
    writers = {slug: set(resource.roles_to_write()) for slug, resource in RESOURCES.items()}
    office = {"admin", "office"}
    assert writers == {
        "rivers": office,
        "reaches": office,
        "chiefs": office,
        "signs": office,
        "outfalls": office,
        "facilities": office,
        "river-plans": office,  # of the region that manages the river (views_river_plans)
        "patrols": set(),  # filed on the phone page and the API, not on the workbench
        "patrol-rules": office,  # and of the office, only the county's (writes_policy)
        "publicity-events": office,
        "cleanups": office,
        "meetings": office,
        "inspections": office,
        "sign-updates": office,
        "outfall-checks": office,
        "facility-checks": office,
        "accounts": office,
        "map-patches": set(),  # verified on the phone (the API); the workbench only lists them
    }
    assert set(RESOURCES["accounts"].read_roles) == office
