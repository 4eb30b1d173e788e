"""The dashboard's map in a real browser: each monitoring point is a marker coloured by its latest
grade on the national scale (the .grade-* classes of /water/grades.css, the badges' own), the
legend lists the scale, a marker's popup names the point, grade, date and whether it meets its
target; on a phone's width and a desktop's. Screenshots are kept under test-artifacts/."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role

from . import factories
from .browser import ARTIFACTS, launch, needs_browser, sync_api
from .conftest import make_account

TIMEOUT_MS = 20_000
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's

# One point per class (river, target III), by ammonia nitrogen alone (GB 3838-2002 Table 1:
# I <= 0.15, II <= 0.5, III <= 1.0, IV <= 1.5, V <= 2.0), and one point not yet sampled. The
# colours are GRADE_COLOURS' fills, written out: what the browser must paint.
POINTS = [
    ("一号断面", "0.10", "I", "rgb(205, 239, 253)"),
    ("二号断面", "0.40", "II", "rgb(31, 143, 214)"),
    ("三号断面", "0.90", "III", "rgb(46, 158, 79)"),
    ("四号断面", "1.40", "IV", "rgb(245, 217, 10)"),
    ("五号断面", "1.90", "V", "rgb(240, 140, 0)"),
    ("六号断面", "2.50", "worse_than_V", "rgb(201, 42, 42)"),
    ("七号断面", None, "none", "rgb(233, 236, 239)"),
]


def _graded_points(street) -> None:
    sampled = timezone.localdate() - datetime.timedelta(days=20)
    reach = street.reaches[0]
    reach.geometry = {"type": "LineString", "coordinates": [[113.650, 34.780], [113.680, 34.790]]}
    reach.save()
    for n, (name, nh3n, _grade, _colour) in enumerate(POINTS):
        point = factories.MonitoringPointFactory(
            name=name,
            reach=reach,
            river=reach.river,
            lat=Decimal("34.780") + Decimal(n) * Decimal("0.0015"),
            lon=Decimal("113.650") + Decimal(n) * Decimal("0.0045"),
        )
        if nh3n is not None:
            factories.WaterReadingFactory(point=point, sampled_on=sampled, nh3n=Decimal(nh3n))


@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("width", [360, 1366])
def test_the_dashboard_map_colours_points_by_grade(live_server, street_a, settings, request, width):
    settings.MAP_TILE_URL = ""  # no tiles: the markers draw on the plain background
    _graded_points(street_a)
    leader = make_account(Role.LEADER, street_a.street)

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": width, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.goto(f"{live_server.url}/accounts/login/?next=/dashboard/")
            page.fill("#id_username", leader.username)
            page.fill("#id_password", PASSWORD)
            page.locator("form button[type=submit], form input[type=submit]").last.click()
            page.wait_for_url("**/dashboard/")
            page.wait_for_selector("#dashboard-map[data-loaded]")

            markers = page.locator("#dashboard-map .leaflet-marker-icon.grade-marker")
            assert markers.count() == len(POINTS)
            for _name, _nh3n, grade, colour in POINTS:
                painted = page.eval_on_selector(
                    f"#dashboard-map .grade-marker.grade-{grade}",
                    "node => getComputedStyle(node).backgroundColor",
                )
                assert painted == colour, grade
                # The legend's dot is the same colour: one table for both.
                dot = page.eval_on_selector(
                    f"[data-grade-legend] .grade-dot.grade-{grade}",
                    "node => getComputedStyle(node).backgroundColor",
                )
                assert dot == colour, grade
            # The year's figure: six points sampled, three (I, II, III) meeting target III.
            assert page.locator('[data-figure="target_rate"]').inner_text() == "50%"
            page.locator(".dashboard-figures").screenshot(
                path=str(ARTIFACTS / f"dashboard-water-figures-{width}.png")
            )

            page.locator("#dashboard-map .grade-marker.grade-worse_than_V").click()
            popup = page.locator(".leaflet-popup-content")
            popup.wait_for()
            text = popup.inner_text()
            assert "六号断面" in text and "劣Ⅴ类" in text and "重度污染" in text
            assert "未达标" in text and "Ⅲ类" in text
            page.locator("#map-title").scroll_into_view_if_needed()
            page.locator("#map-title").locator("xpath=..").screenshot(
                path=str(ARTIFACTS / f"dashboard-water-map-{width}.png")
            )
            errors = [line for line in console if line.startswith(("error", "pageerror"))]
            assert errors == []
        except Exception:
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            raise
        finally:
            context.close()
            browser.close()
