"""A monitoring point's page in a real browser at a phone's 360 px and a desktop's 1366 px: the
trend charts are drawn with the target's limit, and nothing scrolls sideways but the readings
table inside its own frame."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Role
from tests import factories
from tests.conftest import make_account

from .browser import ARTIFACTS, launch, needs_browser, sync_api

PASSWORD = "correct-horse-battery"


@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", [(360, 740), (1366, 900)])
def test_a_points_trend_charts_fit_the_screen(live_server, street_a, viewport):
    reach = street_a.reaches[0]
    point = factories.MonitoringPointFactory(
        name="东桥断面", code="DM-01", reach=reach, river=reach.river, target_grade="III"
    )
    monthly = [
        ("7.9", "3.1", "14", "2.6", "0.35", "0.08"),
        ("7.2", "3.8", "16", "3.2", "0.52", "0.11"),
        ("6.5", "4.6", "18", "3.5", "0.78", "0.15"),
        ("5.6", "5.2", "19", "3.9", "0.95", "0.18"),
        ("4.8", "6.3", "22", "4.4", "1.18", "0.22"),
        ("4.1", "7.1", "26", "5.2", "1.62", "0.27"),
    ]
    for month, (do, codmn, cod, bod5, nh3n, tp) in enumerate(monthly, 1):
        factories.WaterReadingFactory(
            point=point,
            sampled_on=datetime.date(2026, month, 12),
            do=Decimal(do),
            codmn=Decimal(codmn),
            cod=Decimal(cod),
            bod5=Decimal(bod5),
            nh3n=Decimal(nh3n),
            tp=Decimal(tp),
        )
    office = make_account(Role.OFFICE, street_a.street)
    width, height = viewport
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_context(viewport={"width": width, "height": height}).new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", office.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.goto(f"{live_server.url}/water/points/{point.pk}/")
        assert page.locator("figure.trend").count() == 6
        assert page.locator("figure.trend line.limit").count() == 6
        box = page.locator("#trend-nh3n svg").bounding_box()
        assert box["width"] >= 260
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{scroll} px wide on a {width} px screen"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"water-point-{width}.png"), full_page=True)
        page.goto(f"{live_server.url}/water/points/")
        page.click("text=东桥断面")
        page.wait_for_url(f"**/water/points/{point.pk}/")
        page.goto(f"{live_server.url}/water/points/")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"the list: {scroll} px wide on a {width} px screen"
        page.screenshot(path=str(ARTIFACTS / f"water-points-{width}.png"), full_page=True)
        browser.close()
