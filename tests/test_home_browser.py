"""The homes in a real browser at a phone's 360 px and a desktop's 1366 px: a chief logs in and
lands on /me/ (compact cards, the patrol button first, no sideways scroll), the leader reaches
the community with the most overdue issues in one click, the office's to-dos and the guide
(帮助) fit the screen."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from tests import factories
from tests.conftest import make_account

from .browser import ARTIFACTS, launch, needs_browser, sync_api

TIMEOUT_MS = 20_000
PASSWORD = "correct-horse-battery"
DAY = datetime.timedelta(days=1)


def _log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{page.url}: {width} px wide on a {viewport} px screen"


@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", [(360, 740), (1366, 900)])
def test_each_role_finds_its_work_from_home(live_server, street_a, viewport, request):
    today = timezone.localdate()
    me = street_a.chiefs[0]
    chief = make_account(Role.CHIEF, me.region, chief=me)
    office = make_account(Role.OFFICE, street_a.street)
    leader = make_account(Role.LEADER, street_a.street)
    worst = street_a.communities[1]
    for n in range(6):
        factories.IssueFactory(
            reach=street_a.reaches[0],
            status="assigned",
            assignee_chief=me,
            deadline=today + (n - 2) * DAY,
            title=f"岸边垃圾堆放，需要尽快清理的问题第{n}号",
        )
    for _ in range(3):
        factories.IssueFactory(reach=street_a.reaches[1], status="assigned", deadline=today - DAY)

    width, height = viewport
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        try:
            base = live_server.url
            _log_in(page, base, chief.username)
            page.wait_for_url(f"{base}/me/")
            _fits(page)
            start = page.locator("#start-patrol").bounding_box()
            first_issue = page.locator("#my-issues li").first.bounding_box()
            assert start["y"] < first_issue["y"] and start["y"] + start["height"] <= height
            # The most overdue first, its deadline on screen without scrolling sideways.
            badge = page.locator("#my-issues li .badge").first
            assert badge.inner_text() == "超期2天"
            box = badge.bounding_box()
            assert box["x"] + box["width"] <= width
            assert page.evaluate("document.documentElement.scrollHeight") < 2000
            page.goto(f"{base}/help/")
            _fits(page)
            assert page.locator(".help-sections section").first.get_attribute("id") == "patrol"
            context.clear_cookies()

            _log_in(page, base, leader.username)
            page.wait_for_url(f"{base}/")
            _fits(page)
            page.locator("#overdue-communities ol a").first.click()
            page.wait_for_url("**/issues/?*overdue=true*")
            assert f"region={worst.pk}" in page.url
            context.clear_cookies()

            _log_in(page, base, office.username)
            page.wait_for_url(f"{base}/")
            _fits(page)
            assert page.locator("#todo-overdue .n").inner_text() == "5"
            page.click("header a.help-link")
            page.wait_for_url(f"{base}/help/")
            assert page.locator(".help-sections section").first.get_attribute("id") == "accept"
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            raise
        finally:
            browser.close()
