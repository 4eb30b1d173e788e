"""The client's address: the one function the login lockout (django-axes), the public reports'
limits and the audit log ask, so they never disagree about who sent a request.

``REMOTE_ADDR`` is the peer that opened the connection. Behind a reverse proxy that peer is the
proxy, and the client is in ``X-Forwarded-For`` - but anyone can write that header, so it is read
only when the request comes from an address in ``settings.TRUSTED_PROXIES``. Even then only the
entries our proxies appended count: the header is walked from the right, past every trusted
hop, and the first address that is not one of ours is the client. Entries to its left are
whatever the client wrote and are never read.
"""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """``["10.0.0.5", "172.28.0.0/24", "2001:db8::/64"]`` as networks (an address is its own /32
    or /128). A value that is neither is a configuration error, raised at once."""
    networks = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {text!r} is not an IP address or network."
            ) from error
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)


def parse_address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address: Address | None) -> bool:
    if address is None:
        return False
    return any(address in network for network in _trusted(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent ``request`` (text, as REMOTE_ADDR is).

    REMOTE_ADDR unless it is a trusted proxy; then the rightmost X-Forwarded-For entry that is
    not itself a trusted proxy. An entry that is not an address stops the walk: the hop that
    wrote it (the last trusted one) is the best we know. Every hop trusted: the leftmost.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hop = parse_address(remote)
    if not is_trusted_proxy(hop):
        return remote
    forwarded = request.META.get(FORWARDED_FOR, "")
    for entry in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = parse_address(entry)
        if address is None:
            break
        hop = address
        if not is_trusted_proxy(address):
            break
    return str(hop)


# The headers only our proxy may set: the scheme (SECURE_PROXY_SSL_HEADER) and the host.
PROXY_ONLY_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT")


class ProxyHeadersMiddleware:
    """Before SecurityMiddleware: a request that did not come from a trusted proxy loses the
    ``X-Forwarded-Proto``/``-Host``/``-Port`` it carries, so that a client reaching the portal
    directly cannot claim HTTPS (``SECURE_PROXY_SSL_HEADER``: Secure cookies, no redirect) or
    name another host. ``X-Forwarded-For`` needs no stripping: ``client_ip`` reads it only from
    trusted proxies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not is_trusted_proxy(parse_address(request.META.get("REMOTE_ADDR", ""))):
            for header in PROXY_ONLY_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
