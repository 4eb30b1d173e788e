"""The work reaches the person who must act, in a real browser at a phone's and a desktop's
width: the chief logs in and lands on /me/, opens the issue it was told about from the bell,
rectifies it with an "after" photo and submits; the office finds "待验收" in its bell, opens it
and accepts. No page is wider than the screen, no console errors, no failed request."""

from io import BytesIO

import pytest
from PIL import Image

from issues import services
from issues.models import Issue, IssueStatus, PhotoStage
from notifications.models import Notification, NotificationKind

from .browser import ARTIFACTS, launch, needs_browser, sync_api
from .conftest import make_account

TIMEOUT_MS = 20_000
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def jpeg_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (640, 480), (40, 140, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(("width", "height"), [(360, 740), (1366, 900)])
def test_the_chief_is_told_rectifies_and_the_office_is_told_and_accepts(
    live_server, street_a, settings, tmp_path, request, monkeypatch, width, height
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NOTIFICATION_CHANNELS = ["notifications.channels.PortalChannel"]
    office = make_account("office", street_a.street)
    chief = street_a.chiefs[0]
    chief_account = make_account("chief", chief.region, chief=chief)
    issue = services.issue_report(
        user=office,
        title="桥下堆放建筑垃圾",
        category="dumping",
        source="patrol",
        reach=street_a.reaches[0],
    )
    services.issue_act(issue_id=issue.pk, user=office, action="assign", assignee={"chief": chief})
    base = live_server.url

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        problems: list[str] = []
        page.on(
            "console",
            lambda m: m.type == "error" and problems.append(f"console: {m.text} {m.location}"),
        )
        page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"),
        )
        widths: list[tuple[str, int]] = []  # (page, its scrollWidth) at each step

        def fits() -> None:
            widths.append((page.url, page.evaluate("document.documentElement.scrollWidth")))

        def log_in(account) -> None:
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", account.username)
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.press("#id_password", "Enter")

        def log_out() -> None:
            with page.expect_navigation():
                page.locator(".who form button").click()

        def act(action: str) -> None:
            with page.expect_navigation():
                page.locator(f"form[data-action-form={action}] button[type=submit]").click()
            fits()

        def open_newest_notice(kind_text: str) -> None:
            page.click("#bell")
            page.wait_for_url("**/notifications/")
            fits()
            notice = page.locator(".notice.unread", has_text=kind_text).first
            with page.expect_navigation():
                notice.locator(".notice-title a").click()
            page.wait_for_url(f"**/issues/{issue.pk}/")
            fits()

        try:
            # The chief lands on its own page and the bell says there is something.
            log_in(chief_account)
            page.wait_for_url("**/me/")
            fits()
            assert page.locator("#bell .bell-count").inner_text() == "1"
            assert page.locator("#my-issues", has_text="桥下堆放建筑垃圾").count() == 1
            open_newest_notice("交办")
            assert page.locator("#bell .bell-count").count() == 0  # read by opening it

            act("start")
            page.select_option("#id_stage", "after")
            page.set_input_files(
                "#id_image",
                files=[{"name": "done.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
            )
            with page.expect_navigation():
                page.click("#photo-submit")
            page.locator("[data-stage=after] img").first.wait_for()
            fits()
            page.fill("#id_submit-comment", "已清运完毕")
            act("submit")
            assert page.locator("#issue-status").inner_text().strip() == "待验收"
            log_out()

            # The office is told in its bell, opens the issue from there and accepts.
            log_in(office)
            fits()
            assert page.locator("#bell .bell-count").inner_text() == "1"
            open_newest_notice("待验收")
            act("accept")
            assert page.locator("#issue-status").inner_text().strip() == "已销号"
            assert problems == []
            assert [(url, w) for url, w in widths if w > width] == []
            assert len(widths) == 10
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            raise
        finally:
            context.close()
            browser.close()

    issue = Issue.objects.get(pk=issue.pk)
    assert issue.status == IssueStatus.CLOSED
    assert issue.photos.filter(stage=PhotoStage.AFTER, uploaded_by=chief_account).count() == 1
    told = Notification.objects.filter(issue=issue).values_list("recipient", "kind")
    assert set(told) >= {
        (chief_account.pk, NotificationKind.ASSIGNED),
        (office.pk, NotificationKind.AWAITING_ACCEPTANCE),
    }
