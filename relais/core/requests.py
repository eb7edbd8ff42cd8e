"""Small helpers about the HTTP request shared by the pages and the API."""

import hashlib
import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the
    outermost of them saw, that many entries from the right of X-Forwarded-For. The leftmost
    entries are whatever the client sent: trusting them let anyone pick the address that keys the
    portal's rate limits and the access log."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [entry.strip() for entry in request.META.get(settings.ACCESS_LOG_TRUSTED_PROXY_HEADER, "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if len(forwarded) < hops:  # not through all our proxies (or misconfigured): the peer is all we know
        return remote
    return _valid_ip(forwarded[-hops]) or remote


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_key(request: HttpRequest) -> str:
    """A stable pseudonym of the client's address (keyed hash): enough to count what one client
    holds, without storing the address next to the data."""
    address = client_ip(request) or "unknown"
    return hmac.new(settings.SECRET_KEY.encode(), b"client\n" + address.encode(), hashlib.sha256).hexdigest()
