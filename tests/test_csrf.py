"""CSRF on every browser form.

Every URL outside the API (whose session clients are checked by DRF) refuses a POST without the
token (403, Django's CSRF failure); every ``<form method="post">`` rendered for an office user, a
chief or an anonymous visitor carries ``csrfmiddlewaretoken``, and submitting the form with the
token it carries is not refused as forgery. A POST without the token changes nothing.
"""

import re
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import get_resolver

from issues.models import Issue
from workbench.registry import RESOURCES

from .test_access_matrix import RECORDS, _build_world

# --- The URL patterns outside the API and the admin, made concrete with the dataset's records.


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


WEB_ROUTES = sorted(
    r for r in _walk(get_resolver().url_patterns) if not r.startswith(("api/", "admin/"))
)
API_BASENAMES = {
    basename: prefix
    for prefix, _view, basename in __import__("config.api", fromlist=["router"]).router.registry
}


def _record_for(resource, w):
    return RECORDS[API_BASENAMES[resource.api_basename]](w, "inside", "office")


def _concrete(route: str, w) -> list[str]:
    """Every URL a route stands for in the dataset (a workbench route: one per resource)."""
    inside = w.inside
    values = {
        "<int:pk>": None,
        "<int:photo_pk>": "1",
        "<str:code>": inside.public_report.tracking_code,
        "<str:sign_code>": inside.sign.code,
        # The document pipeline's own addresses (core.urls_documents), for a bulletin.
        "<slug:kind>": "bulletin",
        "<slug:file>": "pdf",
        # An account's authenticator reset, a device token's revoke: the token is checked first.
        "<int:account_id>": "1",
        "<int:token_id>": "1",
        # A year's holiday arrangement (calendars): the token is checked before the year is read.
        "<int:year>": "2027",
    }
    if "<int:finding_pk>" in route:
        # A patrol's finding turned into an issue (workbench/views_findings.py).
        url = route.replace("<int:pk>", str(inside.patrol.pk))
        return [f"/{url.replace('<int:finding_pk>', str(inside.finding.pk))}"]
    if "<int:task_pk>" in route:
        # A river plan's task: its status, its notes (workbench/views_river_plans.py).
        plan = inside.river_plan
        url = route.replace("<int:pk>", str(plan.pk))
        return [f"/{url.replace('<int:task_pk>', str(plan.tasks.first().pk))}"]
    if route.startswith("workbench/"):
        urls = []
        for resource in RESOURCES.values():
            record = _record_for(resource, w)
            url = route.replace("<slug:resource>", resource.slug).replace(
                "<int:pk>", str(record.pk)
            )
            if "<slug:action>" in url:
                urls += [url.replace("<slug:action>", a.slug) for a in resource.actions]
            else:
                urls.append(url)
        return [f"/{u}" for u in urls]
    pk = {
        "issues/": inside.issue.pk,
        "bulletins/": inside.bulletin.pk,
        "reports/": inside.report.pk,
        "documents/": inside.bulletin.pk,
        "public-reports/": inside.public_report.pk,
        # The river file (一河一档) and its PDF request.
        "rivers/": inside.river.pk,
        # A monitoring point's page: the token is checked before any row is read.
        "water/": 1,
        # A notification's or a delivery's number: the token is checked before any row is read.
        "notifications/": 1,
        # A weekly report's number: the token is checked before any row is read.
        "weekly-reports/": 1,
    }
    url = route
    for key, value in values.items():
        if key == "<int:pk>":
            number = next((v for p, v in pk.items() if route.startswith(p)), None)
            value = str(number)
        url = url.replace(key, value)
    return [f"/{url}"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=str(media)),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield _build_world()
        transaction.set_rollback(True)


