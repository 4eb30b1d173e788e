"""The records a work report's sentences stand on: a check's topics and participants (the joint
check of a street chief with the police chief), a publicity event's venues, a cleanup's
volunteers; through the API, the workbench's forms, the admin and the xlsx export; and
``joint_police_checks``, which the reports ask before claiming a joint check."""

import datetime
import re
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from activities.models import Cleanup, Inspection, PublicityEvent
from activities.selectors import JointPoliceChecks, joint_police_checks
from rivers.models import ChiefRole

from . import factories
from .conftest import make_account

D = datetime.date


@pytest.fixture
def roster_a(street_a):
    """Street A's street chief and police chief (the conftest roster has community chiefs)."""
    street = street_a.street
    return {
        "street_chief": factories.ChiefFactory(
            name="张街长", role=ChiefRole.STREET_CHIEF, region=street, unit="街道1办事处"
        ),
        "police": factories.ChiefFactory(
            name="李警长", role=ChiefRole.POLICE_CHIEF, region=street, unit="东风路派出所"
        ),
    }


def _joint_payload(roster) -> dict:
    return {
        "date": "2024-06-18",
        "title": "街道河长联合河道警长排查",
        "inspector": "joint",
        # Out of order and repeated: stored once each, in the choices' order.
        "topics": ["slaughterhouse", "livestock", "slaughterhouse"],
        "participants": [roster["street_chief"].pk, roster["police"].pk],
        "problems_found": 1,
    }


# --- API: round trips --------------------------------------------------------------------------


