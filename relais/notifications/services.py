"""Outgoing messages: recorded first, sent by the worker after commit, retried with back-off.

Each message is one row. Sending is three short steps: claim the row (a transaction of its own that
marks it "sending"), send with no transaction open, record the outcome. A task run twice never sends
twice; a worker killed mid-send leaves a claim that expires when its process is found gone, or
after TASK_LEASE_SECONDS, and the message is sent again: at least once, with the same idempotency
key (Message-ID, SMS reference) so a duplicate can be recognised. A `dedupe_key` makes queuing
itself idempotent (one reminder per appointment and channel). An SMS that keeps failing falls back
to the e-mail recorded with it.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from email.utils import parseaddr
from typing import TYPE_CHECKING

import phonenumbers
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from relais.core.processes import this_process
from relais.core.recovery import task_is_stale, worker_is_gone
from relais.notifications.models import OutgoingMessage
from relais.notifications.sms import sms_backend

if TYPE_CHECKING:
    from relais.appointments.models import Appointment
    from relais.people.models import Person
    from relais.requests.models import CitizenRequest
    from relais.territory.models import Service

logger = logging.getLogger(__name__)


def _queue(message: OutgoingMessage) -> OutgoingMessage:
    """Insert the message (once per dedupe key) and send it after commit."""
    if message.kind not in OutgoingMessage.Kind.values:
        raise ValueError(f"Unknown message kind {message.kind!r}: declare it in OutgoingMessage.Kind.")
    if message.dedupe_key:
        existing = OutgoingMessage.objects.filter(dedupe_key=message.dedupe_key).first()
        if existing:
            return existing
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:  # queued meanwhile by another worker
            return OutgoingMessage.objects.get(dedupe_key=message.dedupe_key)
    else:
        message.save()
    from relais.notifications.tasks import send_message

    transaction.on_commit(lambda: send_message.enqueue(message.pk))
    return message


def message_queue_email(
    *,
    recipient: str,
    subject: str,
    body: str,
    kind: str,
    html_body: str = "",
    person: Person | None = None,
    attachments: list[dict] | None = None,
    dedupe_key: str = "",
    service: Service | None = None,
    appointment: Appointment | None = None,
    request: CitizenRequest | None = None,
) -> OutgoingMessage:
    return _queue(
        OutgoingMessage(
            service=service,
            appointment=appointment,
            request=request,
            attachments=[_storable(attachment) for attachment in attachments or []],
            channel=OutgoingMessage.Channel.EMAIL,
            recipient=recipient,
            subject=subject,
            body=body,
            html_body=html_body,
            kind=kind,
            person=person,
            dedupe_key=dedupe_key,
        )
    )


def _storable(attachment: dict) -> dict:
    """Attachments are kept in JSON: binary content (a PDF) as base64."""
    content = attachment["content"]
    if isinstance(content, bytes):
        return {**attachment, "content": base64.b64encode(content).decode(), "encoding": "base64"}
    return attachment


def message_queue_sms(
    *,
    recipient: str,
    body: str,
    kind: str,
    person: Person | None = None,
    dedupe_key: str = "",
    fallback: dict | None = None,
    service: Service | None = None,
    appointment: Appointment | None = None,
    request: CitizenRequest | None = None,
) -> OutgoingMessage:
    return _queue(
        OutgoingMessage(
            service=service,
            appointment=appointment,
            request=request,
            channel=OutgoingMessage.Channel.SMS,
            recipient=recipient,
            body=body,
            kind=kind,
            person=person,
            dedupe_key=dedupe_key,
            fallback=fallback or {},
        )
    )


def is_mobile(e164: str) -> bool:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def retry_delay(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min… capped at one hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _deliver(message: OutgoingMessage) -> None:
    """Hand the message to the provider, with a key that is the same at every attempt so that a
    duplicate (a worker killed after sending but before recording it) can be recognised."""
    if message.channel == OutgoingMessage.Channel.SMS:
        result = sms_backend().send(to=message.recipient, text=message.body, reference=f"relais-{message.public_id}")
        message.provider_message_id = result.provider_message_id
        message.provider_response = result.response
        return
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": message_id_header(message)},
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    for attachment in message.attachments:
        content = attachment["content"]
        if attachment.get("encoding") == "base64":
            content = base64.b64decode(content)
        email.attach(attachment["filename"], content, attachment["content_type"])
    email.send()
    message.provider_response = "250 accepté par le serveur SMTP"


def message_id_header(message: OutgoingMessage) -> str:
    """The e-mail's Message-ID, derived from the message: a resent copy carries the same one."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "relais.localhost"
    return f"<{message.public_id}@{domain}>"


