"""The Content-Security-Policy in a real browser: Chromium opens the main pages of every role and
nothing is refused (no `securitypolicyviolation` event, no console error), the dashboard's charts
still draw and show their tooltips, the map loads tiles from the configured tile host (another
origin), Swagger UI renders and the phone page registers its service worker. A screenshot and the
events are kept in test-artifacts/ when it fails."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from issues.models import Issue, IssueStatus

from .browser import ARTIFACTS, launch, needs_browser, sync_api
from .conftest import make_account
from .test_dashboard_browser import CHARTS, _a_year_of_street

TIMEOUT_MS = 20_000

# Runs before any page script: every violation the browser reports is kept in window.__csp.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push({directive: e.effectiveDirective, blocked: e.blockedURI,
                     source: e.sourceFile, line: e.lineNumber, sample: e.sample});
});
"""


def _session_of(account) -> str:
    """A logged-in session's cookie value (made before Playwright's event loop runs: the ORM
    refuses to run inside it)."""
    client = Client()
    client.force_login(account)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class Browser:
    """One Chromium; a context per account, logged in by its session cookie; every page's
    violations, console errors and failed responses collected."""

    def __init__(self, playwright, live_server, request):
        self.live_server = live_server
        self.request = request
        self.browser = launch(playwright)
        self.problems: list[str] = []
        self.page = None

    def as_account(self, session: str | None):
        if self.page is not None:
            self.page.context.close()
            self.page = None
        context = self.browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(RECORD_VIOLATIONS)
        if session is not None:
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": session,
                        "url": self.live_server.url,
                    }
                ]
            )
        page = context.new_page()
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                # Django's admin links no icon: the browser's own guess is not the portal's.
                and not m.location.get("url", "").endswith("/favicon.ico")
                and self.problems.append(f"console: {m.text} ({m.location.get('url')})")
            ),
        )
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and not r.url.endswith("/favicon.ico")
                and self.problems.append(f"{r.status} {r.url}")
            ),
        )
        self.page = page
        return page

    def visit(self, path: str, ready: str = "main, body") -> None:
        self.page.goto(f"{self.live_server.url}{path}")
        self.page.wait_for_selector(ready)
        self.page.wait_for_load_state("networkidle")
        self.check(path)

    def check(self, where: str) -> None:
        violations = self.page.evaluate("window.__csp")
        self.problems += [f"{where}: CSP {json.dumps(v, ensure_ascii=False)}" for v in violations]
        assert self.problems == [], "\n".join(self.problems)

    def keep_evidence(self) -> None:
        if self.page is None:
            return
        ARTIFACTS.mkdir(exist_ok=True)
        name = self.request.node.name
        if not self.page.is_closed():
            self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.console.txt").write_text("\n".join(self.problems), encoding="utf-8")

    def close(self) -> None:
        if self.page is not None:
            self.page.context.close()
        self.browser.close()


@needs_browser
# The live server runs in another thread: the test's data must be committed to be seen.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_page_of_any_role_breaks_the_content_security_policy(
    live_server, street_a, settings, request
):
    # Tiles from another origin (the live server is "localhost", these come from 127.0.0.1):
    # allowed by the policy's img-src as MAP_TILE_URL's host.
    port = live_server.url.rsplit(":", 1)[1]
    settings.MAP_TILE_URL = f"http://127.0.0.1:{port}/static/img/favicon.svg?{{z}}-{{x}}-{{y}}"
    _a_year_of_street(street_a)
    reach = street_a.reaches[0]
    issue = Issue.objects.create(
        code="CSP-1",
        title="河面漂浮物",
        category="garbage",
        source="patrol",
        region=reach.region,
        reach=reach,
        status=IssueStatus.REPORTED,
        reported_at=timezone.now(),
    )
    sign = reach.signs.first()
    chief = street_a.chiefs[0]
    office = _session_of(make_account(Role.OFFICE, street_a.street))
    leader = _session_of(make_account(Role.LEADER, street_a.street))
    chief_account = _session_of(make_account(Role.CHIEF, chief.region, chief=chief))
    superuser = make_account(Role.ADMIN, street_a.street.parent)
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    superuser = _session_of(superuser)

    with sync_api.sync_playwright() as playwright:
        browser = Browser(playwright, live_server, request)
        try:
            page = browser.as_account(None)
            browser.visit("/accounts/login/", "#id_username")
            browser.visit(f"/r/{sign.code}/", "form")
            browser.visit("/r/track/", "form")

            page = browser.as_account(office)
            browser.visit("/")
            browser.visit("/workbench/reaches/", "table")
            browser.visit("/workbench/reaches/new/", "form")
            browser.visit("/issues/", "table")
            browser.visit(f"/issues/{issue.pk}/", "h1")
            # A place's map, with the tiles of MAP_TILE_URL under it.
            browser.visit(f"/workbench/signs/{sign.pk}/", "#place-map[data-drawn]")
            page.locator("#place-map .leaflet-tile-loaded").first.wait_for()
            browser.check(f"/workbench/signs/{sign.pk}/ with its tiles")
            browser.visit("/reports/")
            browser.visit("/bulletins/")
            browser.visit("/api/docs/", ".swagger-ui .info .title")
            assert page.locator(".swagger-ui .opblock").count() > 10  # the operations drawn

            page = browser.as_account(leader)
            browser.visit("/dashboard/", "#dashboard-map[data-loaded]")
            for name in CHARTS:
                chart = page.locator(f'[data-chart="{name}"]')
                chart.locator("canvas").first.wait_for()
                box = chart.bounding_box()
                assert box and box["width"] > 100 and box["height"] > 100, name
                # A tooltip is HTML that ECharts writes: it must not need inline styles.
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                page.wait_for_timeout(300)
            page.locator(".leaflet-tile-loaded").first.wait_for()
            browser.check("/dashboard/ after hovering the charts")

            page = browser.as_account(superuser)
            browser.visit("/admin/", "#content")
            browser.visit(f"/admin/rivers/reach/{reach.pk}/change/", "form")
            browser.visit("/admin/issues/issue/", "#changelist")

            page = browser.as_account(chief_account)
            browser.visit("/me/", "h1")
            browser.visit("/patrols/phone/", "form")
            # The offline copy's service worker installs under the same policy.
            assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
            browser.check("/patrols/phone/ with its service worker")
        except Exception:
            browser.keep_evidence()
            raise
        finally:
            browser.close()
