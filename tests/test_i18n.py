"""The UI is Chinese by default and completely English on request."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from .test_api_input import valid_payloads

LOCALE = Path(settings.BASE_DIR) / "locale"


@pytest.fixture(autouse=True)
def _restore_language():
    # LocaleMiddleware activates the request's language and leaves it active in this thread.
    language = translation.get_language()
    yield
    translation.activate(language)


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file as {"flags", "msgid", "msgid_plural", "msgstr"} dicts.

    ``msgstr`` maps the form ("" or "0", "1", ...) to its text. Obsolete (``#~``) entries and
    the header are left out.
    """
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": set(), "msgid": None, "msgid_plural": None, "msgstr": {}}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                text = ast.literal_eval(line)
                if key[0] == "msgstr":
                    entry["msgstr"][key[1]] += text
                else:
                    entry[key[0]] += text
            else:
                keyword, _space, quoted = line.partition(" ")
                text = ast.literal_eval(quoted)
                if keyword.startswith("msgstr"):
                    key = ("msgstr", keyword[len("msgstr[") : -1] if "[" in keyword else "")
                    entry["msgstr"][key[1]] = text
                else:
                    key = (keyword, None)
                    entry[keyword] = text
        if entry["msgid"]:  # None for an obsolete-only block, "" for the header
            entries.append(entry)
    return entries


def test_english_catalogue_is_complete():
    entries = po_entries(LOCALE / "en" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 100
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    assert fuzzy == []
    untranslated = [
        entry["msgid"]
        for entry in entries
        if not entry["msgstr"] or not all(text.strip() for text in entry["msgstr"].values())
    ]
    assert untranslated == []
    plurals = [entry for entry in entries if entry["msgid_plural"] is not None]
    assert plurals
    assert all(sorted(entry["msgstr"]) == ["0", "1"] for entry in plurals)


def test_compiled_catalogues_are_present():
    # Committed so that a machine without gettext shows English too.
    for language in ("en", "zh_Hans"):
        po = LOCALE / language / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        assert mo.is_file(), f"run: python manage.py compilemessages ({mo} is missing)"


def test_login_page_is_chinese_by_default(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html
    assert "Log in" not in html


def test_login_page_in_english_by_cookie(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html
    assert "River Chief Portal" in html
    assert "Username" in html
    assert "Password" in html
    assert "登录" not in html


def test_login_page_in_english_by_accept_language(client, db):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html
    assert "登录" not in html


def _short_password_payload(street) -> dict:
    return {**valid_payloads(street)["accounts"], "password": "Short-1x"}


def test_short_password_error_is_chinese_by_default(api, admin_user, street_a):
    response = api.as_user(admin_user).post(
        "/api/v1/accounts/", _short_password_payload(street_a), format="json"
    )
    assert response.status_code == 400
    messages = response.json()["password"]
    # Django 5.2's own zh_Hans catalogue lacks this message; accounts.validators supplies it.
    assert messages == ["密码长度太短。密码必须包含至少 12 个字符。"]


def test_short_password_error_in_english_on_request(api, admin_user, street_a):
    response = api.as_user(admin_user).post(
        "/api/v1/accounts/",
        _short_password_payload(street_a),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["password"] == [
        "This password is too short. It must contain at least 12 characters."
    ]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password1234", "这个密码太常见了。"),
        ("20240517093512", "密码只包含数字。"),
        ("newclerk-2024", "密码跟 用户名 太相似了。"),
    ],
)
def test_other_password_rules_are_chinese_by_default(api, admin_user, street_a, password, message):
    payload = {**valid_payloads(street_a)["accounts"], "password": password}
    response = api.as_user(admin_user).post("/api/v1/accounts/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["password"] == [message]
