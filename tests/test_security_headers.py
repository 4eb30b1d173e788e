"""Security headers on every main page and the API: a Content-Security-Policy with no inline
script or style and no framing, nosniff, a referrer and an opener policy; HSTS in production.
The pages' HTML is also read for what the policy would block: inline scripts, event handler
attributes and style attributes."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Role
from core.security import ContentSecurityPolicyMiddleware, build_policy, csp_update, tile_sources
from issues.models import Issue, IssueStatus

from .conftest import make_account

ROOT = Path(__file__).resolve().parent.parent


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: sources
        for name, *sources in (part.split() for part in header.split(";") if part.strip())
    }


def _assert_security_headers(response) -> None:
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["img-src"][:3] == ["'self'", "data:", "blob:"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)


def _assert_nothing_the_policy_blocks(html: str) -> None:
    assert INLINE_SCRIPT.findall(html) == []
    assert EVENT_HANDLER.findall(html) == []
    assert STYLE_ATTRIBUTE.findall(html) == []
    assert STYLE_ELEMENT.findall(html) == []


@pytest.fixture
def pages(street_a, client):
    """Every main page and the account that opens it."""
    chief = street_a.chiefs[0]
    reach = street_a.reaches[0]
    issue = Issue.objects.create(
        code="H-1",
        title="河面漂浮物",
        category="garbage",
        source="patrol",
        region=reach.region,
        reach=reach,
        status=IssueStatus.REPORTED,
        reported_at=timezone.now(),
    )
    sign = reach.signs.first()
    office = make_account(Role.OFFICE, street_a.street)
    leader = make_account(Role.LEADER, street_a.street)
    chief_account = make_account(Role.CHIEF, chief.region, chief=chief)
    admin = make_account(Role.ADMIN, street_a.street.parent)
    return [
        (None, "/accounts/login/"),
        (None, f"/r/{sign.code}/"),
        (None, "/r/track/"),
        (None, "/api/docs/"),
        (office, "/"),
        (office, "/workbench/reaches/"),
        (office, "/workbench/reaches/new/"),
        (office, f"/workbench/reaches/{reach.pk}/"),
        (office, "/issues/"),
        (office, "/issues/new/"),
        (office, f"/issues/{issue.pk}/"),
        (office, "/reports/"),
        (office, "/bulletins/"),
        (leader, "/dashboard/"),
        (chief_account, "/me/"),
        (chief_account, "/patrols/phone/"),
        (admin, "/workbench/accounts/"),
    ]


def test_every_main_page_carries_the_security_headers_and_nothing_they_would_block(client, pages):
    for account, url in pages:
        client.logout()
        if account is not None:
            client.force_login(account)
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_security_headers(response)
        _assert_nothing_the_policy_blocks(response.content.decode())


def test_api_responses_and_errors_carry_the_security_headers(api, office_a):
    response = api.as_user(office_a).get("/api/v1/reaches/")
    assert response.status_code == 200
    _assert_security_headers(response)
    response = api.get("/api/v1/issues/999999/")
    assert response.status_code == 404
    _assert_security_headers(response)
    api.logout()
    response = api.get("/api/v1/reaches/")
    assert response.status_code == 401
    _assert_security_headers(response)


def test_the_swagger_start_up_script_is_served_as_a_script_of_our_own(client, office_a):
    client.force_login(office_a)
    html = client.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script="></script>' in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_map_tile_host_is_the_one_outside_image_source(client, settings, db):
    settings.MAP_TILE_URL = "https://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&tk=KEY"
    settings.MAP_TILE_SUBDOMAINS = "01"
    policy = _policy(client.get("/accounts/login/"))
    assert policy["img-src"] == [
        "'self'",
        "data:",
        "blob:",
        "https://t0.tianditu.gov.cn",
        "https://t1.tianditu.gov.cn",
    ]
    assert policy["connect-src"] == ["'self'"]
    settings.MAP_TILE_URL = "/tiles/{z}/{x}/{y}.png"  # our own origin: nothing to add
    assert _policy(client.get("/accounts/login/"))["img-src"] == ["'self'", "data:", "blob:"]


def test_tile_sources_follow_leaflets_subdomains_and_refuse_what_a_header_cannot_hold():
    assert tile_sources("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == [
        "https://a.tile.openstreetmap.org",
        "https://b.tile.openstreetmap.org",
        "https://c.tile.openstreetmap.org",
    ]
    assert tile_sources("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png") == ["http://10.1.2.3:8080"]
    assert tile_sources("") == []
    assert tile_sources("javascript:alert(1)") == []
    assert tile_sources("https://evil.example; script-src *") == []
    assert tile_sources("https://tiles.example.cn/{switch:a,b}/{z}.png") == [
        "https://tiles.example.cn"
    ]


def test_a_view_may_widen_its_own_policy_and_no_other():
    @csp_update(img_src=("https://charts.example.cn",))
    def widened(request):
        return HttpResponse("ok")

    def plain(request):
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    widened_response = ContentSecurityPolicyMiddleware(widened)(request)
    plain_response = ContentSecurityPolicyMiddleware(plain)(request)
    assert "https://charts.example.cn" in widened_response["Content-Security-Policy"]
    assert "https://charts.example.cn" not in plain_response["Content-Security-Policy"]
    assert plain_response["Content-Security-Policy"] == build_policy()


def test_production_sends_hsts_over_https_and_redirects_plain_http():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 30 + "-production-check-key-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "portal.example.cn",
    }
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='portal.example.cn')\n"
        "r = c.get('/api/v1/reaches/', secure=True)\n"
        "print(r.status_code, r['Strict-Transport-Security'], sep='|', end='|')\n"
        "print(r['Content-Security-Policy'])\n"
        "r = c.get('/api/v1/reaches/')\n"
        "print(r.status_code, r['Location'], sep='|')\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    secure, plain = result.stdout.strip().splitlines()[-2:]
    status, hsts, csp = secure.split("|")
    assert status == "401"  # no database needed: anonymous, refused before any query
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert "frame-ancestors 'none'" in csp
    assert plain == "301|https://portal.example.cn/api/v1/reaches/"
