"""Control characters in a query or form field answer 400 in the documented shape, on every list
page and every API list; every API error is an object."""

import pytest
from django.urls import reverse
from rest_framework.exceptions import ValidationError

from config.api import router
from core.exceptions import exception_handler
from rivers.models import River
from workbench.registry import RESOURCES

MESSAGE = "不能包含控制字符"
API_LISTS = sorted({prefix for prefix, _viewset, _basename in router.registry})
BAD = ["%00", "%01", "%1B", "%7F", "%C2%85"]  # NUL, SOH, ESC, DEL, NEL (a C1 control)


@pytest.mark.parametrize("value", ["%00", "%01"])
@pytest.mark.parametrize("prefix", API_LISTS)
def test_every_api_list_refuses_a_control_character_in_search(api, admin_user, prefix, value):
    response = api.as_user(admin_user).get(f"/api/v1/{prefix}/?search={value}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body) == ["search"]
    assert MESSAGE in body["search"][0]


@pytest.mark.parametrize("value", BAD)
def test_other_control_characters_and_anonymous_calls_are_refused_too(api, value):
    response = api.get(f"/api/v1/rivers/?name={value}x")  # no credentials: refused first anyway
    assert response.status_code == 400
    assert MESSAGE in response.json()["name"][0]


@pytest.mark.parametrize("value", ["%00", "%01"])
@pytest.mark.parametrize("slug", list(RESOURCES))
def test_every_workbench_list_page_refuses_a_control_character(client, admin_user, slug, value):
    client.force_login(admin_user)
    response = client.get(reverse("workbench:list", args=[slug]) + f"?search={value}")
    assert response.status_code == 400
    html = response.content.decode()
    assert "请求无效" in html and MESSAGE in html and "<code>search</code>" in html


@pytest.mark.parametrize("path", ["/issues/", "/reports/", "/bulletins/", "/"])
def test_the_other_pages_refuse_it_for_every_role(client, admin_user, office_a, chief_a1, path):
    for user in (admin_user, office_a, chief_a1):
        client.force_login(user)
        response = client.get(f"{path}?search=%00")
        assert response.status_code == 400, (user.role, path)
        assert MESSAGE in response.content.decode()


def test_a_form_field_with_a_control_character_is_refused_and_nothing_saved(
    client, office_a, street_a
):
    client.force_login(office_a)
    rivers_before = River.objects.count()
    response = client.post(
        reverse("workbench:create", args=["rivers"]),
        {"name": "新\x07河", "code": "NEW-9", "kind": "river", "length_km": "1"},
    )
    assert response.status_code == 400
    assert "<code>name</code>" in response.content.decode()
    assert River.objects.count() == rivers_before


def test_a_json_field_with_a_control_character_is_refused_with_the_field(api, office_a, street_a):
    payload = {"name": "新河\x00", "code": "NEW-9", "kind": "river", "length_km": 1}
    response = api.as_user(office_a).post("/api/v1/rivers/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert not River.objects.filter(code="NEW-9").exists()


def test_tab_newline_and_carriage_return_stay_allowed(api, office_a, street_a):
    response = api.as_user(office_a).get("/api/v1/rivers/?search=a%09b%0D%0A")
    assert response.status_code == 200
    payload = {"name": "新河", "code": "NEW-9", "kind": "river", "length_km": 1}
    response = api.as_user(office_a).post("/api/v1/rivers/", payload, format="json")
    assert response.status_code == 201, response.content


def test_a_bare_list_error_becomes_the_non_field_errors_of_an_object():
    response = exception_handler(ValidationError("输入有误。"), {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["输入有误。"]}


def test_a_string_in_a_400_becomes_a_list():
    response = exception_handler(ValidationError({"detail": "格式有误。"}), {})
    assert response.data == {"detail": ["格式有误。"]}


def test_a_malformed_json_body_answers_an_object(api, office_a):
    response = api.as_user(office_a).post(
        "/api/v1/rivers/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body, dict) and all(isinstance(v, list) for v in body.values())
