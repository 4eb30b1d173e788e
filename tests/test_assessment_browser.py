"""The round page in Chromium: no horizontal page scroll at 360 px nor at 1366 px."""

import pytest
from django.conf import settings
from django.test import Client

from .browser import launch, needs_browser, sync_api
from .test_assessment import compute, world  # noqa: F401  (the hand-built quarter)

PAGE_WIDTH = "() => document.documentElement.scrollWidth"


@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_round_pages_fit_a_phone_and_a_laptop(live_server, api, world):  # noqa: F811
    round_id = compute(api, world)
    client = Client()
    client.force_login(world.office)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    widths = {}
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for width in (360, 1366):
                context = browser.new_context(
                    viewport={"width": width, "height": 800}, locale="zh-CN"
                )
                context.add_cookies(
                    [
                        {
                            "name": settings.SESSION_COOKIE_NAME,
                            "value": session,
                            "url": live_server.url,
                        }
                    ]
                )
                page = context.new_page()
                for path in ("/reports/assessment/", f"/reports/assessment/{round_id}/"):
                    response = page.goto(f"{live_server.url}{path}")
                    assert response.status == 200
                    assert page.locator("text=河长季度考核").count() >= 1
                    widths[(width, path)] = page.evaluate(PAGE_WIDTH)
                context.close()
        finally:
            browser.close()
    for (width, path), measured in widths.items():
        assert measured <= width, f"{path} at {width} px: {measured} px wide"
