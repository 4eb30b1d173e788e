"""The main path of the workbench in a real browser: the office reports an issue and assigns it to
a community chief; the chief finds it on its page, starts, uploads the "after" photo and submits;
the office accepts and the issue is closed. No console errors; a screenshot when it fails."""

import re
from io import BytesIO

import pytest
from PIL import Image

from issues.models import Issue, IssueStatus, PhotoStage

from .browser import ARTIFACTS, launch, needs_browser, pick, sync_api, wait_until
from .conftest import make_account

TIMEOUT_MS = 20_000
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def jpeg_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (320, 240), (40, 140, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@needs_browser
# The live server runs in another thread: the test's data must be committed to be seen.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_office_assigns_an_issue_the_chief_fixes_it_and_the_office_closes_it(
    live_server, street_a, media_root, request
):
    office = make_account("office", street_a.street)
    chief = street_a.chiefs[0]
    chief_account = make_account("chief", chief.region, chief=chief)
    reach = street_a.reaches[0]
    base = live_server.url

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        console: list[str] = []
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                # The portal has no favicon yet; the browser's own request for one is not ours.
                and not message.location.get("url", "").endswith("/favicon.ico")
                and console.append(f"{message.type}: {message.text} {message.location}")
            ),
        )
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

        def log_in(account, next_path: str) -> None:
            page.goto(f"{base}/accounts/login/?next={next_path}")
            page.fill("#id_username", account.username)
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.press("#id_password", "Enter")
            page.wait_for_url(f"**{next_path}")

        def log_out() -> None:
            with page.expect_navigation():
                page.locator(".who form button").click()
            page.wait_for_url("**/accounts/login/")

        def act(action: str) -> None:
            form = page.locator(f"form[data-action-form={action}]")
            with page.expect_navigation():
                form.locator("button[type=submit]").click()

        def status() -> str:
            return page.locator("#issue-status").inner_text().strip()

        try:
            # The office reports the issue.
            log_in(office, "/issues/new/")
            page.fill("#id_title", "桥下堆放建筑垃圾")
            page.select_option("#id_category", "dumping")
            page.select_option("#id_source", "office")
            pick(page, "id_reach", reach.name)
            page.fill("#id_description", "约两立方米，需清运")
            with page.expect_navigation():
                page.click("#issue-submit")
            page.wait_for_url(re.compile(r".*/issues/\d+/$"))
            issue_url = page.url
            code = page.locator("#issue-code").inner_text().strip()
            assert status() == "待交办"
            actions = page.locator("form[data-action-form]")
            offered = {
                actions.nth(i).get_attribute("data-action-form") for i in range(actions.count())
            }
            assert offered == {"assign", "void"}  # assign it or void it, nothing else

            # ... and assigns it to the community chief from the issue page.
            pick(page, "id_assign-assignee_chief", chief.name)
            page.fill("#id_assign-comment", "请于时限内清理")
            act("assign")
            assert status() == "已交办"
            assert chief.name in page.locator("#issue-assignee").inner_text()
            deadline = page.locator("#issue-deadline").inner_text()
            assert re.search(r"\d", deadline), deadline
            assert "请于时限内清理" in page.locator("#timeline").inner_text()
            log_out()

            # The chief sees it on its page with the deadline, and opens it.
            log_in(chief_account, "/me/")
            row = page.locator("#my-issues li", has_text=code)
            assert row.count() == 1
            assert re.search(r"剩余\d+天|今天到期", row.inner_text()), row.inner_text()
            assert page.locator("#start-patrol").get_attribute("href") == "/patrols/phone/"
            with page.expect_navigation():
                row.locator(".what a").click()
            assert page.url == issue_url

            # Starts the work, uploads the "after" photo and submits for acceptance.
            act("start")
            assert status() == "整改中"
            page.select_option("#id_stage", "after")
            page.set_input_files(
                "#id_image",
                files=[{"name": "done.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
            )
            with page.expect_navigation():
                page.click("#photo-submit")
            after = page.locator("[data-stage=after] img")
            after.first.wait_for()
            # The thumbnail is made on its first request: wait for it to arrive and decode.
            wait_until(
                page,
                "Array.from(document.querySelectorAll('[data-stage=after] img'))"
                ".every((img) => img.complete && img.naturalWidth > 0)",
            )
            page.fill("#id_submit-comment", "已清运完毕")
            act("submit")
            assert status() == "待验收"
            assert page.locator("form[data-action-form]").count() == 0
            log_out()

            # The office accepts: the issue is closed.
            log_in(office, issue_url.removeprefix(base))
            act("accept")
            assert status() == "已销号"
            assert page.locator("#no-actions").is_visible()
            steps = page.locator("#timeline > li").evaluate_all(
                "items => items.map((li) => li.dataset.action)"
            )
            assert steps == ["report", "assign", "start", "submit", "accept"]
            assert failed == []
            assert console == []
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            (ARTIFACTS / f"{request.node.name}.console.txt").write_text(
                "\n".join(console + failed), encoding="utf-8"
            )
            raise
        finally:
            context.close()
            browser.close()

    # After the browser has closed: Playwright's sync API keeps an event loop that the ORM's
    # async-safety check would object to.
    issue = Issue.objects.get(code=code)
    assert issue.status == IssueStatus.CLOSED
    assert issue.assignee_chief == chief
    assert issue.photos.filter(stage=PhotoStage.AFTER, uploaded_by=chief_account).count() == 1
    assert [event.by for event in issue.events.all()] == [
        office,
        office,
        chief_account,
        chief_account,
        office,
    ]
