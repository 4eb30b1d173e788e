"""The bell and the notification pages in a real browser, at 360 px and 1366 px: the chief
sees the unread count, opens a notice and lands on its issue, read; the office finds the
rectification awaiting acceptance in its bell and a failed delivery on its page. No page is
wider than the screen; no console errors."""

import pytest

from issues import services
from notifications.models import Delivery, DeliveryStatus, Notification, NotificationKind

from . import factories
from .browser import ARTIFACTS, launch, needs_browser, sync_api
from .conftest import make_account

TIMEOUT_MS = 20_000
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(("width", "height"), [(360, 740), (1366, 900)])
def test_the_bell_leads_to_the_work(
    live_server, street_a, settings, request, monkeypatch, width, height
):
    # The test reads and writes rows between the browser's steps (Playwright runs a loop).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.NOTIFICATION_CHANNELS = ["notifications.channels.PortalChannel"]
    office = make_account("office", street_a.street)
    office.first_name = "东风街道河长制办公室工作人员"
    office.save(update_fields=["first_name"])
    chief = street_a.chiefs[0]
    chief_account = make_account("chief", chief.region, chief=chief)
    for n in range(3):
        factories.NotificationFactory(recipient=chief_account, title=f"旧的消息{n}")
    issue = services.issue_report(
        user=office,
        title="河道内有大量建筑垃圾和生活垃圾混合堆放，影响行洪安全",
        category="dumping",
        source="patrol",
        reach=street_a.reaches[0],
    )
    services.issue_act(issue_id=issue.pk, user=office, action="assign", assignee={"chief": chief})
    services.issue_act(issue_id=issue.pk, user=office, action="remind", comment="请尽快处理")
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
        console: list[str] = []
        page.on(
            "console",
            lambda m: m.type == "error" and console.append(f"{m.text} {m.location}"),
        )
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

        def log_in(account, next_path: str) -> None:
            page.goto(f"{base}/accounts/login/?next={next_path}")
            page.fill("#id_username", account.username)
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.press("#id_password", "Enter")
            page.wait_for_url(f"**{next_path}")

        def fits() -> None:
            assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
            box = page.locator("#bell").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width

        try:
            log_in(chief_account, "/me/")
            assert page.locator("#bell .bell-count").inner_text() == "5"
            fits()
            page.click("#bell")
            page.wait_for_url("**/notifications/")
            fits()
            assert page.locator(".notice.unread").count() == 5
            # Newest first: the reminder, then the assignment, then the older ones.
            first = page.locator(".notice").first
            assert "催办" in first.locator(".notice-title").inner_text()
            first.locator(".notice-title a").click()
            page.wait_for_url(f"**/issues/{issue.pk}/")
            fits()
            # The reminder and the assignment are both about this issue: both read now.
            assert page.locator("#bell .bell-count").inner_text() == "3"
            remind = Notification.objects.get(issue=issue, kind=NotificationKind.REMIND)
            assert remind.read_at is not None

            page.goto(f"{base}/notifications/")
            page.click("#read-all")
            page.wait_for_url("**/notifications/")
            assert page.locator("#bell .bell-count").count() == 0
            assert page.locator(".notice.unread").count() == 0

            # The chief rectifies and submits: the office's bell says so.
            services.issue_act(issue_id=issue.pk, user=chief_account, action="start")
            services.issue_act(issue_id=issue.pk, user=chief_account, action="submit")
            delivery = Delivery.objects.create(
                notification=Notification.objects.get(kind=NotificationKind.ASSIGNED),
                channel="sms_aliyun",
                status=DeliveryStatus.FAILED,
                attempts=5,
                error="isv.MOBILE_NUMBER_ILLEGAL: 非法手机号（号码格式不正确，请核对后重试）",
            )
            context.clear_cookies()
            log_in(office, "/issues/")
            assert page.locator("#bell .bell-count").inner_text() == "1"
            fits()
            page.click("#bell")
            page.wait_for_url("**/notifications/")
            assert "待验收" in page.locator(".notice").first.inner_text()
            fits()
            page.goto(f"{base}/notifications/deliveries/?status=failed")
            row = page.locator(f'tr[data-delivery="{delivery.pk}"]')
            assert "非法手机号" in row.inner_text()
            assert row.locator("button", has_text="重试").count() == 1
            fits()
            assert console == []
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            raise
        finally:
            browser.close()