@pytest.fixture
def w(world, db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return world


def _client(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def _is_csrf_refusal(response) -> bool:
    return response.status_code == 403 and b"CSRF" in response.content


# --- Every URL refuses a POST without the token.


@pytest.mark.parametrize("route", WEB_ROUTES)
def test_every_web_url_refuses_a_post_without_the_csrf_token(w, route):
    issues_before = Issue.objects.count()
    clients = [_client(w.users["office"]), _client(w.users["chief"]), _client()]
    for url in _concrete(route, w):
        for client in clients:
            response = client.post(url, {"name": "x", "action": "remind"})
            assert _is_csrf_refusal(response), (url, response.status_code)
    assert Issue.objects.count() == issues_before


def test_the_walk_covers_the_forms_named_in_the_issue():
    """Login, logout, the language switch, the ledger import, issues, reports, bulletins, the
    workbench and the public report form are all among the routes walked above."""
    names = " ".join(WEB_ROUTES)
    for part in [
        "accounts/login/",
        "accounts/logout/",
        "i18n/setlang/",
        "ledgers/roster/import/",
        "ledgers/signs/import/",
        "ledgers/outfalls/import/",
        "ledgers/facilities/import/",
        "issues/new/",
        "issues/<int:pk>/act/",
        "issues/<int:pk>/photos/",
        "reports/<int:pk>/regenerate/",
        "bulletins/",
        "workbench/<slug:resource>/<int:pk>/<slug:action>/",
        "workbench/<slug:resource>/<int:pk>/delete/",
        "r/<str:sign_code>/",
    ]:
        assert part in names, part


# --- Every rendered form carries the token, and the token it carries is accepted.


class _Forms(HTMLParser):
    """The post forms of a page: action, whether they hold the token, and their fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or "",
                "fields": {},
                "token": False,
            }
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if name == "csrfmiddlewaretoken":
                self._form["token"] = True
                self._form["fields"][name] = a.get("value", "")
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].setdefault(name, a.get("value", "on"))
            elif kind not in ("file", "submit", "button", "image"):
                self._form["fields"].setdefault(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self._form["fields"].setdefault(name, "")
        elif tag == "option" and self._select:
            fields = self._form["fields"]
            if "selected" in a or not fields.get(self._select):
                fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._form["fields"].setdefault(name, "")
        elif tag == "button" and name and (a.get("type") or "submit") == "submit":
            self._form["fields"].setdefault(name, a.get("value", ""))

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _pages(w) -> list[str]:
    """Every page a GET can render: the concrete web URLs minus downloads and images."""
    skip = re.compile(r"(\.xlsx|\.svg|\.png|sw\.js|/pdf/|/status/|/photos/|healthz)")
    urls = []
    for route in WEB_ROUTES:
        if route == "accounts/logout/" or route == "i18n/setlang/":
            continue  # POST only
        urls += [u for u in _concrete(route, w) if not skip.search(u)]
    return urls


def _forms_of(client, url) -> list[dict] | None:
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return None
    parser = _Forms()
    parser.feed(response.content.decode())
    return [f for f in parser.forms if f["method"] == "post"]


@pytest.mark.parametrize("who", ["office", "chief", "anonymous"])
def test_every_post_form_carries_the_token_and_the_token_works(w, who):
    user = w.users[who]
    rendered, checked, seen = 0, 0, set()
    problems = []
    for url in _pages(w):
        forms = _forms_of(_client(user), url)
        if forms is None:
            continue
        rendered += 1
        for index, form in enumerate(forms):
            target = form["action"] or url
            key = (re.sub(r"\d+", "N", target), tuple(sorted(form["fields"])))
            if not form["token"]:
                problems.append(f"{url}: form {index} ({target}) has no csrfmiddlewaretoken")
                continue
            if key in seen:
                continue
            seen.add(key)
            checked += 1
            fields = dict(form["fields"])
            with transaction.atomic():
                # The same client that rendered the form holds the cookie its token belongs to.
                client = _client(user)
                forms_again = _forms_of(client, url)
                token = forms_again[index]["fields"]["csrfmiddlewaretoken"]
                fields["csrfmiddlewaretoken"] = token
                accepted = client.post(target, fields)
                if _is_csrf_refusal(accepted):
                    problems.append(f"{url}: form {index} ({target}) refused with its own token")
                forged = dict(fields)
                del forged["csrfmiddlewaretoken"]
                refused = _client(user).post(target, forged)
                if not _is_csrf_refusal(refused):
                    problems.append(
                        f"{url}: form {index} ({target}) accepted without a token "
                        f"({refused.status_code})"
                    )
                transaction.set_rollback(True)
    assert not problems, "\n".join(problems)
    # The walk really rendered pages and submitted their forms: the office has the workbench's
    # create, edit, delete and action forms, issues, reports, bulletins and the ledger import;
    # a chief the issue actions, photos and report form; a visitor login and the public report.
    least = {"office": (50, 40), "chief": (20, 5), "anonymous": (3, 3)}[who]
    assert rendered >= least[0] and checked >= least[1], (rendered, checked)


def test_an_api_write_from_a_browser_session_needs_the_token(w):
    """The API's session clients (the phone patrol page) are held to CSRF by DRF too."""
    client = _client(w.users["office"])
    issue = w.inside.issue
    response = client.patch(
        f"/api/v1/issues/{issue.pk}/", {"title": "改名"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert b"CSRF" in response.content
    issue.refresh_from_db()
    assert issue.title != "改名"
    client.get("/issues/")  # sets the cookie
    token = client.cookies["csrftoken"].value
    response = client.patch(
        f"/api/v1/issues/{issue.pk}/",
        {"title": "改名"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200, response.content
