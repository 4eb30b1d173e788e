"""The office's new pages in a real browser at 360 px and 1366 px: no page wider than the screen,
no script or style refused by the Content-Security-Policy; at 360 px the office finds a public
report through the menu, searches the picker and merges it as a duplicate."""

import pytest

from accounts.models import Role
from issues import services as issue_services
from public_reports import services
from public_reports.models import PublicReport, Triage
from tests import factories
from tests.conftest import make_account

from .browser import ARTIFACTS, launch, needs_browser, sync_api

TIMEOUT_MS = 20_000
PASSWORD = "correct-horse-battery"
LONG = "桥下河道内漂着大量塑料瓶和泡沫箱" * 6 + "。请尽快清理"


@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("width", [360, 1366])
def test_the_office_triages_a_report_on_a_phone_sized_page(
    live_server, street_a, settings, tmp_path, request, width
):
    settings.MEDIA_ROOT = tmp_path
    office = make_account(Role.OFFICE, street_a.street)
    sign = street_a.reaches[0].signs.get()
    report = services.public_report_file(
        sign=sign,
        description=LONG,
        photo=None,
        phone="13912345678",
        lat=None,
        lon=None,
        client_ip="203.0.113.5",
    )
    known = issue_services.issue_report(
        user=None,
        title="东风桥下漂浮垃圾" * 8,
        category="garbage",
        source="patrol",
        reach=street_a.reaches[0],
    )
    patrol = factories.PatrolFactory(chief=street_a.chiefs[0], reach=street_a.reaches[0])
    finding = factories.FindingFactory(patrol=patrol, description=LONG)
    factories.FindingPhotoFactory(finding=finding)

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": width, "height": 800}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

        def fits(path: str) -> None:
            page.goto(f"{live_server.url}{path}")
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, (path, wide)

        try:
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("#id_username", office.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            for path in (
                f"/workbench/patrols/{patrol.pk}/",
                f"/workbench/patrols/{patrol.pk}/findings/{finding.pk}/issue/",
                f"/issues/{report.issue_id}/",
                f"/issues/{report.issue_id}/edit/",
                "/public-reports/",
                f"/public-reports/{report.pk}/",
            ):
                fits(path)

            page.goto(f"{live_server.url}/")
            link = page.locator("nav a:has-text('群众举报')").get_attribute("href")
            assert link == "/public-reports/"
            page.goto(f"{live_server.url}/public-reports/")
            page.click(f"a[href='/public-reports/{report.pk}/']")
            page.wait_for_url(f"**/public-reports/{report.pk}/")
            assert page.locator("#reporter-phone").inner_text().strip() == "13912345678"
            page.fill("#merge-q", "东风桥下")
            page.click("#merge button[type=submit]")
            page.wait_for_selector("#merge-candidates")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.click("#merge-candidates button:has-text('并入此问题')")
            page.wait_for_selector("#merged-into")
            assert known.code in page.locator("#merged-into").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert not [line for line in console if "Content Security Policy" in line], console
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            raise
        finally:
            browser.close()

    merged = PublicReport.objects.get(pk=report.pk)
    assert merged.triage == Triage.MERGED
    assert merged.merged_into_id == known.pk
