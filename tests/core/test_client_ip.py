"""The client's address behind proxies: only what our own proxies wrote in X-Forwarded-For counts."""

import pytest
from django.test import RequestFactory

from relais.core.requests import client_ip


def _request(remote="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="1.2.3.4")) == "10.0.0.1"


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client wrote 6.6.6.6 itself
        (2, "6.6.6.6, 203.0.113.7, 192.168.1.2", "203.0.113.7"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "pas-une-adresse", "10.0.0.1"),
        (2, "203.0.113.7", "10.0.0.1"),  # fewer entries than proxies: not through them
        (1, "", "10.0.0.1"),
    ],
)
def test_behind_proxies_the_address_is_taken_from_the_right(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = hops
    assert client_ip(_request(forwarded=forwarded)) == expected


def test_a_spoofed_header_does_not_escape_the_portals_rate_limit(db, settings, client):
    from relais.core.ratelimit import rate_limited

    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCESS_LOG_TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    results = [
        rate_limited(_request(forwarded=f"9.9.9.{n}, 203.0.113.7"), bucket="test", limit=3, per_seconds=3600) for n in range(5)
    ]
    assert results == [False, False, False, True, True]
