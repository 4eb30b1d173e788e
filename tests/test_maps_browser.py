"""Maps in a real browser, offline (no basemap configured, nothing asked of any other host): the
patrol page draws the track over its reach at 360 px without widening the page, and the phone
patrol page draws the track live while recording, also after an offline reload (Leaflet and the
map scripts come from the service worker). A screenshot and the console are kept on failure."""

import datetime
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from patrols.models import Finding

from . import factories
from .browser import ARTIFACTS, launch, needs_browser, sync_api, wait_until
from .conftest import make_account

TIMEOUT_MS = 20_000
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
T0 = datetime.datetime(2024, 5, 6, 1, 0, tzinfo=datetime.UTC)
TRACK_COLOUR = "#d84315"  # map.js's STYLES.track
START = {"latitude": 34.7500, "longitude": 113.6200}
STEP_DEG = 0.0001  # about 11 m per step


@pytest.fixture
def offline_maps(settings):
    settings.MAP_BASEMAP = ""
    settings.MAP_TILE_URL = ""
    settings.TIANDITU_KEY = ""


@contextmanager
def browser_page(live_server, request, **context_options):
    """A page of the system Chromium that records console errors, failed responses and every
    request to another host; a screenshot and the console are kept when the test fails."""
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            locale="zh-CN", timezone_id="Asia/Shanghai", **context_options
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.console_lines = []
        page.outside = []
        page.on("console", lambda m: page.console_lines.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: page.console_lines.append(f"pageerror: {e}"))
        page.on(
            "request",
            lambda r: (
                not r.url.startswith(live_server.url)
                and not r.url.startswith(("data:", "blob:"))
                and page.outside.append(r.url)
            ),
        )
        try:
            yield context, page
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            (ARTIFACTS / f"{request.node.name}.console.txt").write_text(
                "\n".join(page.console_lines), encoding="utf-8"
            )
            raise
        finally:
            context.close()
            browser.close()


def log_in(page, live_server, user, next_path: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"**{next_path}")


def errors(page) -> list[str]:
    return [line for line in page.console_lines if line.startswith(("error", "pageerror"))]


@needs_browser
# The live server runs in another thread: the test's data must be committed to be seen.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_patrol_page_draws_the_track_over_its_reach_at_360_px(
    live_server, street_a, offline_maps, request
):
    reach = street_a.reaches[0]
    reach.geometry = {
        "type": "LineString",
        "coordinates": [[113.6190, 34.7495], [113.6200, 34.7500], [113.6215, 34.7505]],
    }
    reach.save()
    patrol = factories.PatrolFactory(
        chief=street_a.chiefs[0],
        reach=reach,
        points_dropped=1,
        track_raw={
            "type": "LineString",
            "coordinates": [
                [113.6200, 34.7500],
                [113.6201, 34.7500],
                [113.7000, 34.7500],  # 7 km in ten seconds: drift
                [113.6202, 34.7501],
            ],
            "times": [(T0 + datetime.timedelta(seconds=10 * n)).isoformat() for n in range(4)],
        },
        track={
            "type": "LineString",
            "coordinates": [[113.6200, 34.7500], [113.6201, 34.7500], [113.6202, 34.7501]],
        },
    )
    Finding.objects.create(
        patrol=patrol, description="岸边垃圾", lat=Decimal("34.750050"), lon=Decimal("113.620150")
    )
    office = make_account(Role.OFFICE, street_a.street)
    path = reverse("workbench:detail", args=["patrols", patrol.pk])

    with browser_page(live_server, request, viewport={"width": 360, "height": 740}) as (_, page):
        log_in(page, live_server, office, path)
        page.wait_for_selector("#place-map[data-drawn]")
        # reach, raw track, track, one dropped fix, one finding, start, end: seven SVG paths.
        assert page.get_attribute("#place-map", "data-drawn") == "7"
        paths = page.locator("#place-map path.leaflet-interactive")
        assert paths.count() == 7
        track = page.locator(f'#place-map path[stroke="{TRACK_COLOUR}"]')
        assert track.count() == 1
        box = track.bounding_box()
        assert box and box["width"] > 20, "the track is drawn, fitted to the view"
        assert page.locator("#place-map .leaflet-tile").count() == 0  # no basemap: no tiles
        legend = page.locator(".map-key li")
        assert legend.count() == 7
        assert "剔除的漂移点" in page.locator(".map-key").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.outside == []
        assert errors(page) == []


def walk(context, page, steps: int, start_step: int) -> int:
    """Move the faked position one step at a time, waiting until each fix is drawn."""
    for n in range(start_step, start_step + steps):
        before = int(page.get_attribute("#patrol-map", "data-points") or 0)
        # Zig-zag, so that no fix lies on a straight line Leaflet would simplify away.
        context.set_geolocation(
            {
                "latitude": START["latitude"] + n * STEP_DEG,
                "longitude": START["longitude"] + (n % 2) * 2 * STEP_DEG,
            }
        )
        wait_until(
            page,
            f"Number(document.getElementById('patrol-map').dataset.points) > {before}",
            timeout_ms=TIMEOUT_MS,
        )
    return start_step + steps


def track_points(page) -> int:
    """How many vertices the drawn track's SVG path has (one M or L command each)."""
    d = page.get_attribute(f'#patrol-map path[stroke="{TRACK_COLOUR}"]', "d") or ""
    return sum(1 for c in d if c in "ML")


@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_phone_page_draws_the_track_live_also_offline(live_server, offline_maps, request):
    reach = factories.ReachFactory(
        name="城区段",
        geometry={"type": "LineString", "coordinates": [[113.6195, 34.7495], [113.6205, 34.7530]]},
    )
    chief = factories.ChiefFactory(region=reach.region, reaches=[reach])
    user = factories.UserFactory(role=Role.CHIEF, chief=chief, region=chief.region)

    with browser_page(
        live_server,
        request,
        viewport={"width": 360, "height": 740},
        geolocation=START,
        permissions=["geolocation"],
        service_workers="allow",
    ) as (context, page):
        log_in(page, live_server, user, "/patrols/phone/")
        page.wait_for_selector("#offline-ready:not([hidden])")
        wait_until(page, "navigator.serviceWorker.controller !== null")
        page.wait_for_selector('#patrol-status[data-state="idle"]')
        page.select_option("#reach", str(reach.pk))
        page.click("#start")
        page.wait_for_selector('#patrol-status[data-state="recording"]')
        step = walk(context, page, 3, start_step=1)
        points = int(page.locator("#point-count").inner_text())
        assert points >= 3
        assert page.get_attribute("#patrol-map", "data-points") == str(points)
        assert track_points(page) == points
        # The reach under the track, drawn from the page's data.
        assert page.locator("#patrol-map path.leaflet-interactive").count() >= 2
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        # Offline, reloaded from the service worker: the map comes back from the stored patrol.
        context.set_offline(True)
        wait_until(page, "!navigator.onLine")
        response = page.reload()
        assert response is not None and response.from_service_worker
        page.wait_for_selector('#patrol-status[data-state="recording"]')
        wait_until(page, f"document.getElementById('patrol-map').dataset.points === '{points}'")
        walk(context, page, 2, start_step=step)
        assert track_points(page) == points + 2
        assert page.locator("#patrol-map .leaflet-tile").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.outside == []
        assert errors(page) == []
