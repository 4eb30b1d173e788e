"""What every browser test shares: Debian's Chromium launched by Playwright for Python, offline.

Tests mark themselves ``@needs_browser`` (skipped, with the reason, where Playwright or the
system Chromium is missing), open the browser with ``launch(playwright)`` and leave a screenshot
of a failure under ``ARTIFACTS`` (gitignored).
"""

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
