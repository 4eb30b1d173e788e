"""Sign codes are plain path segments of the QR address: letters, digits and "-", no word
reserved under /r/; codes from before the rule were rewritten by a migration."""

import importlib

import pytest
from django.urls import get_resolver

from audit.models import AuditEntry
from public_reports import urls as public_urls
from rivers.models import Sign
from rivers.validators import RESERVED_SIGN_CODES

from . import factories

migration = importlib.import_module("rivers.migrations.0003_sign_code_rules")


def _post(api, user, reach, code):
    payload = {
        "reach": reach.pk,
        "code": code,
        "lat": 34.7,
        "lon": 113.6,
        "updated_on": "2024-05-01",
    }
    return api.as_user(user).post("/api/v1/signs/", payload, format="json")


@pytest.mark.parametrize(
    "code",
    ["A/B", "A?B", "A B", "甲-1", "GSP\u202e1", "GSP.1", "-GSP", "track", "signs", "TRACK", "%2F"],
)
def test_a_bad_or_reserved_code_is_refused_with_a_chinese_message(api, office_a, street_a, code):
    response = _post(api, office_a, street_a.reaches[0], code)
    assert response.status_code == 400, response.content
    message = response.json()["code"][0]
    assert "公示牌编号" in message or "保留字" in message
    assert not Sign.objects.filter(code=code).exists()


@pytest.mark.parametrize("code", ["GSP-001", "dfjd-R01-GSP-003", "7"])
def test_letters_digits_and_hyphens_are_accepted(api, office_a, street_a, code):
    assert _post(api, office_a, street_a.reaches[0], code).status_code == 201


def test_the_workbench_form_refuses_a_bad_code_too(client, office_a, street_a):
    client.force_login(office_a)
    response = client.post(
        "/workbench/signs/new/",
        {
            "reach": street_a.reaches[0].pk,
            "code": "track",
            "lat": "34.7",
            "lon": "113.6",
            "updated_on": "2024-05-01",
        },
    )
    assert response.status_code == 200  # the workbench shows the form again, errors inline
    assert "保留字" in response.content.decode()
    assert not Sign.objects.filter(code="track").exists()


def test_every_fixed_word_under_r_is_reserved():
    fixed = {str(p.pattern).split("/")[0] for p in public_urls.urlpatterns}
    fixed = {word for word in fixed if word and "<" not in word}
    assert fixed == {"track", "signs"}
    assert fixed <= RESERVED_SIGN_CODES
    assert get_resolver().resolve("/r/track/").url_name == "public-track"


def test_the_migration_rewrites_bad_codes_to_unique_valid_ones():
    taken = {"A-B", "GSP-7", "OK-1"}
    assert migration.repaired_code("A/B", pk=1, taken=taken) == "A-B-2"
    assert migration.repaired_code("track", pk=7, taken=taken) == "GSP-7-2"
    assert migration.repaired_code("甲乙", pk=9, taken=taken) == "GSP-9"
    assert migration.repaired_code("x?y\u202ez", pk=3, taken=set()) == "x-y-z"
    long = migration.repaired_code("A/" + "B" * 60, pk=3, taken=set())
    assert len(long) == 40 and migration.is_valid(long)


def test_the_migration_keeps_the_old_code_in_the_signs_history(street_a):
    reach = street_a.reaches[0]
    bad = factories.SignFactory(reach=reach, code="placeholder")
    clash = factories.SignFactory(reach=reach, code="DF-1")
    # Stored before the rule: the validator is a form/serializer check, update() bypasses it.
    Sign.objects.filter(pk=bad.pk).update(code="DF/1")
    track = factories.SignFactory(reach=reach, code="placeholder2")
    Sign.objects.filter(pk=track.pk).update(code="track")
    from django.apps import apps

    migration.rewrite_bad_codes(apps, None)
    bad.refresh_from_db()
    track.refresh_from_db()
    clash.refresh_from_db()
    assert (bad.code, track.code, clash.code) == ("DF-1-2", f"GSP-{track.pk}", "DF-1")
    entry = AuditEntry.objects.get(object_type="rivers.sign", object_id=str(bad.pk))
    assert entry.changes == {"code": ["DF/1", "DF-1-2"]}


def test_the_print_sheet_survives_a_code_from_before_the_rule(client, office_a, street_a):
    sign = Sign.objects.filter(reach__in=street_a.reaches).first()
    Sign.objects.filter(pk=sign.pk).update(code="A/B?")
    client.force_login(office_a)
    response = client.get("/r/signs/print/")
    assert response.status_code == 200
    assert "/r/A%2FB%3F/" in response.content.decode()
