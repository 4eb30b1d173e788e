"""Every main page of every role fits a 360 px phone: no page is wider than the screen.

On the demo street (demo.street.build_demo), one browser, one context per role at 360 x 740:
the role logs in with its demo password and opens every entry of its menu (workbench/nav.py, as
the page renders it), the issue list and an issue page, its home, `/me/` (chief), `/dashboard/`
(leader), the bulletins and reports with one of each, and, for the office, every workbench list
with the first record of each. On each page ``document.documentElement.scrollWidth`` must be
at most 360 (the page does not scroll sideways) and the answer must not be an error.
"""

import re
import time
from urllib.parse import urlparse

import pytest

from .browser import ARTIFACTS, launch, needs_browser, sync_api

WIDTH, HEIGHT = 360, 740
TIMEOUT_MS = 30_000
DEMO_PASSWORDS = {
    "office": "Demo-Office-2024!",
    "leader": "Demo-Leader-2024!",
    "chief": "Demo-Chief-2024!",
}
# Not pages of the portal's own design: the API's Swagger UI (the office's 接口文档) and the
# Django admin; and leaving the session.
SKIPPED = re.compile(r"^/(api/|admin/|accounts/logout/|i18n/)")
DETAIL = re.compile(r"^/(workbench/[\w-]+|issues|bulletins|reports)/\d+/$")
# Lists whose first record is opened too.
WITH_DETAILS = re.compile(r"^/(workbench/[\w-]+|issues|bulletins|reports)/$")

MEASURE = """() => {
  const root = document.documentElement;
  const wide = [];
  if (root.scrollWidth > innerWidth) {
    for (const element of document.querySelectorAll('body *')) {
      const box = element.getBoundingClientRect();
      if (box.right > innerWidth + 1 && box.width > 0) {
        const name = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
          + (element.className && typeof element.className === 'string'
             ? '.' + element.className.trim().split(/\\s+/).join('.') : '');
        wide.push(name + ' ' + Math.round(box.right));
        if (wide.length >= 5) break;
      }
    }
  }
  return {width: root.scrollWidth, wide};
}"""


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    """The demo street, committed (the live server reads it from another thread)."""
    from demo.street import build_demo

    settings.MEDIA_ROOT = str(tmp_path / "media")
    build_demo()


def _menu_paths(page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "header nav a[href], .topbar nav a[href]", "links => links.map((a) => a.href)"
    )
    return [urlparse(href).path for href in hrefs]


def _first_detail(page, list_path: str) -> str | None:
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map((a) => a.href)")
    for href in hrefs:
        path = urlparse(href).path
        if DETAIL.match(path) and path.startswith(list_path):
            return path
    return None


# The deadline cells of issues that have one (a new report has none yet).
DEADLINES = """() => [...document.querySelectorAll('tr[data-issue] .c-deadline')]
  .filter((cell) => cell.querySelector('.nowrap')).map((cell) => {
  const box = cell.getBoundingClientRect();
  return [Math.round(box.left), Math.round(box.right), Math.round(box.width)];
})"""


def _deadlines_on_screen(page, role: str) -> list[str]:
    """The issue list is cards on a phone: every issue's deadline inside the screen's width."""
    boxes = page.evaluate(DEADLINES)
    if not boxes:
        return [f"{role} /issues/: no issue with a deadline listed"]
    off = [box for box in boxes if box[0] < 0 or box[1] > WIDTH or box[2] == 0]
    return [f"{role} /issues/: deadlines off screen {off[:3]}"] if off else []


def _walk(context, base: str, role: str, start: list[str]) -> tuple[list[str], list[str]]:
    """Open ``start`` and the role's menu, and the first record of each list; answer the pages
    seen and the problems found."""
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", role)
    page.fill("#id_password", DEMO_PASSWORDS[role])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{role} could not log in"

    queue = [urlparse(page.url).path, *start, *_menu_paths(page)]
    seen: list[str] = []
    problems: list[str] = []
    while queue:
        path = queue.pop(0)
        if path in seen or SKIPPED.match(path):
            continue
        seen.append(path)
        response = page.goto(f"{base}{path}")
        status = response.status if response else 0
        if status >= 400:
            problems.append(f"{role} {path}: HTTP {status}")
            continue
        measured = page.evaluate(MEASURE)
        if measured["width"] > WIDTH:
            problems.append(f"{role} {path}: {measured['width']} px wide; {measured['wide']}")
        if path == "/issues/":
            problems += _deadlines_on_screen(page, role)
        if WITH_DETAILS.match(path):
            detail = _first_detail(page, path)
            if detail and detail not in seen:
                queue.insert(0, detail)
    page.close()
    return seen, problems


@needs_browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_page_of_any_role_is_wider_than_a_phone(live_server, demo, request):
    started = time.monotonic()
    pages = {
        "office": ["/issues/", "/bulletins/", "/reports/"],
        "leader": ["/dashboard/", "/issues/", "/bulletins/", "/reports/"],
        "chief": ["/me/", "/issues/", "/patrols/phone/"],
    }
    seen: dict[str, list[str]] = {}
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for role, start in pages.items():
                context = browser.new_context(
                    viewport={"width": WIDTH, "height": HEIGHT},
                    locale="zh-CN",
                    timezone_id="Asia/Shanghai",
                    service_workers="block",
                )
                context.set_default_timeout(TIMEOUT_MS)
                try:
                    seen[role], found = _walk(context, live_server.url, role, start)
                    problems += found
                finally:
                    context.close()
        finally:
            browser.close()
    if problems:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"{request.node.name}.txt").write_text("\n".join(problems), encoding="utf-8")
    assert not problems, "\n".join(problems)

    # The walk went where it should: each role's pages, with records opened.
    office, leader, chief = seen["office"], seen["leader"], seen["chief"]
    assert {"/", "/issues/", "/workbench/reaches/", "/workbench/chiefs/", "/reports/"} <= set(
        office
    )
    assert any(re.match(r"^/workbench/reaches/\d+/$", path) for path in office)
    assert any(re.match(r"^/workbench/patrols/\d+/$", path) for path in office)
    assert any(re.match(r"^/issues/\d+/$", path) for path in office)
    assert len(office) >= 35, office
    assert {"/dashboard/", "/issues/", "/bulletins/", "/reports/"} <= set(leader)
    assert any(re.match(r"^/issues/\d+/$", path) for path in leader)
    assert {"/me/", "/issues/", "/patrols/phone/"} <= set(chief)
    assert any(re.match(r"^/issues/\d+/$", path) for path in chief)
    print(f"{sum(map(len, seen.values()))} pages in {time.monotonic() - started:.0f} s")
