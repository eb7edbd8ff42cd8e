"""Rate limits count in a cache every worker shares: the database by default, Redis with REDIS_URL.
Each gunicorn worker used to count on its own, so a limit of 30 let through 30 per worker."""

import os
import runpy
import subprocess
import sys
from unittest import mock

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone

from relais.core.cache import DatabaseCache
from relais.core.ratelimit import limit_reached

_COUNT_TWICE = (
    "from relais.core.ratelimit import limit_reached\n"
    "print([limit_reached('portal-book:203.0.113.9', limit=3, per_seconds=3600) for _ in range(2)])"
)


def _relais(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "relais.cli", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow  # a fresh Python process with Django: seconds of start-up
def test_two_processes_share_one_count(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}", "RELAIS_VAR_DIR": str(tmp_path)}
    assert _relais("createcachetable", env=env).returncode == 0
    first, second = (_relais("shell", "-c", _COUNT_TWICE, env=env) for _ in range(2))
    # Limit 3: the second process's second action is the fourth one counted, so it is refused.
    assert first.stdout.strip().splitlines()[-1] == "[False, False]", first.stderr
    assert second.stdout.strip().splitlines()[-1] == "[False, True]", second.stderr


def test_the_cache_is_the_database_table_unless_redis_is_configured(db, monkeypatch, settings):
    expected = RedisCache if settings.REDIS_URL else DatabaseCache
    assert isinstance(caches["default"], expected)
    monkeypatch.setenv("REDIS_URL", "redis://cache.example.internal:6379/1")
    configured = runpy.run_path(os.path.join(os.path.dirname(__file__), "../../relais/config/settings.py"))
    assert configured["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.example.internal:6379/1",
    }


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="Redis keeps its own expiry; this is about the database cache")
def test_an_hourly_limit_still_counts_after_quiet_minutes(db):
    """Django's database cache put every incremented count back with a five-minute expiry."""
    assert [limit_reached("portal-request:203.0.113.9", limit=3, per_seconds=3600) for _ in range(3)] == [False] * 3
    later = timezone.now() + timezone.timedelta(minutes=6)
    with (
        mock.patch("django.core.cache.backends.db.tz_now", return_value=later),
        mock.patch("relais.core.cache.tz_now", return_value=later),
    ):
        assert limit_reached("portal-request:203.0.113.9", limit=3, per_seconds=3600)
    much_later = timezone.now() + timezone.timedelta(minutes=61)
    with mock.patch("django.core.cache.backends.db.tz_now", return_value=much_later):
        assert not limit_reached("portal-request:203.0.113.9", limit=3, per_seconds=3600)  # a new hour: a new window
