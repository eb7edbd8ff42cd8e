from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from relais.core.requests import client_ip
from relais.privacy.models import AccessLog

if TYPE_CHECKING:
    from relais.people.models import Person
    from relais.territory.policies import AccessScope


def access_log_record(
    *,
    scope: AccessScope,
    action: str,
    persons: Iterable[Person],
    request: HttpRequest | None = None,
    detail: str = "",
) -> int:
    """Write one access-log entry per person read, edited or exported. Returns the count."""
    if scope.agent_id is not None:
        actor_kind, actor_id = "agent", scope.agent_id
    elif scope.api_token_id is not None:
        actor_kind, actor_id = "api", scope.api_token_id
    else:
        raise ValueError("Un accès à un dossier doit avoir un auteur identifié.")
    path = request.get_full_path()[:500] if request else ""
    ip = client_ip(request) if request else None
    agent_string = request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""
    entries = [
        AccessLog(
            actor_kind=actor_kind,
            actor_id=actor_id,
            actor_label=scope.label[:254],
            action=action,
            person_id=person.pk,
            person_public_id=person.public_id,
            detail=detail[:255],
            path=path,
            ip_address=ip,
            user_agent=agent_string,
        )
        for person in persons
    ]
    if entries and action == AccessLog.Action.VIEW and request is not None and request.method in ("GET", "HEAD"):
        _commit_without_waiting_for_disk()
    AccessLog.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def _commit_without_waiting_for_disk() -> None:
    """A read's transaction writes nothing but its log entries: on PostgreSQL let its commit return
    before the WAL reaches the disk. The flush (fsync) was the largest part of what a search through
    the API cost more than the search itself; the entry is safe once the WAL writer passes, a few
    hundred milliseconds later, and nothing but a crash of the database server in between loses it."""
    if connection.vendor == "postgresql" and connection.in_atomic_block and settings.ACCESS_LOG_ASYNC_READS:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _entry_digest(previous_hash: str, entry: AccessLog) -> str:
    canonical = "|".join(
        str(part)
        for part in (
            previous_hash,
            entry.pk,
            entry.at.isoformat(),
            entry.actor_kind,
            entry.actor_id,
            entry.actor_label,
            entry.action,
            entry.person_id,
            entry.person_public_id,
            entry.detail,
            entry.path,
            entry.ip_address or "",
            entry.user_agent,
        )
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


GENESIS_HASH = "0" * 64


def access_log_seal(*, batch_size: int = 5000) -> int:
    """Chain the entries not yet sealed onto the last sealed one. Returns how many were sealed.

    Two sealers running at once would pick the same sequence numbers: the unique constraint makes
    one of them fail and its batch is sealed on the next run.
    """
    total = 0
    while True:
        with transaction.atomic():
            last = AccessLog.objects.filter(seal_sequence__isnull=False).order_by("-seal_sequence").first()
            previous_hash = last.seal_hash if last else GENESIS_HASH
            sequence = last.seal_sequence if last and last.seal_sequence else 0
            batch = list(AccessLog.objects.filter(seal_sequence__isnull=True).order_by("pk")[:batch_size])
            if not batch:
                return total
            for entry in batch:
                sequence += 1
                entry.seal_sequence = sequence
                entry.seal_hash = _entry_digest(previous_hash, entry)
                previous_hash = entry.seal_hash
            AccessLog.objects.bulk_update(batch, ["seal_sequence", "seal_hash"], batch_size=1000)
            total += len(batch)


def access_log_verify() -> list[int]:
    """Recompute the chain; returns the ids of entries whose content or order was altered.

    The first remaining entry is trusted as the anchor (older ones may have been purged).
    """
    broken: list[int] = []
    previous_hash: str | None = None
    for entry in AccessLog.objects.filter(seal_sequence__isnull=False).order_by("seal_sequence").iterator(chunk_size=2000):
        if previous_hash is None and entry.seal_sequence == 1:
            previous_hash = GENESIS_HASH
        if previous_hash is not None and _entry_digest(previous_hash, entry) != entry.seal_hash:
            broken.append(entry.pk)
        previous_hash = entry.seal_hash
    return broken


def access_log_purge(*, older_than_days: int) -> int:
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    deleted, _ = AccessLog.objects.filter(at__lt=cutoff, seal_sequence__isnull=False).delete()
    return deleted
