from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from relais.core.requests import client_ip
from relais.core.wording import count_of
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
    # The HMAC covers the values as stored: the date is fixed here and the address normalised as
    # the field would (IPv6 spelling), so that reading the row back gives the same content.
    ip = AccessLog._meta.get_field("ip_address").get_prep_value(ip)
    at = timezone.now()
    entries = [
        AccessLog(
            at=at,
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
        for person in {person.pk: person for person in persons}.values()  # a list names a person once
    ]
    key = access_log_key()
    for entry in entries:
        entry.entry_mac = _entry_mac(entry, key)
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


# How the log resists rewriting (issue 11, item 6). Someone with write access to the database but
# neither ACCESS_LOG_KEY nor the anchor file must not be able to alter, add, remove or reorder entries
# unnoticed:
# - each entry gets, in the same insert, an HMAC of its content (`entry_mac`). We chose this over
#   chaining at write time: chaining needs one lock shared by every writer, held (ATOMIC_REQUESTS)
#   until the end of each request that reads a file, which would serialise the application. The HMAC
#   costs a few microseconds and no query, and an edit in the minutes before sealing now shows;
# - the sealing task chains the entries (sequence, id, content) with HMAC-SHA256, so neither the
#   order nor the numbering can change, and without the key the chain cannot be recomputed;
# - after each sealing (and before each purge) the chain's head goes to an append-only file outside
#   the database: removing the newest or the oldest entries, which leaves a valid chain, shows there.
# What remains: an entry deleted before it is sealed (at most one sealing interval) leaves no trace.

GENESIS_HASH = "0" * 64
_KEY_DERIVATION_LABEL = b"relais.privacy.access-log"


def access_log_key() -> bytes:
    """ACCESS_LOG_KEY, or (demo, tests) a key derived from SECRET_KEY: `relais check --deploy` warns."""
    if settings.ACCESS_LOG_KEY:
        return settings.ACCESS_LOG_KEY.encode()
    return hmac.new(settings.SECRET_KEY.encode(), _KEY_DERIVATION_LABEL, hashlib.sha256).digest()


def _content(entry: AccessLog) -> str:
    # JSON rather than a separator: no field value can shift into its neighbour.
    return json.dumps(
        [
            entry.at.isoformat(),
            entry.actor_kind,
            entry.actor_id,
            entry.actor_label,
            entry.action,
            entry.person_id,
            str(entry.person_public_id),
            entry.detail,
            entry.path,
            entry.ip_address or "",
            entry.user_agent,
        ],
        ensure_ascii=False,
    )


def _entry_mac(entry: AccessLog, key: bytes) -> str:
    return hmac.new(key, b"entry\n" + _content(entry).encode(), hashlib.sha256).hexdigest()


def _chain_link(previous_hash: str, entry: AccessLog, key: bytes) -> str:
    message = json.dumps([previous_hash, entry.seal_sequence, entry.pk, _content(entry)], ensure_ascii=False)
    return hmac.new(key, b"link\n" + message.encode(), hashlib.sha256).hexdigest()


def _lock_sealing() -> None:
    """Sealers and the purge take turns (they would otherwise pick the same sequence numbers). SQLite
    has a single writer anyway; elsewhere the unique sequence still makes a second sealer fail."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEALING_LOCK_ID])


_SEALING_LOCK_ID = 7_011_406  # any constant unique to this lock


def _append_anchor(kind: str, entry: AccessLog, count: int) -> None:
    path = Path(settings.ACCESS_LOG_ANCHOR_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {
            "at": timezone.now().isoformat(),
            "kind": kind,
            "sequence": entry.seal_sequence,
            "id": entry.pk,
            "count": count,
            "head": entry.seal_hash,
        }
    )
    with path.open("a", encoding="utf-8") as anchors:
        anchors.write(line + "\n")
        anchors.flush()
        os.fsync(anchors.fileno())


def _read_anchors() -> tuple[list[dict], int]:
    """The anchor file's lines, and how many could not be read."""
    path = Path(settings.ACCESS_LOG_ANCHOR_FILE)
    if not path.exists():
        return [], 0
    anchors, unreadable = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            anchor = json.loads(line)
            anchor["sequence"] = int(anchor["sequence"])
            anchor["at"] = dt.datetime.fromisoformat(anchor["at"])
            anchors.append(anchor)
        except (ValueError, KeyError, TypeError):
            unreadable += 1
    return anchors, unreadable


def access_log_seal(*, batch_size: int = 5000) -> int:
    """Chain the entries not yet sealed onto the last sealed one, then anchor the new head outside the
    database. Returns how many were sealed."""
    key = access_log_key()
    total = 0
    head: AccessLog | None = None
    while True:
        with transaction.atomic():
            _lock_sealing()
            last = AccessLog.objects.filter(seal_sequence__isnull=False).order_by("-seal_sequence").first()
            head = head or last
            previous_hash = last.seal_hash if last else GENESIS_HASH
            sequence = last.seal_sequence if last and last.seal_sequence else 0
            batch = list(AccessLog.objects.filter(seal_sequence__isnull=True).order_by("pk")[:batch_size])
            if not batch:
                break
            for entry in batch:
                sequence += 1
                entry.seal_sequence = sequence
                entry.seal_hash = _chain_link(previous_hash, entry, key)
                previous_hash = entry.seal_hash
            AccessLog.objects.bulk_update(batch, ["seal_sequence", "seal_hash"], batch_size=1000)
            total += len(batch)
            head = batch[-1]
    # After the commit: an anchor naming a head that was then rolled back would look like a deletion.
    # The first sealing after the upgrade anchors the re-sealed history even with nothing new.
    if head is not None and (total or not _anchor_file_started()):
        _append_anchor("seal", head, total)
    return total


def _anchor_file_started() -> bool:
    path = Path(settings.ACCESS_LOG_ANCHOR_FILE)
    return path.exists() and path.stat().st_size > 0


def access_log_email_head(*, today: dt.date) -> bool:
    """A copy of the chain's head to the data protection officer, once a day: an anchor that even
    someone controlling the server cannot take back. Returns whether one was queued."""
    from relais.notifications.services import message_queue_email

    if not settings.ACCESS_LOG_DPO_EMAIL:
        return False
    head = AccessLog.objects.filter(seal_sequence__isnull=False).order_by("-seal_sequence").first()
    if head is None:
        return False
    lines = [
        "Bonjour,",
        "",
        f"Voici la tête de la chaîne du journal des accès de Relais au {_when(timezone.now())} :",
        f"- numéro de scellement : {head.seal_sequence}",
        f"- entrée n° {head.pk}",
        f"- empreinte : {head.seal_hash}",
        "",
        "Conservez ce message : si le journal était réécrit, cette empreinte ne s'y retrouverait plus",
        "(comparez-la avec la commande relais verify-access-log et le fichier d'ancrage).",
    ]
    message_queue_email(
        recipient=settings.ACCESS_LOG_DPO_EMAIL, subject=f"Relais — empreinte du journal des accès ({today:%d/%m/%Y})",
        body="\n".join(lines), kind="access_log_head", dedupe_key=f"access-log-head:{today.isoformat()}",
    )  # fmt: skip
    return True


@dataclass
class AccessLogReport:
    problems: list[str] = field(default_factory=list)  # in French, for the operator
    altered_ids: list[int] = field(default_factory=list)
    checked: int = 0


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y à %H:%M")


def access_log_verify() -> AccessLogReport:
    """Check every entry's HMAC, the keyed chain and the anchors; say what was altered or removed."""
    key = access_log_key()
    report = AccessLogReport()
    anchors, unreadable = _read_anchors()
    if unreadable:
        report.problems.append(f"{count_of(unreadable, 'ligne illisible', 'lignes illisibles')} dans le fichier d'ancrage.")
    sealed_heads = {a["sequence"]: a for a in anchors if a.get("kind") == "seal"}
    purged_heads = {a["sequence"]: a for a in anchors if a.get("kind") == "purge"}
    known_heads = {**sealed_heads, **purged_heads}
    last_purged = max(purged_heads, default=0)

    previous: AccessLog | None = None
    previous_hash: str | None = None
    broken_run: list[int] = []  # consecutive entries whose content is intact but whose link is not

    def close_run() -> None:
        if broken_run:
            report.problems.append(
                f"la chaîne ne correspond pas à la clé à partir de l'entrée n° {broken_run[0]} "
                f"({count_of(len(broken_run), 'entrée', 'entrées')}) : ordre, numéros ou chaînage modifiés."
            )
            broken_run.clear()

    sealed = AccessLog.objects.filter(seal_sequence__isnull=False).order_by("seal_sequence")
    for entry in sealed.iterator(chunk_size=2000):
        report.checked += 1
        sequence = entry.seal_sequence or 0
        if previous is None:
            missing = sequence - 1 - last_purged
            if missing > 0:
                report.problems.append(
                    f"les {missing} premières entrées ont été supprimées sans purge enregistrée."
                    if missing > 1
                    else "la première entrée a été supprimée sans purge enregistrée."
                )
            previous_hash = GENESIS_HASH if sequence == 1 else known_heads.get(sequence - 1, {}).get("head")
        elif sequence != (previous.seal_sequence or 0) + 1:
            close_run()
            gap = sequence - (previous.seal_sequence or 0) - 1
            report.problems.append(
                f"{count_of(gap, 'entrée supprimée', 'entrées supprimées')} entre l'entrée n° {previous.pk} et l'entrée n° {entry.pk}."
            )
            previous_hash = known_heads.get(sequence - 1, {}).get("head")
        if not hmac.compare_digest(entry.entry_mac, _entry_mac(entry, key)):
            close_run()
            report.altered_ids.append(entry.pk)
        elif previous_hash is not None and not hmac.compare_digest(entry.seal_hash, _chain_link(previous_hash, entry, key)):
            broken_run.append(entry.pk)
        else:
            close_run()
        anchor = sealed_heads.get(sequence)
        if anchor and not hmac.compare_digest(str(anchor.get("head")), entry.seal_hash):
            report.problems.append(f"l'entrée n° {entry.pk} ne correspond pas à l'ancre du {_when(anchor['at'])}.")
        previous, previous_hash = entry, entry.seal_hash
    close_run()

    newest = (previous.seal_sequence or 0) if previous else last_purged
    removed = [a for a in sealed_heads.values() if a["sequence"] > newest]
    if removed:
        count = max(a["sequence"] for a in removed) - newest
        since = min(removed, key=lambda a: a["sequence"])["at"]
        report.problems.append(
            f"les {count} dernières entrées ont été supprimées après le scellement du {_when(since)}."
            if count > 1
            else f"la dernière entrée a été supprimée après le scellement du {_when(since)}."
        )

    for entry in AccessLog.objects.filter(seal_sequence__isnull=True).order_by("pk").iterator(chunk_size=2000):
        report.checked += 1
        if not hmac.compare_digest(entry.entry_mac, _entry_mac(entry, key)):
            report.altered_ids.append(entry.pk)

    if report.altered_ids and len(report.altered_ids) == report.checked > 1:
        report.problems.insert(
            0,
            f"la chaîne ne correspond pas à la clé : aucune des {report.checked} entrées n'a été écrite avec "
            "la clé actuelle (table remplacée, ou ACCESS_LOG_KEY changée).",
        )
    else:
        report.problems[:0] = [f"entrée n° {pk} modifiée ou falsifiée." for pk in report.altered_ids]
    return report


def access_log_purge(*, older_than_days: int) -> int:
    """Delete the oldest sealed entries, always a beginning of the chain, and anchor where it now starts."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    with transaction.atomic():
        _lock_sealing()
        sealed = AccessLog.objects.filter(seal_sequence__isnull=False)
        # Entries are sealed in id order, not exactly in date order: stop at the first one to keep.
        keep_from = sealed.filter(at__gte=cutoff).order_by("seal_sequence").values_list("seal_sequence", flat=True).first()
        doomed = sealed.filter(seal_sequence__lt=keep_from) if keep_from is not None else sealed
        last = doomed.order_by("-seal_sequence").first()
        if last is None:
            return 0
        # Before the commit: a purge anchored but rolled back leaves entries the check accepts, the
        # opposite would look like a deletion.
        _append_anchor("purge", last, doomed.count())
        deleted, _ = doomed.delete()
    return deleted
