"""QR codes for the signs: each one opens the sign's public report page."""

import io
from urllib.parse import quote

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe


def report_url(*, sign_code: str, request: HttpRequest | None = None) -> str:
    """The absolute address of a sign's report page: PUBLIC_BASE_URL, or else the request's
    host. Printed signs live for years, so production sets PUBLIC_BASE_URL."""
    try:
        path = reverse("public-report", kwargs={"sign_code": sign_code})
    except NoReverseMatch:
        # A code from before the rule (rivers.validators) with a "/": its address, escaped,
        # leads to the "no such sign" page instead of a 500 of the whole print sheet.
        path = reverse("public-report", kwargs={"sign_code": "-"})[:-2] + quote(sign_code, safe="")
        path += "/"
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    if base:
        return base + path
    if request is None:
        raise ImproperlyConfigured("PUBLIC_BASE_URL is not set and there is no request.")
    return request.build_absolute_uri(path)


def _code(url: str) -> segno.QRCode:
    # Level M survives a scratched or dirty board; segno raises it further when it costs nothing.
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str) -> bytes:
    buffer = io.BytesIO()
    _code(url).save(buffer, kind="svg", scale=8, border=4, xmldecl=True, title=url)
    return buffer.getvalue()


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    _code(url).save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


def qr_svg_inline(url: str) -> SafeString:
    """An <svg> element sized by CSS, for the print page; segno's output holds no text from
    outside but the URL's modules, so it is safe to insert as is."""
    return mark_safe(_code(url).svg_inline(border=4, omitsize=True))  # noqa: S308  # nosec B308 B703