def _max_attempts(message: OutgoingMessage) -> int:
    return settings.SMS_MAX_ATTEMPTS if message.channel == OutgoingMessage.Channel.SMS else settings.TASK_MAX_ATTEMPTS


def _claim_expired(message: OutgoingMessage, *, now: dt.datetime, restarting_worker_id: str = "") -> bool:
    """Whether a "sending" message's attempt died with its worker: that process is gone, or the
    lease has run out without an outcome (a worker elsewhere, or one that hangs)."""
    if worker_is_gone(message.claimed_by, restarting_worker_id=restarting_worker_id):
        return True
    return message.claimed_at is None or message.claimed_at < now - dt.timedelta(seconds=settings.TASK_LEASE_SECONDS)


def message_claim(*, message_id: int, now: dt.datetime | None = None) -> OutgoingMessage | None:
    """Take the message for one attempt, in a short transaction of its own: marked "sending" by this
    process, its attempt counted. None when there is nothing to send: already sent or failed, or
    being sent by a live worker. An attempt whose worker died is taken again (see _claim_expired):
    delivery is at least once."""
    now = now or timezone.now()
    pending = [OutgoingMessage.Status.QUEUED, OutgoingMessage.Status.RETRYING, OutgoingMessage.Status.SENDING]
    with transaction.atomic():
        # skip_locked: a row another worker is claiming right now is theirs.
        message = OutgoingMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id, status__in=pending).first()
        if message is None:
            return None
        if message.status == OutgoingMessage.Status.SENDING:
            if not _claim_expired(message, now=now):
                return None
            if message.attempts >= _max_attempts(message):
                # Every attempt died with its worker: stop rather than let one message stop workers forever.
                logger.warning("Message %s : chaque essai d'envoi a été interrompu, abandon", message.pk)
                message.status = OutgoingMessage.Status.FAILED
                message.provider_response = "Envoi interrompu à chaque essai (le processus d'envoi s'est arrêté)."
                message.save(update_fields=["status", "provider_response"])
                if message.fallback:
                    _queue_fallback(message)
                return None
        message.status = OutgoingMessage.Status.SENDING
        message.attempts += 1
        message.claimed_at = now
        message.claimed_by = this_process()[-100:]
        message.save(update_fields=["status", "attempts", "claimed_at", "claimed_by"])
    return message


def message_send(*, message_id: int) -> OutgoingMessage:
    """Deliver one queued message: claim it, then send with no transaction or row lock open (an
    SMTP server or SMS provider may take seconds), then record the outcome. On failure, schedule
    another attempt; an SMS out of attempts falls back to e-mail when it has one."""
    message = message_claim(message_id=message_id)
    if message is None:
        return OutgoingMessage.objects.get(pk=message_id)  # already handled: a retried task must not send twice
    try:
        _deliver(message)
    except Exception as exc:  # any transport error (SMTP, HTTP, timeout): record it, try again later
        logger.warning("Envoi du message %s impossible : %s", message.pk, exc)
        return _record_failure(message, f"{type(exc).__name__}: {exc}"[:2000])
    return _record_success(message)


