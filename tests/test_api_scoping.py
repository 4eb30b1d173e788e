"""Every read is scoped to the account's region: records outside answer 404, as if absent."""

import pytest

from accounts.models import Role
from rivers.models import Chief, Reach, River

from .conftest import make_account

LIST_ENDPOINTS = ["regions", "rivers", "reaches", "chiefs", "signs", "outfalls", "facilities"]


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.django_db
def test_anonymous_requests_answer_401(api, street_a):
    for name in [*LIST_ENDPOINTS, "accounts"]:
        response = api.get(f"/api/v1/{name}/")
        assert response.status_code == 401, name


def test_community_chief_sees_only_its_community_reaches(api, chief_a1, street_a, street_b):
    own = street_a.reaches[0]
    response = api.as_user(chief_a1).get("/api/v1/reaches/")
    assert _ids(response) == {own.pk}


def test_community_chief_gets_404_on_another_community_records(api, chief_a1, street_a, street_b):
    client = api.as_user(chief_a1)
    neighbour = street_a.reaches[1]  # same street, other community
    far = street_b.reaches[0]
    for reach in (neighbour, far):
        assert client.get(f"/api/v1/reaches/{reach.pk}/").status_code == 404
        assert client.get(f"/api/v1/signs/{reach.signs.get().pk}/").status_code == 404
        assert client.get(f"/api/v1/outfalls/{reach.outfalls.get().pk}/").status_code == 404
        assert client.get(f"/api/v1/facilities/{reach.facilities.get().pk}/").status_code == 404
        assert client.get(f"/api/v1/chiefs/{reach.chiefs.get().pk}/").status_code == 404
        assert client.get(f"/api/v1/regions/{reach.region_id}/").status_code == 404


def test_community_chief_sees_river_of_its_reach_but_not_others(api, chief_a1, street_a, street_b):
    client = api.as_user(chief_a1)
    assert _ids(client.get("/api/v1/rivers/")) == {street_a.reaches[0].river_id}
    assert client.get(f"/api/v1/rivers/{street_b.reaches[0].river_id}/").status_code == 404


def test_chief_may_read_but_not_write(api, chief_a1, street_a):
    client = api.as_user(chief_a1)
    reach = street_a.reaches[0]
    response = client.patch(f"/api/v1/reaches/{reach.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 403
    reach.refresh_from_db()
    assert reach.name != "改名"


def test_office_of_one_street_lists_only_its_street(api, office_a, street_a, street_b):
    client = api.as_user(office_a)
    assert _ids(client.get("/api/v1/reaches/")) == {r.pk for r in street_a.reaches}
    assert _ids(client.get("/api/v1/chiefs/")) == {c.pk for c in street_a.chiefs}
    regions = _ids(client.get("/api/v1/regions/"))
    assert regions == {street_a.street.pk, *(c.pk for c in street_a.communities)}


def test_office_cannot_read_or_change_another_street(api, office_a, street_b):
    client = api.as_user(office_a)
    reach = street_b.reaches[0]
    chief = street_b.chiefs[0]
    river = reach.river
    assert client.get(f"/api/v1/reaches/{reach.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/reaches/{reach.pk}/", {"name": "x"}, format="json").status_code
        == 404
    )
    assert (
        client.put(
            f"/api/v1/chiefs/{chief.pk}/",
            {
                "name": "x",
                "phone": "13800000000",
                "role": "community_chief",
                "region": chief.region_id,
                "appointed_on": "2023-01-01",
            },
            format="json",
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/rivers/{river.pk}/").status_code == 404
    assert client.delete(f"/api/v1/signs/{reach.signs.get().pk}/").status_code == 404
    reach.refresh_from_db()
    chief.refresh_from_db()
    assert reach.name != "x" and chief.name != "x"
    assert River.objects.filter(pk=river.pk).exists()


def test_office_cannot_create_records_in_another_street(api, office_a, street_b):
    client = api.as_user(office_a)
    other_community = street_b.communities[0]
    other_reach = street_b.reaches[0]
    response = client.post(
        "/api/v1/reaches/",
        {
            "river": other_reach.river_id,
            "region": other_community.pk,
            "name": "越界段",
            "length_km": "1.0",
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"river", "region"}
    response = client.post(
        "/api/v1/chiefs/",
        {
            "name": "越界",
            "phone": "13912345678",
            "role": "community_chief",
            "region": other_community.pk,
            "reaches": [other_reach.pk],
            "appointed_on": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"region", "reaches"}
    assert not Reach.objects.filter(name="越界段").exists()
    assert not Chief.objects.filter(name="越界").exists()


def test_region_filter_outside_scope_is_refused(api, office_a, street_b):
    response = api.as_user(office_a).get(f"/api/v1/reaches/?region={street_b.street.pk}")
    assert response.status_code == 400
    assert "region" in response.json()


def test_region_filter_narrows_to_a_community(api, office_a, street_a):
    community = street_a.communities[1]
    response = api.as_user(office_a).get(f"/api/v1/signs/?region={community.pk}")
    assert _ids(response) == {street_a.reaches[1].signs.get().pk}


def test_county_admin_sees_both_streets(api, admin_user, street_a, street_b):
    reaches = _ids(api.as_user(admin_user).get("/api/v1/reaches/"))
    assert reaches == {r.pk for r in street_a.reaches + street_b.reaches}


def test_superuser_sees_every_region(api, street_a, street_b):
    root = make_account(Role.OFFICE, None)
    root.is_superuser = True
    root.save()
    assert len(_ids(api.as_user(root).get("/api/v1/rivers/"))) == 2


def test_account_without_region_sees_nothing(api, street_a):
    lost = make_account(Role.OFFICE, None)
    for name in LIST_ENDPOINTS:
        assert _ids(api.as_user(lost).get(f"/api/v1/{name}/")) == set(), name


def test_river_seen_through_a_reach_cannot_be_changed_by_that_street(api, county, street_a):
    # A county-managed river flowing through street A: A sees it but may not edit it.
    from .factories import ReachFactory, RiverFactory

    river = RiverFactory(region=county, name="县管河")
    ReachFactory(river=river, region=street_a.communities[0])
    office = make_account(Role.OFFICE, street_a.street)
    client = api.as_user(office)
    assert client.get(f"/api/v1/rivers/{river.pk}/").status_code == 200
    response = client.patch(f"/api/v1/rivers/{river.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 403
    river.refresh_from_db()
    assert river.name == "县管河"


def test_leader_reads_but_cannot_write(api, street_a):
    leader = make_account(Role.LEADER, street_a.street)
    client = api.as_user(leader)
    assert len(_ids(client.get("/api/v1/reaches/"))) == 2
    response = client.post(
        "/api/v1/rivers/",
        {"name": "新河", "code": "NEW1", "kind": "river", "length_km": "3"},
        format="json",
    )
    assert response.status_code == 403
    assert not River.objects.filter(code="NEW1").exists()
