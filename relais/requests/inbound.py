"""E-mails that become requests: parsing an RFC 822 message, and polling an IMAP mailbox."""

from __future__ import annotations

import email
import email.policy
import email.utils
import imaplib
import logging
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

from django.core.exceptions import ValidationError

from relais.requests.models import Request
from relais.requests.services import InboundFile, request_register_from_email

logger = logging.getLogger(__name__)


def register_rfc822(raw: bytes, *, to_address: str | None = None) -> Request:
    """Turn one e-mail (as received) into a request: body text, attachments, date of receipt."""
    message: EmailMessage = email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[assignment]
    display_name, sender = email.utils.parseaddr(str(message.get("From", "")))
    recipient = to_address or email.utils.parseaddr(str(message.get("To", "")))[1]
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    files = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        files.append(
            InboundFile(
                part.get_filename() or "piece-jointe", part.get_content_type(), payload if isinstance(payload, bytes) else b""
            )
        )
    received_at = None
    if message.get("Date"):
        try:
            received_at = email.utils.parsedate_to_datetime(str(message["Date"]))
        except (TypeError, ValueError):
            received_at = None
    return request_register_from_email(
        to_address=recipient, from_address=sender, display_name=display_name, subject=str(message.get("Subject", "")), text=text,
        files=files, received_at=received_at,
    )  # fmt: skip


def poll_imap(url: str, *, to_address: str | None = None) -> tuple[int, int]:
    """Read unseen messages of the mailbox (imaps://user:password@host[:port]/FOLDER), register each,
    and mark it seen only once registered. Returns (registered, refused). With `to_address` (the
    mailbox's service), every message goes to that service whatever its forgeable To header says."""
    parsed = urlparse(url)
    folder = parsed.path.lstrip("/") or "INBOX"
    client_class = imaplib.IMAP4_SSL if parsed.scheme == "imaps" else imaplib.IMAP4
    registered = refused = 0
    with client_class(parsed.hostname or "localhost", parsed.port or (993 if parsed.scheme == "imaps" else 143)) as client:
        client.login(unquote(parsed.username or ""), unquote(parsed.password or ""))
        client.select(folder)
        _, data = client.search(None, "UNSEEN")
        for number in data[0].split():
            _, fetched = client.fetch(number, "(BODY.PEEK[])")
            raw = fetched[0][1] if fetched and isinstance(fetched[0], tuple) else b""
            try:
                register_rfc822(raw, to_address=to_address)
                registered += 1
            except ValidationError as error:
                logger.warning("Courriel %s non enregistré : %s", number, error.messages)
                refused += 1
                continue
            client.store(number, "+FLAGS", r"\Seen")
    return registered, refused
