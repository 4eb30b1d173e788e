"""A chief's own scores on /me/ and a leader's ranking on /dashboard/ in Chromium, with published
rounds present (tests/test_assessment_pages.py's world, and a round of 15 for the other street):
no horizontal page scroll at 360 px nor at 1366 px, and the section is there."""

import pytest
from django.conf import settings
from django.test import Client

from .browser import launch, needs_browser, sync_api
from .test_assessment_pages import big_round, world  # noqa: F401  (the hand-built rounds)

PAGE_WIDTH = "() => document.documentElement.scrollWidth"


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_chief_s_scores_and_the_leader_s_ranking_fit_a_phone_and_a_laptop(
    live_server,
    world,  # noqa: F811
):
    big_round(world, 15)
    # Sessions first: the ORM refuses to run inside Playwright's event loop.
    visits = [
        (_session(world.account), "/me/", "#my-assessment"),
        (_session(world.other_leader), "/dashboard/", "#assessment-ranking"),
    ]
    widths = {}
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for session, path, section in visits:
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
                    response = page.goto(f"{live_server.url}{path}")
                    assert response.status == 200
                    page.locator(section).scroll_into_view_if_needed()
                    assert page.locator(section).is_visible()
                    widths[(width, path)] = page.evaluate(PAGE_WIDTH)
                    context.close()
        finally:
            browser.close()
    for (width, path), measured in widths.items():
        assert measured <= width, f"{path} at {width} px: {measured} px wide"
