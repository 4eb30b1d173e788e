"""The portal's guide (/help/, issue #15 item 7): each role reads its own sections first, and
every page's top bar links it."""

import re

import pytest

from accounts.models import Role

from .conftest import make_account

FIRST = {
    Role.CHIEF: ["patrol", "rectify"],
    Role.OFFICE: ["accept", "report"],
    Role.ADMIN: ["accept", "report"],
    Role.LEADER: ["dashboard"],
}
EVERY = {"patrol", "rectify", "accept", "report", "dashboard"}


def _account(role, street):
    if role == Role.CHIEF:
        chief = street.chiefs[0]
        return make_account(role, chief.region, chief=chief)
    return make_account(role, street.street)


def _sections(html: str) -> list[str]:
    return re.findall(r'<section class="card" id="([a-z]+)"', html)


@pytest.mark.parametrize("role", list(FIRST))
def test_each_role_reads_its_own_sections_first_then_the_others(client, street_a, role):
    client.force_login(_account(role, street_a))
    response = client.get("/help/")
    assert response.status_code == 200
    sections = _sections(response.content.decode())
    assert sections[: len(FIRST[role])] == FIRST[role]
    assert set(sections) == EVERY and len(sections) == len(EVERY)


def test_the_guide_says_how_in_chinese(client, office_a):
    client.force_login(office_a)
    html = client.get("/help/").content.decode()
    for words in ("开始巡河", "提交验收", "验收通过并销号", "生成报告", "巡河率"):
        assert words in html


def test_the_guide_needs_a_login(client, db):
    response = client.get("/help/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        (Role.CHIEF, ["/me/", "/issues/", "/help/", "/patrols/phone/"]),
        (Role.OFFICE, ["/", "/issues/", "/reports/", "/workbench/rivers/"]),
        (Role.LEADER, ["/", "/dashboard/", "/bulletins/"]),
    ],
)
def test_every_page_links_the_guide_from_its_top_bar(client, street_a, role, paths):
    client.force_login(_account(role, street_a))
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        header = response.content.decode().split("</header>", 1)[0]
        assert '<a class="help-link" href="/help/">帮助</a>' in header, path
