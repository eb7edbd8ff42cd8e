"""A small fixed-window rate limit on the cache, for the public pages (online booking, links)."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from relais.core.requests import client_ip


def rate_limited(request: HttpRequest, *, bucket: str, limit: int, per_seconds: int) -> bool:
    """True when this client went over `limit` actions of this kind in the current window."""
    window = int(timezone.now().timestamp()) // per_seconds
    key = f"ratelimit:{bucket}:{client_ip(request) or 'unknown'}:{window}"
    added = cache.add(key, 1, timeout=per_seconds + 5)
    count = 1 if added else cache.incr(key)
    return count > limit
