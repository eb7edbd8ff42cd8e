"""A web request cannot hold PostgreSQL longer than DB_STATEMENT_TIMEOUT_MS: it is cancelled and answered in French."""

import time

import pytest
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path


@login_not_required
def _slow(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(3)")
    return HttpResponse("fini")


urlpatterns = [
    path("lent/", _slow),
    path("api/lent/", _slow),
    path("", include("relais.config.urls")),
]

pytestmark = [pytest.mark.postgres, pytest.mark.urls(__name__)]


@pytest.fixture
def short_timeout(settings, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")
    settings.DB_STATEMENT_TIMEOUT_MS = 300


def _timed(client, url, **extra):
    started = time.monotonic()
    response = client.get(url, **extra)
    return response, time.monotonic() - started


def test_a_slow_page_is_cancelled_with_a_french_page(client, short_timeout):
    response, elapsed = _timed(client, "/lent/")
    assert elapsed < 2.5  # not the 3 s the query asked for
    assert response.status_code == 503
    assert "La demande a pris trop de temps" in response.content.decode()
    # The connection is handed back without the web's timeout (a command or the worker may reuse it).
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


def test_a_slow_api_call_is_cancelled_with_french_json(client, short_timeout):
    response, elapsed = _timed(client, "/api/lent/")
    assert elapsed < 2.5
    assert response.status_code == 503
    assert response.json()["detail"].startswith("La demande a pris trop de temps")
