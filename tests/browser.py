"""What every browser test shares: Debian's Chromium launched by Playwright for Python, offline.

Tests mark themselves ``@needs_browser`` (skipped, with the reason, where Playwright or the
system Chromium is missing), open the browser with ``launch(playwright)`` and leave a screenshot
of a failure under ``ARTIFACTS`` (gitignored).
"""

import time
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and nothing that would reach the network by itself (downloads are blocked here).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

try:
    from playwright import sync_api
except ImportError:  # the dev extra is not installed
    sync_api = None

needs_browser = pytest.mark.skipif(
    sync_api is None or not CHROMIUM.exists(),
    reason=f"needs Playwright for Python and the system Chromium at {CHROMIUM}",
)


def launch(playwright):
    """The system Chromium (``playwright install`` is never used: downloads are blocked)."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def wait_until(page, expression: str, *, timeout_ms: int = 20_000) -> None:
    """``page.wait_for_function`` without evaluating a string inside the page, which the
    portal's Content-Security-Policy forbids ('unsafe-eval'): poll ``page.evaluate`` instead
    (the browser's own evaluation, which the page's policy does not govern)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            if page.evaluate(expression):
                return
        except sync_api.Error as error:
            # A navigation replaced the page between two polls: ask the new one.
            if "context was destroyed" not in str(error):
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_ms} ms waiting for: {expression}")
        time.sleep(0.1)


def pick(page, field_id: str, text: str) -> None:
    """Choose a record in a searchable picker (core.pickers, js/picker.js): type into its
    search box ``#field_id`` and click the answer that reads ``text``."""
    page.fill(f"#{field_id}", text)
    option = page.locator(f"#{field_id} ~ .picker-list li[role=option]", has_text=text)
    option.first.wait_for(timeout=10_000)
    option.first.click()
