"""The Idempotency-Key store of the API: a POST replayed with the same key (a client retrying after a
lost answer) gets the first answer again instead of doing the work twice.

Keys are per caller (a token, or an agent's session), kept IDEMPOTENCY_KEY_DAYS and then purged: a
client retries within minutes, not weeks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from relais.api.models import IdempotencyKey
from relais.api.scopes import request_agent, request_token

HEADER = "Idempotency-Key"
KEY_REUSED_MESSAGE = "Cette clé Idempotency-Key a déjà servi pour une autre requête."


def _caller(request: Request) -> str:
    token, agent = request_token(request), request_agent(request)
    return f"token:{token.pk}" if token else f"agent:{agent.pk if agent else 0}"


def idempotent_answer(request: Request, perform: Callable[[], tuple[int, dict]]) -> Response:
    """Answer `perform()`'s (status, body), or the stored answer when the caller's key was used.

    The same key with another body is refused (422). Two requests with one key at the same time:
    the second to finish undoes its own work and answers like the first. Server errors are not kept,
    so a retry after one tries again."""
    key = request.headers.get(HEADER, "").strip()[:200]
    if not key:
        code, body = perform()
        return Response(body, status=code)
    body_hash = hashlib.sha256(json.dumps(request.data, sort_keys=True, default=str).encode()).hexdigest()
    caller = _caller(request)
    previous = IdempotencyKey.objects.filter(actor=caller, key=key).first()
    if previous:
        if previous.request_hash != body_hash:
            return Response({"detail": KEY_REUSED_MESSAGE}, status=422)
        return Response(previous.response, status=previous.status_code)
    code, body = perform()
    if code >= 500:
        return Response(body, status=code)
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(actor=caller, key=key, request_hash=body_hash, status_code=code, response=body)
    except IntegrityError:
        transaction.set_rollback(True)  # the view's transaction (ATOMIC_REQUESTS): this attempt's work goes
        previous = IdempotencyKey.objects.get(actor=caller, key=key)
        return Response(previous.response, status=previous.status_code)
    return Response(body, status=code)


def idempotency_keys_purge(*, older_than_days: int, now: dt.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - dt.timedelta(days=older_than_days)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
