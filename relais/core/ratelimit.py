"""Rate limits counted in the shared cache (the database, or Redis when REDIS_URL is set), so that
every gunicorn worker and every server sees the same counts."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest

from relais.core.requests import client_ip


def limit_reached(key: str, *, limit: int, per_seconds: int) -> bool:
    """Count one action under `key`; True once more than `limit` were counted in the window.

    The window opens with the first action and lasts `per_seconds`: a burst cannot straddle two
    clock-aligned windows and get twice the limit through."""
    cache_key = f"ratelimit:{key}"
    if cache.add(cache_key, 1, timeout=per_seconds):
        return limit < 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between the two calls: a new window
        cache.add(cache_key, 1, timeout=per_seconds)
        count = 1
    return count > limit


def rate_limited(request: HttpRequest, *, bucket: str, limit: int, per_seconds: int) -> bool:
    """True when this client went over `limit` actions of this kind in the current window."""
    return limit_reached(f"{bucket}:{client_ip(request) or 'unknown'}", limit=limit, per_seconds=per_seconds)


def hashed(value: str) -> str:
    """A cache key part for a personal value (an e-mail address) that does not store it in clear."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
