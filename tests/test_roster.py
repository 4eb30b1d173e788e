"""The roster keeps its history: a period's figures count whoever served in it."""

import datetime

import pytest

from accounts.models import Role
from rivers import services
from rivers.models import Chief

from . import factories
from .conftest import make_account


def test_replacing_a_chief_keeps_the_old_record_and_hands_over_the_reaches(street_a):
    old = street_a.chiefs[0]
    successor = services.chief_replace(
        chief=old, on=datetime.date(2024, 7, 1), name="新河长", phone="13700001111"
    )
    old.refresh_from_db()
    assert old.relieved_on == datetime.date(2024, 6, 30)
    assert successor.appointed_on == datetime.date(2024, 7, 1)
    assert successor.role == old.role and successor.region == old.region
    assert set(successor.reaches.all()) == set(old.reaches.all())


def test_a_period_counts_whoever_served_in_it(street_a):
    old = street_a.chiefs[0]
    successor = services.chief_replace(
        chief=old, on=datetime.date(2024, 7, 1), name="新河长", phone="13700001111"
    )
    scoped = Chief.objects.filter(pk__in=[old.pk, successor.pk])
    first_half = scoped.serving_between(datetime.date(2024, 1, 1), datetime.date(2024, 6, 30))
    second_half = scoped.serving_between(datetime.date(2024, 7, 1), datetime.date(2024, 12, 31))
    whole_year = scoped.serving_between(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))
    assert set(first_half) == {old}
    assert set(second_half) == {successor}
    assert set(whole_year) == {old, successor}
    assert set(scoped.serving_on(datetime.date(2022, 12, 31))) == set()


def test_replacement_switches_off_the_old_chief_account(street_a):
    old = street_a.chiefs[0]
    account = make_account(Role.CHIEF, old.region, chief=old)
    services.chief_replace(chief=old, on=datetime.date(2024, 7, 1), name="新", phone="13700001111")
    account.refresh_from_db()
    assert account.chief is None and not account.is_active


def test_replacement_before_the_appointment_is_refused_and_changes_nothing(api, office_a, street_a):
    old = street_a.chiefs[0]
    response = api.as_user(office_a).post(
        f"/api/v1/chiefs/{old.pk}/replace/",
        {"on": "2022-06-01", "name": "太早", "phone": "13700001111"},
        format="json",
    )
    assert response.status_code == 400
    old.refresh_from_db()
    assert old.relieved_on is None
    assert not Chief.objects.filter(name="太早").exists()


def test_replace_through_the_api(api, office_a, street_a):
    old = street_a.chiefs[0]
    response = api.as_user(office_a).post(
        f"/api/v1/chiefs/{old.pk}/replace/",
        {"on": "2024-07-01", "name": "接任者", "phone": "13700001111"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "接任者" and body["appointed_on"] == "2024-07-01"
    assert body["reaches"] == [street_a.reaches[0].pk]
    listed = api.get("/api/v1/chiefs/?date_from=2024-01-01&date_to=2024-06-30").json()
    assert old.pk in {row["id"] for row in listed["results"]}
    assert body["id"] not in {row["id"] for row in listed["results"]}


def test_relieving_twice_answers_409(api, office_a, street_a):
    chief = street_a.chiefs[0]
    client = api.as_user(office_a)
    url = f"/api/v1/chiefs/{chief.pk}/relieve/"
    assert client.post(url, {"on": "2024-03-01"}, format="json").status_code == 200
    response = client.post(url, {"on": "2024-04-01"}, format="json")
    assert response.status_code == 409
    chief.refresh_from_db()
    assert chief.relieved_on == datetime.date(2024, 3, 1)


def test_serving_filter(api, office_a, street_a):
    services.chief_relieve(chief=street_a.chiefs[0], on=datetime.date(2024, 3, 1))
    rows = api.as_user(office_a).get("/api/v1/chiefs/?serving=true").json()["results"]
    assert {row["id"] for row in rows} == {street_a.chiefs[1].pk}


def test_deleting_a_river_with_reaches_answers_409(api, office_a, street_a):
    river = street_a.reaches[0].river
    response = api.as_user(office_a).delete(f"/api/v1/rivers/{river.pk}/")
    assert response.status_code == 409
    assert "河段" in response.json()["detail"]


@pytest.mark.parametrize(
    ("creator_role", "new_role", "allowed"),
    [
        (Role.ADMIN, Role.ADMIN, True),
        (Role.ADMIN, Role.OFFICE, True),
        (Role.OFFICE, Role.OFFICE, True),
        (Role.OFFICE, Role.LEADER, True),
        (Role.OFFICE, Role.ADMIN, False),
        (Role.LEADER, Role.LEADER, False),
        (Role.CHIEF, Role.CHIEF, False),
    ],
)
def test_who_may_create_which_accounts(api, street_a, creator_role, new_role, allowed):
    chief = street_a.chiefs[0]
    creator = make_account(
        creator_role, street_a.street, chief=chief if creator_role == Role.CHIEF else None
    )
    response = api.as_user(creator).post(
        "/api/v1/accounts/",
        {
            "username": "newbie",
            "password": "a-long-Passphrase-42",
            "role": new_role,
            "region": street_a.street.pk,
        },
        format="json",
    )
    assert response.status_code == (201 if allowed else 403), response.content


def test_chief_account_must_link_a_roster_entry_and_takes_its_region(api, office_a, street_a):
    client = api.as_user(office_a)
    payload = {
        "username": "chiefx",
        "password": "a-long-Passphrase-42",
        "role": "chief",
        "region": street_a.street.pk,
    }
    response = client.post("/api/v1/accounts/", payload, format="json")
    assert response.status_code == 400 and "chief" in response.json()
    chief = street_a.chiefs[1]
    response = client.post("/api/v1/accounts/", {**payload, "chief": chief.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["region"] == chief.region_id


def test_account_password_is_never_returned(api, office_a):
    rows = api.as_user(office_a).get("/api/v1/accounts/").json()["results"]
    assert rows and all("password" not in row for row in rows)


def test_token_login_and_revoke(client, street_a):
    user = factories.UserFactory(region=street_a.street)
    response = client.post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": "correct-horse-battery"},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert client.get("/api/v1/reaches/", **auth).status_code == 200
    assert client.delete("/api/v1/auth/token/", **auth).status_code == 204
    assert client.get("/api/v1/reaches/", **auth).status_code == 401


def test_token_with_bad_password_answers_400(client, street_a):
    user = factories.UserFactory(region=street_a.street)
    response = client.post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "token" not in response.json()
