"""Filter labels follow each reader's language, whoever read them before (issue #15: they turned
English for everyone once someone opened the API docs in English), and a sort option names its
field once ("河流编码", not "河流河流编码")."""

import pytest
from django.test import Client


def _page(client: Client, language: str) -> str:
    return client.get("/workbench/reaches/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_an_english_reader_of_the_api_docs_leaves_the_chinese_filters_chinese(office_a):
    client = Client()
    client.force_login(office_a)
    assert '<label for="id_bank">岸别</label>' in _page(client, "zh-hans")

    assert client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    assert '<label for="id_bank">Bank</label>' in _page(client, "en")

    assert '<label for="id_bank">岸别</label>' in _page(client, "zh-hans")


def test_a_sort_option_on_a_related_field_names_it_once(office_a):
    client = Client()
    client.force_login(office_a)
    page = _page(client, "zh-hans")
    assert "河流编码 ↑" in page
    assert "河流河流编码" not in page


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/issues/", "overdue"),
        ("/api/v1/issues/", "open"),
        ("/api/v1/chiefs/", "serving"),
        ("/api/v1/accounts/", "is_active"),
    ],
)
def test_a_yes_no_filter_given_anything_else_is_refused_not_ignored(api, office_a, path, param):
    client = api.as_user(office_a)
    for word in ("true", "false", "1", "0", "True"):
        assert client.get(path, {param: word}).status_code == 200, word
    for bad in ("0.077", "maybe", "2", "yes"):
        response = client.get(path, {param: bad})
        assert response.status_code == 400, (bad, response.content)
        assert response.json()[param] == ["只能是 true 或 false。"]
