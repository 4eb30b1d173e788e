"""The office's workbench in a real browser: log in through the form, filter the roster, record
a cleanup through the form (correcting the error the serializer points at) and find it listed."""

import pytest

from accounts.models import Role
from activities.models import Cleanup
from rivers.models import ChiefRole
from tests import factories
from tests.conftest import make_account

from .browser import ARTIFACTS, launch, needs_browser, pick, sync_api

TIMEOUT_MS = 20_000
PASSWORD = "correct-horse-battery"


@needs_browser
# The live server runs in another thread: the test's data must be committed to be seen.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_office_filters_the_roster_and_records_a_cleanup_through_the_form(
    live_server, street_a, request
):
    office = make_account(Role.OFFICE, street_a.street)
    cleaner = factories.ChiefFactory(
        region=street_a.communities[0], name="保洁员老周", role=ChiefRole.CLEANER
    )
    community_chief = street_a.chiefs[0]
    reach = street_a.reaches[0]

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        failed: list[str] = []
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and not response.url.endswith("/favicon.ico")
                and failed.append(f"{response.status} {response.url}")
            ),
        )
        try:
            page.goto(f"{live_server.url}/")
            page.wait_for_url("**/accounts/login/**")
            page.fill("#id_username", office.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")

            # The roster through the menu, with the keyboard-usable disclosure.
            page.click("summary:has-text('河湖')")
            page.click(".menu a:has-text('河段')")
            page.wait_for_url("**/workbench/reaches/")
            page.click("nav a:has-text('河长名录')")
            page.wait_for_url("**/workbench/chiefs/")
            assert page.locator("tbody tr").count() == 3
            page.select_option("#id_role", ChiefRole.CLEANER)
            page.click("form.filters button[type=submit]")
            page.wait_for_url("**/workbench/chiefs/?*role=cleaner*")
            rows = page.locator("tbody tr")
            assert rows.count() == 1
            assert cleaner.name in rows.first.inner_text()
            assert community_chief.name not in page.locator("main table").inner_text()
            export = page.locator("a:has-text('导出 Excel')").get_attribute("href")
            assert "role=cleaner" in export and "format=xlsx" in export

            # A cleanup: the title is left out first; the serializer's message shows beside it.
            page.goto(f"{live_server.url}/workbench/cleanups/")
            assert "暂无河道清理" in page.locator("main").inner_text()
            page.click("main a.button:has-text('新增')")
            page.wait_for_url("**/workbench/cleanups/new/")
            page.fill("#id_date", "2024-05-02")
            page.select_option("#id_campaign", "flood_season")
            pick(page, "id_reaches", reach.name)
            page.fill("#id_garbage_t", "3.5")
            page.click("main button[type=submit]")
            page.wait_for_selector("#id_title_errors")
            assert page.locator("#id_title").get_attribute("aria-invalid") == "true"
            summary = page.locator(".form-errors")
            assert summary.get_attribute("role") == "alert"
            assert page.evaluate("document.activeElement.classList.contains('form-errors')")
            # What was typed is still there.
            assert page.input_value("#id_garbage_t") == "3.5"
            assert page.input_value("#id_date") == "2024-05-02"
            summary.locator("a[href='#id_title']").click()
            page.keyboard.type("汛前河道清障")
            page.click("main button[type=submit]")
            page.wait_for_selector(".message.success")
            assert "汛前河道清障" in page.locator("h1").inner_text()

            page.click(".breadcrumbs a:has-text('河道清理')")
            page.wait_for_url("**/workbench/cleanups/")
            row = page.locator("tbody tr")
            assert row.count() == 1 and "汛前河道清障" in row.inner_text()
            assert "汛期清障" in row.inner_text()
            assert failed == []
            assert [line for line in console if line.startswith(("error", "pageerror"))] == []
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            (ARTIFACTS / f"{request.node.name}.console.txt").write_text(
                "\n".join(console), encoding="utf-8"
            )
            raise
        finally:
            context.close()
            browser.close()

    cleanup = Cleanup.objects.get()
    assert cleanup.created_by == office and list(cleanup.reaches.all()) == [reach]