def _record_success(sent: OutgoingMessage) -> OutgoingMessage:
    with transaction.atomic():
        message = OutgoingMessage.objects.select_for_update().get(pk=sent.pk)
        if message.status == OutgoingMessage.Status.SENT:
            return message  # a later attempt (our lease had run out) was recorded first
        message.status = OutgoingMessage.Status.SENT
        message.sent_at = timezone.now()
        message.provider_message_id = sent.provider_message_id
        message.provider_response = sent.provider_response
        message.save(update_fields=["status", "sent_at", "provider_message_id", "provider_response"])
    return message


def _record_failure(attempt: OutgoingMessage, error: str) -> OutgoingMessage:
    with transaction.atomic():
        message = OutgoingMessage.objects.select_for_update().get(pk=attempt.pk)
        if message.status != OutgoingMessage.Status.SENDING or message.attempts != attempt.attempts:
            return message  # taken again after our lease ran out: that attempt decides
        message.provider_response = error
        if message.attempts >= _max_attempts(message):
            message.status = OutgoingMessage.Status.FAILED
            if message.fallback:
                _queue_fallback(message)
        else:
            message.status = OutgoingMessage.Status.RETRYING
            from relais.notifications.tasks import send_message

            run_after = timezone.now() + retry_delay(message.attempts)
            transaction.on_commit(lambda: send_message.using(run_after=run_after).enqueue(message.pk))
        message.save(update_fields=["status", "provider_response"])
    return message


def messages_requeue_stranded(*, now: dt.datetime | None = None, restarting_worker_id: str = "") -> list[int]:
    """Enqueue again the messages left unsent with no live task: a worker killed while sending, or a
    process that died between saving a message and enqueuing its task. A message just queued, or
    being sent by a live worker, is left to its own task. Returns their ids."""
    from relais.notifications.tasks import send_message

    now = now or timezone.now()
    lease_start = now - dt.timedelta(seconds=settings.TASK_LEASE_SECONDS)
    candidates = OutgoingMessage.objects.filter(
        Q(status=OutgoingMessage.Status.SENDING)
        | Q(status=OutgoingMessage.Status.QUEUED, created_at__lt=lease_start)
        | (
            Q(status=OutgoingMessage.Status.RETRYING)
            & (Q(claimed_at__lt=lease_start) | Q(claimed_at__isnull=True, created_at__lt=lease_start))
        )
    ).only("status", "claimed_at", "claimed_by")
    stranded = [
        message.pk
        for message in candidates
        if message.status != OutgoingMessage.Status.SENDING
        or _claim_expired(message, now=now, restarting_worker_id=restarting_worker_id)
    ]
    waiting = set()  # messages a task will still send: ready (maybe later), or running in a live worker
    for task in DBTaskResult.objects.filter(
        task_path=send_message.module_path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).only("status", "args_kwargs", "worker_ids", "started_at"):
        if task.status == TaskResultStatus.READY or not task_is_stale(task, now=now, restarting_worker_id=restarting_worker_id):
            waiting.update(task.args_kwargs["args"][:1])
    requeued = [pk for pk in stranded if pk not in waiting]
    for pk in requeued:
        send_message.enqueue(pk)
    if requeued:
        logger.warning("Messages remis en file après l'arrêt d'un processus d'envoi : %s", requeued)
    return requeued


def _queue_fallback(message: OutgoingMessage) -> None:
    fallback = message.fallback
    _queue(
        OutgoingMessage(
            channel=OutgoingMessage.Channel.EMAIL,
            recipient=fallback["to"],
            subject=fallback.get("subject", ""),
            body=fallback["body"],
            kind=message.kind,
            person=message.person,
            fallback_of=message,
            service_id=message.service_id,
            appointment_id=message.appointment_id,
            request_id=message.request_id,
            dedupe_key=f"{message.dedupe_key}:fallback" if message.dedupe_key else "",
        )
    )
