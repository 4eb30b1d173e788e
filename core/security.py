"""Security headers the portal sends in every environment.

Django's SecurityMiddleware already sends X-Content-Type-Options, Referrer-Policy,
Cross-Origin-Opener-Policy and (in production, over HTTPS) Strict-Transport-Security;
XFrameOptionsMiddleware sends X-Frame-Options. This adds the Content-Security-Policy: scripts,
styles and everything else only from our own origin, no inline script, no inline <style>, no
framing. The basemap's tile hosts (core.maps: Tianditu's t0-t7 when ``MAP_BASEMAP`` names it, or
``MAP_TILE_URL``'s host) and the object store (``S3_BUCKET``: a photo's scoped view redirects its
<img> there) are the only outside origins images may come from, and only when configured. A
view that cannot live with the policy says so with ``csp_update`` on that view alone.
"""

import logging
import re
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse

from . import maps
from .object_storage import signed_url_origin

logger = logging.getLogger(__name__)

HEADER = "Content-Security-Policy"
SELF = "'self'"
NONE = "'none'"

BASE_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": (SELF,),
    "script-src": (SELF,),
    "style-src": (SELF,),
    # data: for icons inlined in CSS (Swagger UI, Leaflet), blob: for photo previews on phones.
    "img-src": (SELF, "data:", "blob:"),
    "font-src": (SELF,),
    "connect-src": (SELF,),
    "worker-src": (SELF,),
    "manifest-src": (SELF,),
    "object-src": (NONE,),
    "frame-ancestors": (NONE,),
    "base-uri": (SELF,),
    "form-action": (SELF,),
}

# A host source as CSP accepts it: letters, digits, dots, dashes, an optional port.
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")


def tile_sources(url: str, subdomains: str = "") -> list[str]:
    """The origins a Leaflet tile URL template loads from: ``https://{s}.tile.example.org/...``
    with subdomains ``abc`` gives three origins. A relative URL is our own origin (nothing to
    add); a host that cannot be written as a CSP source is left out, with a warning."""
    if not url:
        return []
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return []
    if parts.scheme not in ("http", "https"):
        logger.warning("MAP_TILE_URL has an unsupported scheme %r: tiles will be blocked", url)
        return []
    hosts = [parts.netloc]
    if "{s}" in parts.netloc:
        # Leaflet treats a string of subdomains as one subdomain per character; "abc" by default.
        hosts = [parts.netloc.replace("{s}", s) for s in (subdomains or "abc")]
    sources = []
    for host in dict.fromkeys(hosts):
        if _HOST.match(host):
            sources.append(f"{parts.scheme}://{host}")
        else:
            logger.warning("MAP_TILE_URL host %r cannot be a CSP source: tiles are blocked", host)
    return sources


def build_policy(extra: dict[str, tuple[str, ...]] | None = None) -> str:
    """The header value: the base policy, the tile hosts, then a view's own additions."""
    policy = {name: list(sources) for name, sources in BASE_POLICY.items()}
    for layer in maps.tile_layers():
        policy["img-src"] += [
            s for s in tile_sources(layer["url"], layer["subdomains"]) if s not in policy["img-src"]
        ]
    # Photos on object storage: their scoped view redirects the <img> to a signed URL there.
    if (origin := signed_url_origin()) and origin not in policy["img-src"]:
        policy["img-src"].append(origin)
    for name, sources in (extra or {}).items():
        policy.setdefault(name, [SELF])
        policy[name] += [s for s in sources if s not in policy[name]]
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in policy.items())


def csp_update(**directives: tuple[str, ...]) -> Callable:
    """Add sources to the policy of one view only: ``csp_update(style_src=("'unsafe-inline'",))``.
    Keyword names are directive names with underscores for dashes."""
    extra = {name.replace("_", "-"): tuple(sources) for name, sources in directives.items()}

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            response.csp_update = extra
            return response

        return wrapped

    return decorator


class ContentSecurityPolicyMiddleware:
    """Sends the Content-Security-Policy on every response that has none yet."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = build_policy(getattr(response, "csp_update", None))
        return response
