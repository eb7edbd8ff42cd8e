from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.template.defaultfilters import filesizeformat

# PostgreSQL's code for "canceling statement due to statement timeout".
QUERY_CANCELED = "57014"
TOO_SLOW_MESSAGE = (
    "La demande a pris trop de temps et a été interrompue ; rien n'a été enregistré. Réessayez, ou affinez votre recherche."
)


class StatementTimeoutMiddleware:
    """On PostgreSQL, no web request may hold the database longer than DB_STATEMENT_TIMEOUT_MS.

    The timeout is set for the connection's session before the view runs and reset after it: a
    SET LOCAL here ran before ATOMIC_REQUESTS opened the view's transaction, so it never applied.
    Commands and the worker never go through here and keep no timeout. A cancelled query answers
    503 with a French page (JSON under /api/), the view's transaction being rolled back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = settings.DB_STATEMENT_TIMEOUT_MS
        # Inside an enclosing transaction (a test's, or a caller's atomic block) a session setting
        # would be undone by its rollback, and resetting it could fail there: leave the session as it is.
        if connection.vendor != "postgresql" or not timeout or connection.in_atomic_block:
            return self.get_response(request)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(int(timeout))])
        try:
            return self.get_response(request)
        finally:
            _reset_statement_timeout()

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_statement_timeout(exception):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": TOO_SLOW_MESSAGE}, status=503)
        # No request context: like the 500 page, it must not need the database.
        html = loader.get_template("503_too_slow.html").render({"csrf_token": "", "message": TOO_SLOW_MESSAGE})
        return HttpResponse(html, status=503)


def is_statement_timeout(exception: BaseException) -> bool:
    cause = exception.__cause__
    return isinstance(exception, OperationalError) and getattr(cause, "sqlstate", None) == QUERY_CANCELED


def _reset_statement_timeout() -> None:
    # A persistent connection (CONN_MAX_AGE) must not carry the web's timeout into the next use;
    # a closed or broken one has nothing to reset (Django's request_finished handler closes it).
    if connection.connection is None or connection.needs_rollback or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
    except DatabaseError:
        pass


def request_body_limit(request: HttpRequest) -> int:
    """The largest body this request may send, in bytes (see settings, "Uploads")."""
    if request.path == "/api/v1/inbound-email/":
        return settings.INBOUND_EMAIL_MAX_BYTES
    if request.content_type == "multipart/form-data":
        return settings.UPLOAD_REQUEST_MAX_BYTES
    return settings.REQUEST_BODY_MAX_BYTES


class RequestBodyLimitMiddleware:
    """Refuses an over-large body from its Content-Length, before anything reads it.

    Django's own cap (DATA_UPLOAD_MAX_MEMORY_SIZE) leaves out uploaded files: a 300 MB anonymous
    upload was read and written to disk in full before the form refused it. Django reads no more
    than Content-Length, so checking it first is enough. 413 with a French page, JSON under /api/.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django then reads nothing
        limit = request_body_limit(request)
        if length <= limit:
            return self.get_response(request)
        message = (
            f"L'envoi pèse {filesizeformat(length)} : il dépasse la limite de {filesizeformat(limit)}. "
            "Envoyez moins de fichiers à la fois, ou des fichiers plus légers."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=413)
        html = loader.get_template("413.html").render({"csrf_token": "", "message": message})
        return HttpResponse(html, status=413)
