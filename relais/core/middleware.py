from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse


class StatementTimeoutMiddleware:
    """On PostgreSQL, no web request may hold the database longer than DB_STATEMENT_TIMEOUT_MS.

    With ATOMIC_REQUESTS the request runs in one transaction, so SET LOCAL lasts exactly as long
    as the request; commands and the worker are not affected.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.vendor == "postgresql" and settings.DB_STATEMENT_TIMEOUT_MS and connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [settings.DB_STATEMENT_TIMEOUT_MS])
        return self.get_response(request)