def test_a_joint_check_round_trips_its_topics_and_participants(api, office_a, roster_a):
    client = api.as_user(office_a)
    created = client.post("/api/v1/inspections/", _joint_payload(roster_a), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["topics"] == ["livestock", "slaughterhouse"]
    assert sorted(body["participants"]) == sorted(
        [roster_a["street_chief"].pk, roster_a["police"].pk]
    )
    assert sorted(body["participant_names"]) == ["张街长（街级河长）", "李警长（河道警长）"]
    inspection = Inspection.objects.get(pk=body["id"])
    assert inspection.topics == ["livestock", "slaughterhouse"]
    assert set(inspection.participants.all()) == {roster_a["street_chief"], roster_a["police"]}
    assert list(roster_a["police"].inspections_joined.all()) == [inspection]

    detail = f"/api/v1/inspections/{inspection.pk}/"
    changed = client.patch(
        detail, {"topics": ["outfalls"], "participants": [roster_a["police"].pk]}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["topics"] == ["outfalls"]
    assert changed.json()["participants"] == [roster_a["police"].pk]
    # A PATCH without them leaves them as they are.
    assert client.patch(detail, {"problems_found": 2}, format="json").status_code == 200
    inspection.refresh_from_db()
    assert inspection.topics == ["outfalls"]
    assert list(inspection.participants.all()) == [roster_a["police"]]


def test_an_events_venues_and_a_cleanups_volunteers_round_trip(api, street_a, office_a):
    client = api.as_user(office_a)
    event = client.post(
        "/api/v1/publicity-events/",
        {
            "date": "2024-05-12",
            "title": "河长制进校园",
            "place": "东风路小学",
            "venues": ["school", "community"],
            "participants": 80,
        },
        format="json",
    )
    assert event.status_code == 201, event.content
    assert event.json()["venues"] == ["community", "school"]
    assert event.json()["place"] == "东风路小学"
    assert PublicityEvent.objects.get().venues == ["community", "school"]

    cleanup = client.post(
        "/api/v1/cleanups/",
        {
            "date": "2024-04-20",
            "title": "志愿者清河",
            "reaches": [street_a.reaches[0].pk],
            "participants": 30,
            "volunteers": 12,
        },
        format="json",
    )
    assert cleanup.status_code == 201, cleanup.content
    assert cleanup.json()["volunteers"] == 12
    assert Cleanup.objects.get().volunteers == 12


def test_rows_written_without_the_new_fields_have_empty_lists_and_no_volunteers(api, office_a):
    client = api.as_user(office_a)
    inspection = client.post(
        "/api/v1/inspections/",
        {"date": "2024-06-18", "title": "人大督查", "inspector": "congress"},
        format="json",
    ).json()
    assert (inspection["topics"], inspection["participants"]) == ([], [])
    event = client.post(
        "/api/v1/publicity-events/", {"date": "2024-05-12", "title": "宣传"}, format="json"
    ).json()
    assert event["venues"] == []
    cleanup = client.post(
        "/api/v1/cleanups/", {"date": "2024-04-20", "title": "清理"}, format="json"
    ).json()
    assert cleanup["volunteers"] == 0


# --- API: refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "payload", "field", "words"),
    [
        ("/api/v1/inspections/", {"topics": ["fishing"]}, "topics", "“fishing”不是有效的选项"),
        ("/api/v1/inspections/", {"topics": "livestock"}, "topics", "请提供选项列表"),
        ("/api/v1/publicity-events/", {"venues": ["mall"]}, "venues", "“mall”不是有效的选项"),
        ("/api/v1/publicity-events/", {"venues": {"a": 1}}, "venues", "请提供选项列表"),
        ("/api/v1/cleanups/", {"volunteers": -1}, "volunteers", "0"),
        ("/api/v1/inspections/", {"inspector": "mayor"}, "inspector", "mayor"),
    ],
)
def test_a_bad_value_gets_a_chinese_400_on_its_field(api, office_a, url, payload, field, words):
    base = {"date": "2024-05-01", "title": "记录", "inspector": "joint"}
    response = api.as_user(office_a).post(url, {**base, **payload}, format="json")
    assert response.status_code == 400
    message = " ".join(str(m) for m in response.json()[field])
    assert words in message
    assert re.search(r"[\u4e00-\u9fff]", message), message
    assert not (
        Inspection.objects.exists() or PublicityEvent.objects.exists() or Cleanup.objects.exists()
    )


def test_a_participant_outside_the_inspections_region_is_refused(
    api, street_a, street_b, office_a, roster_a
):
    client = api.as_user(office_a)
    community_1, other_community_chief = street_a.communities[0], street_a.chiefs[1]
    response = client.post(
        "/api/v1/inspections/",
        {
            **_joint_payload(roster_a),
            "region": community_1.pk,
            "participants": [street_a.chiefs[0].pk, other_community_chief.pk],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["participants"] == [
        f"以下人员不在督查所属区域内：{other_community_chief}"
    ]
    # Another street's chief is not even found.
    response = client.post(
        "/api/v1/inspections/",
        {**_joint_payload(roster_a), "participants": [street_b.chiefs[0].pk]},
        format="json",
    )
    assert response.status_code == 400
    assert "participants" in response.json()
    assert not Inspection.objects.exists()

    # Moving a street-wide check down to a community its participants are not in.
    created = client.post("/api/v1/inspections/", _joint_payload(roster_a), format="json")
    pk = created.json()["id"]
    response = client.patch(f"/api/v1/inspections/{pk}/", {"region": community_1.pk}, format="json")
    assert response.status_code == 400
    assert "张街长（街级河长）" in response.json()["participants"][0]
    assert Inspection.objects.get(pk=pk).region == street_a.street


def test_more_volunteers_than_participants_are_refused(api, street_a, office_a):
    client = api.as_user(office_a)
    base = {"date": "2024-04-20", "title": "清理", "reaches": [street_a.reaches[0].pk]}
    response = client.post(
        "/api/v1/cleanups/", {**base, "participants": 10, "volunteers": 11}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["volunteers"] == ["志愿者人次（11）不能超过参与人员人次（10）。"]
    assert not Cleanup.objects.exists()

    cleanup = factories.CleanupFactory(region=street_a.street, participants=20, volunteers=8)
    response = client.patch(f"/api/v1/cleanups/{cleanup.pk}/", {"participants": 5}, format="json")
    assert response.status_code == 400
    assert response.json()["volunteers"] == ["志愿者人次（8）不能超过参与人员人次（5）。"]
    cleanup.refresh_from_db()
    assert (cleanup.participants, cleanup.volunteers) == (20, 8)


# --- API: filters and export -------------------------------------------------------------------


def test_topic_and_venue_filters(api, street_a, office_a, roster_a):
    street = street_a.street
    farms = factories.InspectionFactory(region=street, topics=["livestock", "slaughterhouse"])
    outfalls = factories.InspectionFactory(region=street, topics=["outfalls"])
    factories.InspectionFactory(region=street, topics=[])
    school = factories.PublicityEventFactory(region=street, venues=["school"])
    both = factories.PublicityEventFactory(region=street, venues=["community", "school"])
    factories.PublicityEventFactory(region=street, venues=["community"])
    client = api.as_user(office_a)

    def ids(url, **query):
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("/api/v1/inspections/", topic="slaughterhouse") == {farms.pk}
    assert ids("/api/v1/inspections/", topic="outfalls") == {outfalls.pk}
    assert ids("/api/v1/inspections/", topic="garbage") == set()
    assert ids("/api/v1/publicity-events/", venue="school") == {school.pk, both.pk}
    assert client.get("/api/v1/inspections/", {"topic": "fishing"}).status_code == 400
    assert client.get("/api/v1/publicity-events/", {"venue": "mall"}).status_code == 400

    farms.participants.set([roster_a["police"]])
    assert ids("/api/v1/inspections/", participant=roster_a["police"].pk) == {farms.pk}


def test_the_export_names_topics_venues_participants_and_volunteers_in_chinese(
    api, street_a, office_a, roster_a
):
    inspection = factories.InspectionFactory(
        region=street_a.street, inspector="joint", topics=["livestock", "slaughterhouse"]
    )
    inspection.participants.set([roster_a["police"]])
    factories.PublicityEventFactory(region=street_a.street, venues=["community", "enterprise"])
    factories.CleanupFactory(region=street_a.street, participants=20, volunteers=6)
    client = api.as_user(office_a)

    def first_row(url):
        response = client.get(url, {"format": "xlsx"})
        assert response.status_code == 200
        rows = list(load_workbook(BytesIO(response.content)).active.values)
        return dict(zip(rows[1], rows[2], strict=True))  # below the title row

    row = first_row("/api/v1/inspections/")
    assert row["督查方"] == "联合排查"
    assert row["排查内容"] == "畜禽养殖业、屠宰行业"
    assert row["参加人员名单"] == "李警长（河道警长）"
    assert first_row("/api/v1/publicity-events/")["活动场所"] == "社区、企业"
    assert first_row("/api/v1/cleanups/")["其中志愿者（人次）"] == 6


# --- The workbench's forms and the admin ------------------------------------------------------


def test_the_workbench_form_ticks_topics_and_participants_and_saves_them(
    client, office_a, street_a, roster_a
):
    client.force_login(office_a)
    html = client.get(reverse("workbench:create", args=["inspections"])).content.decode()
    assert 'type="checkbox" name="topics" value="livestock"' in html
    assert "畜禽养殖业" in html and "屠宰行业" in html
    # The participants are searched (a county's roster is not listed): a picker, no <select>.
    assert re.search(r'<input[^>]*data-picker-input[^>]*name="participants"', html)
    assert '<select name="participants"' not in html

    data = {
        "date": "2024-06-18",
        "title": "联合排查",
        "inspector": "joint",
        "topics": ["livestock", "slaughterhouse"],
        "participants": [roster_a["street_chief"].pk, roster_a["police"].pk],
        "problems_found": "0",
    }
    response = client.post(reverse("workbench:create", args=["inspections"]), data)
    assert response.status_code == 302, response.content.decode()
    inspection = Inspection.objects.get()
    assert inspection.topics == ["livestock", "slaughterhouse"]
    assert set(inspection.participants.all()) == {roster_a["street_chief"], roster_a["police"]}
    detail = client.get(response["Location"]).content.decode()
    assert "畜禽养殖业、屠宰行业" in detail

    # The edit form shows them ticked; sending none ticked clears them.
    edit_url = reverse("workbench:edit", args=["inspections", inspection.pk])
    html = client.get(edit_url).content.decode()
    assert re.search(r'name="topics" value="livestock"[^>]*checked', html)
    assert "李警长（河道警长）" in html  # the chosen participants, named beside the picker
    data = {k: v for k, v in data.items() if k not in ("topics", "participants")}
    assert client.post(edit_url, data).status_code == 302
    inspection.refresh_from_db()
    assert inspection.topics == [] and not inspection.participants.exists()


def test_the_workbench_forms_save_venues_and_refuse_too_many_volunteers(client, office_a, street_a):
    client.force_login(office_a)
    response = client.post(
        reverse("workbench:create", args=["publicity-events"]),
        {
            "date": "2024-05-01",
            "title": "宣传活动",
            "channel": "offline",
            "venues": ["enterprise"],
        },
    )
    assert response.status_code == 302
    assert PublicityEvent.objects.get().venues == ["enterprise"]
    listed = client.get(reverse("workbench:list", args=["publicity-events"])).content.decode()
    assert "活动场所" in listed
    assert re.search(r"<td[^>]*>\s*企业\s*</td>", listed), listed

    data = {
        "date": "2024-05-02",
        "title": "志愿者清河",
        "campaign": "routine",
        "reaches": [street_a.reaches[0].pk],
        "participants": "10",
        "volunteers": "12",
    }
    response = client.post(reverse("workbench:create", args=["cleanups"]), data)
    assert response.status_code == 200
    html = response.content.decode()
    errors = re.search(r'<ul class="field-errors" id="id_volunteers_errors">(.*?)</ul>', html, re.S)
    assert "志愿者人次（12）不能超过参与人员人次（10）。" in errors.group(1)
    assert 'value="12"' in html
    assert not Cleanup.objects.exists()


def test_the_admin_edits_topics_and_venues_as_tick_boxes(client, county, street_a, roster_a):
    root = make_account(Role.ADMIN, county)
    root.is_superuser = root.is_staff = True
    root.save()
    client.force_login(root)
    inspection = factories.InspectionFactory(region=street_a.street, topics=["garbage"])
    html = client.get(f"/admin/activities/inspection/{inspection.pk}/change/").content.decode()
    assert re.search(r'name="topics" value="garbage"[^>]*checked', html)
    event = factories.PublicityEventFactory(region=street_a.street, venues=["park"])
    html = client.get(f"/admin/activities/publicityevent/{event.pk}/change/").content.decode()
    assert re.search(r'name="venues" value="park"[^>]*checked', html)
    assert client.get("/admin/activities/inspection/").status_code == 200
    assert client.get("/admin/activities/publicityevent/").status_code == 200


# --- The reports' question: a joint check with the police, on record --------------------------


def test_joint_police_checks_are_the_units_and_topics_of_recorded_checks(street_a, street_b):
    street, community = street_a.street, street_a.communities[0]
    police = factories.ChiefFactory(role=ChiefRole.POLICE_CHIEF, region=street, unit="东风路派出所")
    second_police = factories.ChiefFactory(
        role=ChiefRole.POLICE_CHIEF, region=street, unit="花园路派出所"
    )
    street_chief = factories.ChiefFactory(role=ChiefRole.STREET_CHIEF, region=street)
    other_police = factories.ChiefFactory(
        role=ChiefRole.POLICE_CHIEF, region=street_b.street, unit="大石桥派出所"
    )

    def check(region, day, topics, *people, inspector="joint"):
        inspection = factories.InspectionFactory(
            region=region, date=day, topics=topics, inspector=inspector
        )
        inspection.participants.set(people)
        return inspection

    check(street, D(2024, 3, 5), ["livestock"], street_chief, police)
    # The office's own check with the police, in a community of the street: counted.
    check(community, D(2024, 6, 1), ["slaughterhouse", "outfalls"], police, inspector="office")
    check(street, D(2024, 9, 9), ["livestock"], second_police, police)
    # Not counted: no police chief, outside the dates, another street.
    check(street, D(2024, 4, 1), ["garbage"], street_chief)
    check(street, D(2023, 12, 31), ["occupation"], street_chief, police)
    check(street_b.street, D(2024, 5, 5), ["other"], other_police)

    result = joint_police_checks(region=street, date_from=D(2024, 1, 1), date_to=D(2024, 12, 31))
    assert result == JointPoliceChecks(
        checks=3,
        units=("东风路派出所", "花园路派出所"),
        topics=("livestock", "slaughterhouse", "outfalls"),
    )
    assert result.topic_labels == ("畜禽养殖业", "屠宰行业", "排污口")
    assert bool(result)
    # Both ends of the period count.
    assert joint_police_checks(
        region=street, date_from=D(2024, 3, 5), date_to=D(2024, 6, 1)
    ) == JointPoliceChecks(
        checks=2, units=("东风路派出所",), topics=("livestock", "slaughterhouse", "outfalls")
    )


def test_a_police_chief_on_the_roster_is_no_evidence_of_a_joint_check(street_a):
    street = street_a.street
    factories.ChiefFactory(role=ChiefRole.POLICE_CHIEF, region=street, unit="东风路派出所")
    # A check the police chief did not join is not theirs.
    factories.InspectionFactory(region=street, date=D(2024, 5, 1), topics=["livestock"])
    result = joint_police_checks(region=street, date_from=D(2024, 1, 1), date_to=D(2024, 12, 31))
    assert result == JointPoliceChecks(checks=0, units=(), topics=())
    assert not result
