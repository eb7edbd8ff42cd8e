"""Reads of person data, recorded in one place.

A page or an API answer that shows persons declares them with `read_note` while it is built; the
`ReadLedgerMiddleware` writes their access-log entries, one per person and detail, once the answer
is ready. So no view writes the log for a read, and:
- an answer that shows nothing (403, 404, a form error answered 4xx, a crash) leaves no entry;
- an answer whose entries cannot be written is not sent: the agent gets an error page instead of
  data nobody would know was read;
- a page that lists persons through several helpers writes them in one insert.

Changes (creation, edit, merge, download, export) are not reads: their services and views write
their entry in the same transaction as the change, with `access_log_record`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from relais.privacy.models import AccessLog
from relais.privacy.services import access_log_record

if TYPE_CHECKING:
    from relais.people.models import Person
    from relais.territory.policies import AccessScope

logger = logging.getLogger(__name__)

LOG_FAILED_MESSAGE = "La consultation n'a pas pu être enregistrée dans le journal des accès : rien n'a été affiché. Réessayez."


@dataclass
class _Ledger:
    request: HttpRequest
    notes: list[tuple[AccessScope, str, list[Person]]] = field(default_factory=list)


_current: ContextVar[_Ledger | None] = ContextVar("relais_read_ledger", default=None)


def read_note(*, scope: AccessScope, persons: Iterable[Person], detail: str = "") -> None:
    """Declare that the answer being built shows these persons (names, contact details, a file).

    Outside a web request (a task, a command, a test calling a selector) nothing is shown to anyone
    and nothing is noted: exports and merges record their own entries."""
    ledger = _current.get()
    if ledger is None:
        return
    persons = list(persons)
    if persons:
        ledger.notes.append((scope, detail, persons))


def _write(ledger: _Ledger) -> None:
    # One transaction for the whole answer, whose commit does not wait for the disk (see
    # access_log_record); no savepoint inside an enclosing one (a test's): nothing to roll back to.
    with transaction.atomic(savepoint=False):
        for scope, detail, persons in ledger.notes:
            access_log_record(scope=scope, action=AccessLog.Action.VIEW, persons=persons, request=ledger.request, detail=detail)


class ReadLedgerMiddleware:
    """Collects the reads an answer declares and writes them once it is ready (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ledger = _Ledger(request)
        token = _current.set(ledger)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if not ledger.notes or response.status_code >= 400:
            return response
        try:
            _write(ledger)
        except DatabaseError:
            logger.exception("access log: the reads of %s could not be written; the answer is withheld", request.path)
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": LOG_FAILED_MESSAGE}, status=503)
            # Like the 500 page, rendered without the request: the database may be what failed.
            html = loader.get_template("privacy/503_access_log.html").render({"csrf_token": "", "message": LOG_FAILED_MESSAGE})
            return HttpResponse(html, status=503)
        return response
