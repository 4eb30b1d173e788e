"""The leader's main path in a real browser: log in, open the dashboard, the charts draw, the map
shows reaches and markers on a plain background (no tile URL set), the layer toggles work, and
nothing is logged as an error. A screenshot and the console are kept when it fails."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from activities.models import Cleanup
from issues.models import Issue, IssueStatus
from patrols.models import Patrol
from reports import rollups

from . import factories
from .browser import ARTIFACTS, launch, needs_browser, sync_api
from .conftest import make_account

TIMEOUT_MS = 20_000
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's

CHARTS = ("months", "by_category", "by_status", "patrol_ranking", "resolution_ranking")


def _a_year_of_street(street) -> None:
    """Lines for the reaches, patrols this year, open and closed issues with positions, a
    cleanup; then the rollups, as the nightly job would leave them."""
    today = timezone.localdate()
    for n, reach in enumerate(street.reaches):
        reach.geometry = {
            "type": "LineString",
            "coordinates": [[113.65 + n * 0.01, 34.78], [113.655 + n * 0.01, 34.785]],
        }
        reach.save()
    patrols = []
    for chief, reach in zip(street.chiefs, street.reaches, strict=True):
        for days_ago in range(1, 90, 6):
            start = timezone.make_aware(
                datetime.datetime.combine(
                    today - datetime.timedelta(days=days_ago), datetime.time(9)
                )
            )
            patrols.append(
                Patrol(
                    chief=chief,
                    reach=reach,
                    started_at=start,
                    ended_at=start + datetime.timedelta(minutes=40),
                    started_on=start.date(),
                    valid=True,
                )
            )
    Patrol.objects.bulk_create(patrols)
    statuses = [IssueStatus.REPORTED, IssueStatus.ASSIGNED, IssueStatus.RECTIFYING]
    for n in range(6):
        reach = street.reaches[n % 2]
        reported = timezone.now() - datetime.timedelta(days=20 + n)
        closed = n == 5
        Issue.objects.create(
            code=f"T-{n}",
            title=f"问题{n}",
            category=["dumping", "garbage", "pollution"][n % 3],
            source="patrol",
            region=reach.region,
            reach=reach,
            lat=Decimal("34.780") + Decimal(n) / 1000,
            lon=Decimal("113.652") + Decimal(n) / 1000,
            status=IssueStatus.CLOSED if closed else statuses[n % 3],
            reported_at=reported,
            closed_at=timezone.now() if closed else None,
            deadline=today - datetime.timedelta(days=3) if n < 3 else None,
        )
    Cleanup.objects.create(
        date=today - datetime.timedelta(days=10),
        title="河道保洁",
        region=street.communities[0],
        garbage_t=Decimal("2.5"),
    )
    rollups.rebuild(first=today - datetime.timedelta(days=100), last=today)


@needs_browser
# The live server runs in another thread: the test's data must be committed to be seen.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_leader_opens_the_dashboard_and_sees_charts_and_the_map(
    live_server, street_a, settings, request
):
    settings.MAP_TILE_URL = ""  # no tiles: the map must still draw everything
    _a_year_of_street(street_a)
    leader = make_account(Role.LEADER, street_a.street)
    factories.SignFactory(reach=street_a.reaches[1])  # one more marker of another kind

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
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
        outside: list[str] = []
        page.on(
            "request",
            lambda req: (
                not req.url.startswith(live_server.url)
                and not req.url.startswith("data:")
                and outside.append(req.url)
            ),
        )
        try:
            page.goto(f"{live_server.url}/accounts/login/?next=/dashboard/")
            page.fill("#id_username", leader.username)
            page.fill("#id_password", PASSWORD)
            page.locator("form button[type=submit], form input[type=submit]").last.click()
            page.wait_for_url("**/dashboard/")
            assert page.locator("h1").inner_text().startswith("领导驾驶舱")

            for name in CHARTS:
                chart = page.locator(f'[data-chart="{name}"]')
                chart.locator("canvas, svg").first.wait_for()
                box = chart.bounding_box()
                assert box and box["width"] > 100 and box["height"] > 100, name

            page.wait_for_selector("#dashboard-map[data-loaded]")
            assert page.get_attribute("#dashboard-map", "data-loaded") not in ("0", "error")
            assert page.locator("#dashboard-map .leaflet-tile").count() == 0  # no tiles
            paths = page.locator("#dashboard-map path.leaflet-interactive")
            # 2 reaches + 5 open issues + 2 outfalls (circles) drawn as SVG paths.
            assert paths.count() == 2 + 5 + 2
            signs = page.locator("#dashboard-map .leaflet-marker-icon.sign-marker")
            assert signs.count() == 3

            # The legend's toggles hide and show a layer.
            page.locator('input[data-layer="issues"]').uncheck()
            assert paths.count() == 2 + 2
            page.locator('input[data-layer="issues"]').check()
            assert paths.count() == 2 + 5 + 2

            # The overdue list leads down to each issue's page.
            links = page.locator("#overdue-title ~ .table-wrap a[href^='/issues/']")
            assert links.count() == 3

            assert failed == []
            assert outside == []  # nothing from a CDN or a tile server
            errors = [line for line in console if line.startswith(("error", "pageerror"))]
            assert errors == []
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
