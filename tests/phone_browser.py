"""What the phone patrol page's browser tests share (test_patrol_phone_browser.py,
test_patrol_long_browser.py): a chief's phone (360 px, a faked position, Chinese, Shanghai
time), logged in on /patrols/phone/, and the walk that moves its position.

``phone_page`` opens the system Chromium on such a phone and, when the test fails inside it,
leaves a screenshot and the page's console under ``ARTIFACTS``; the account is the
``chief_account`` fixture (conftest.py).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from .browser import ARTIFACTS, launch, sync_api, wait_until

PASSWORD = "correct-horse-battery"  # factories.UserFactory's password
START = {"latitude": 34.7500, "longitude": 113.6200}
# About 11 m north per step: well inside the speed a walker could reach between fixes.
STEP_DEG = 0.0001
TIMEOUT_MS = 20_000


@contextmanager
def phone_page(request, *, service_workers: str) -> Iterator[tuple]:
    """``(context, page)`` of a phone-sized browser at ``START`` (``service_workers``: "allow"
    or "block"); on a failure inside, the screenshot and console of ``request``'s test."""
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": 360, "height": 740},
            geolocation=START,
            permissions=["geolocation"],
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            service_workers=service_workers,
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        try:
            yield context, page
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


def log_in_to_phone(page, live_server, user) -> None:
    """Log ``user`` in and land on the phone patrol page."""
    page.goto(f"{live_server.url}/accounts/login/?next=/patrols/phone/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/patrols/phone/")


def wait_for_state(page, state: str) -> None:
    page.wait_for_selector(f'#patrol-status[data-state="{state}"]', timeout=TIMEOUT_MS)


def point_count(page) -> int:
    return int(page.locator("#point-count").inner_text())


def walk(context, page, steps: int, start_step: int) -> int:
    """Move the faked position north one step at a time, waiting until each fix is recorded."""
    for n in range(start_step, start_step + steps):
        before = point_count(page)
        context.set_geolocation(
            {"latitude": START["latitude"] + n * STEP_DEG, "longitude": START["longitude"]}
        )
        wait_until(
            page,
            f"Number(document.getElementById('point-count').textContent) > {before}",
            timeout_ms=TIMEOUT_MS,
        )
    return start_step + steps
