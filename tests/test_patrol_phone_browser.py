"""The phone patrol page in a real browser: a patrol survives a lost signal and a reload, and a
resend after a lost answer does not make a second patrol.

Runs headless Chromium through Playwright against pytest-django's live server. Playwright's own
browsers are never downloaded: the system Chromium is used, and the test is skipped without it.
A few quick checks of the page view and the service worker script run without a browser.
"""

import io
import re

import pytest
from django.templatetags.static import static
from PIL import Image

from accounts.models import Role
from patrols.models import Patrol

from . import factories
from .browser import needs_browser, wait_until
from .phone_browser import log_in_to_phone, phone_page, point_count, wait_for_state, walk

PROBE_NETWORK = "fetch('/healthz', {cache: 'no-store'}).then(() => 'online', () => 'offline')"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def status(page):
    return page.locator("#patrol-status")


@needs_browser
# The live server runs in another thread: the test's data must be committed to be seen.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_patrol_survives_offline_reload_and_resend(live_server, chief_account, media_root, request):
    user, chief, reach = chief_account
    host = live_server.url.split("//", 1)[1].rsplit(":", 1)[0]
    # Service workers only run in a secure context; plain http counts only for loopback names.
    assert host in {"localhost", "127.0.0.1"}, live_server.url

    answers: list[int] = []

    def lose_first_answer(route):
        """The upload reaches the server, but the first answer is lost on the way back."""
        response = route.fetch()
        answers.append(response.status)
        if len(answers) == 1:
            route.abort("internetdisconnected")
        else:
            route.fulfill(response=response)

    with phone_page(request, service_workers="allow") as (context, page):
        log_in_to_phone(page, live_server, user)
        # The worker has stored the page and its files: from here on it works offline.
        page.wait_for_selector("#offline-ready:not([hidden])")
        wait_until(page, "navigator.serviceWorker.controller !== null")
        wait_for_state(page, "idle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        page.select_option("#reach", str(reach.pk))
        page.click("#start")
        wait_for_state(page, "recording")
        step = walk(context, page, 3, start_step=1)

        context.set_offline(True)
        wait_until(page, "!navigator.onLine")
        # The worker must be cut off too, or the reload below would prove nothing.
        (worker,) = context.service_workers
        assert worker.evaluate(PROBE_NETWORK) == "offline", "Playwright left the worker online"
        assert "离线，已保存在本机" in status(page).inner_text()
        step = walk(context, page, 2, start_step=step)
        page.fill("#finding-description", "岸边有建筑垃圾堆放")
        page.set_input_files(
            "#finding-photo",
            files=[{"name": "spot.png", "mimeType": "image/png", "buffer": png_bytes()}],
        )
        page.wait_for_selector("#pending-photos img")
        page.click("#save-finding")
        page.wait_for_selector("#findings li.finding")
        points_before_reload = point_count(page)

        # Still offline: the page comes from the service worker, the patrol from IndexedDB.
        response = page.reload()
        assert response is not None
        assert response.from_service_worker
        wait_for_state(page, "recording")
        finding = page.locator("#findings li.finding")
        assert finding.count() == 1
        assert "岸边有建筑垃圾堆放" in finding.inner_text()
        assert finding.locator("img").count() == 1
        assert point_count(page) == points_before_reload
        walk(context, page, 2, start_step=step)
        points_recorded = point_count(page)

        context.set_offline(False)
        wait_until(page, "navigator.onLine")
        context.route("**/api/v1/patrols/", lose_first_answer)
        page.click("#finish")
        wait_for_state(page, "finished")
        page.fill("#notes", "沿河步行巡查，发现一处垃圾堆放。")
        page.click("#submit")
        # The server has the patrol, but the phone never heard: it keeps it queued.
        wait_for_state(page, "offline")
        assert answers == [201]
        assert page.locator("#outbox li").count() == 1

        # Opening the page again sends the queued patrol again, with the same uuid.
        page.reload()
        wait_for_state(page, "submitted")
        assert answers == [201, 200]
        assert page.locator("#outbox li").count() == 0
        stored_uuid = page.evaluate(
            """async () => (await PatrolStore.patrolsOf(JSON.parse(
                document.getElementById('patrol-config').textContent).account))[0].uuid"""
        )
        leftovers = page.evaluate(
            "async (uuid) => [(await PatrolStore.pointsOf(uuid)).length,"
            " (await PatrolStore.findingsOf(uuid)).length]",
            stored_uuid,
        )
        assert leftovers == [0, 0], "sent patrols free the phone's storage"

    # After the browser has closed: Playwright's sync API keeps an event loop that the ORM's
    # async-safety check would object to.
    patrols = Patrol.objects.filter(chief=chief)
    assert patrols.count() == 1
    patrol = patrols.get()
    assert str(patrol.uuid) == stored_uuid
    assert patrol.reach == reach
    assert patrol.created_by == user
    assert patrol.notes == "沿河步行巡查，发现一处垃圾堆放。"
    assert len(patrol.track_raw["coordinates"]) == points_recorded
    assert patrol.ended_at > patrol.started_at
    assert patrol.track_raw["times"][0].endswith("+08:00")
    findings = list(patrol.findings.all())
    assert len(findings) == 1
    assert findings[0].description == "岸边有建筑垃圾堆放"
    assert findings[0].lat is not None
    photos = list(findings[0].photos.all())
    assert len(photos) == 1
    assert (photos[0].width, photos[0].height) == (32, 24)


def test_phone_page_needs_login(client, db):
    response = client.get("/patrols/phone/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_phone_page_is_for_chief_accounts_only(client, chief_account):
    _user, chief, _reach = chief_account
    office = factories.UserFactory(role=Role.OFFICE, region=chief.region)
    unlinked = factories.UserFactory(role=Role.CHIEF, region=chief.region)
    for account in (office, unlinked):
        client.force_login(account)
        assert client.get("/patrols/phone/").status_code == 403


def test_phone_page_lists_own_reaches_and_has_no_inline_script(client, chief_account):
    user, _chief, reach = chief_account
    other = factories.ReachFactory(name="别人的河段")
    client.force_login(user)
    response = client.get("/patrols/phone/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{reach.pk}">{reach.river.name} 城区段</option>' in html
    assert other.name not in html
    assert "no-store" in response["Cache-Control"]
    # A strict Content-Security-Policy is coming: scripts are files or inert JSON.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    app = html[html.index('id="patrol-app"') :]
    assert not re.search(r"\son[a-z]+=", app), "no inline event handlers"


def test_service_worker_script(client, db):
    response = client.get("/patrols/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/patrols/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert body.startswith("self.PATROL_SW_CONFIG = {")
    for path in ("patrols/phone.js", "patrols/idb.js", "patrols/phone.css", "css/portal.css"):
        assert f'"{static(path)}"' in body
    # The live track's map works offline: Leaflet and the map scripts are stored too.
    for path in (
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet/leaflet.css",
        "css/map.css",
        "js/map.js",
        "patrols/track-map.js",
    ):
        assert f'"{static(path)}"' in body
    assert '"/patrols/phone/"' in body
