"""Outgoing messages: recorded first, sent by the worker after commit, retried with back-off.

Each message is one row; the send task locks it and sends only if it is still pending, so a task
run twice never sends twice. A `dedupe_key` makes queuing itself idempotent (one reminder per
appointment and channel). An SMS that keeps failing falls back to the e-mail recorded with it.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from typing import TYPE_CHECKING

import phonenumbers
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import timezone

from relais.notifications.models import OutgoingMessage
from relais.notifications.sms import sms_backend

if TYPE_CHECKING:
    from relais.appointments.models import Appointment
    from relais.people.models import Person
    from relais.requests.models import Request
    from relais.territory.models import Service

logger = logging.getLogger(__name__)


def _queue(message: OutgoingMessage) -> OutgoingMessage:
    """Insert the message (once per dedupe key) and send it after commit."""
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
    request: Request | None = None,
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
    request: Request | None = None,
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
    if message.channel == OutgoingMessage.Channel.SMS:
        result = sms_backend().send(to=message.recipient, text=message.body)
        message.provider_message_id = result.provider_message_id
        message.provider_response = result.response
        return
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[message.recipient]
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


def message_send(*, message_id: int) -> OutgoingMessage:
    """Deliver one queued message. On failure, schedule another attempt; an SMS out of attempts
    falls back to e-mail when it has one."""
    with transaction.atomic():
        message = OutgoingMessage.objects.select_for_update().get(pk=message_id)
        if message.status in (OutgoingMessage.Status.SENT, OutgoingMessage.Status.FAILED):
            return message  # already handled: a retried task must not send twice
        message.attempts += 1
        max_attempts = settings.SMS_MAX_ATTEMPTS if message.channel == OutgoingMessage.Channel.SMS else settings.TASK_MAX_ATTEMPTS
        try:
            _deliver(message)
        except Exception as exc:  # any transport error (SMTP, HTTP, timeout): record it, try again later
            logger.warning("Envoi du message %s impossible : %s", message.pk, exc)
            message.provider_response = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= max_attempts:
                message.status = OutgoingMessage.Status.FAILED
                if message.fallback:
                    _queue_fallback(message)
            else:
                message.status = OutgoingMessage.Status.RETRYING
                from relais.notifications.tasks import send_message

                run_after = timezone.now() + retry_delay(message.attempts)
                transaction.on_commit(lambda: send_message.using(run_after=run_after).enqueue(message.pk))
        else:
            message.status = OutgoingMessage.Status.SENT
            message.sent_at = timezone.now()
        message.save(update_fields=["attempts", "status", "provider_response", "provider_message_id", "sent_at"])
    return message


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
