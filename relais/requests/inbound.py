"""E-mails that become requests (L112-8): the sender found within the recipient service's scope, the
request registered, an RFC 822 message parsed, an IMAP mailbox polled."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import imaplib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

from django.core.exceptions import ValidationError
from django.db import transaction

from relais.people.building import PersonData, person_build
from relais.people.models import ContactPoint, Person
from relais.people.search import person_index
from relais.requests.models import CitizenRequest, Procedure
from relais.requests.services import RequestActor, request_register
from relais.territory.models import Service
from relais.territory.policies import AccessScope

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboundFile:
    name: str
    content_type: str
    content: bytes


def _inbound_sender(*, service: Service, sender: str, display_name: str) -> Person:
    """The person an e-mail to `service` comes from, looked up only among the persons the service's
    organisations already know: an address is no proof of identity, so a match elsewhere never widens
    who may read that file. It gives a new record, and a pending pair for a duplicate reviewer."""
    from relais.people.policies import persons_visible
    from relais.people.services import pending_duplicate_pairs

    organisation_ids = frozenset(service.organisations.values_list("pk", flat=True))
    by_address = Person.objects.filter(
        merged_into__isnull=True, contact_points__kind=ContactPoint.Kind.EMAIL, contact_points__value=sender
    ).distinct()
    within = list(persons_visible(AccessScope(label="courriel", organisation_ids=organisation_ids), by_address)[:2])
    if len(within) == 1:
        return within[0]
    elsewhere = [] if within else list(by_address[:5])
    words = (display_name or sender.split("@")[0].replace(".", " ")).split()
    first, last = (words[0], " ".join(words[1:])) if len(words) > 1 else ("Inconnu", words[0] if words else "Inconnu")
    person = person_build(PersonData(birth_name=last.title(), first_names=first.title(), emails=[sender]))
    person.full_clean(exclude=["organisations"])
    person.save()
    ContactPoint.objects.create(person=person, kind=ContactPoint.Kind.EMAIL, value=sender)
    person_index([person])
    pending_duplicate_pairs(
        person, elsewhere, code="inbound_email",
        message=f"même adresse e-mail, d'un courriel reçu par {service.name} : même personne ? à vérifier",
    )  # fmt: skip
    return person


@transaction.atomic
def request_register_from_email(
    *, to_address: str, from_address: str, display_name: str, subject: str, text: str, files: Sequence[InboundFile] = (),
    received_at: dt.datetime | None = None,
) -> CitizenRequest:  # fmt: skip
    """An e-mail to a service's address is a request (L112-8): the service's e-mail procedure, the
    sender found by their address among the persons the service knows (else a new person from the
    display name), acknowledgements sent to the sender's address."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from relais.people.normalization import normalize_email

    service = Service.objects.filter(email__iexact=to_address.strip()).first()
    procedure = Procedure.objects.filter(service=service, receives_email=True, is_active=True).first() if service else None
    if service is None or procedure is None:
        raise ValidationError({"to": [f"Aucun service ne reçoit de demandes à l'adresse « {to_address} »."]})
    sender = normalize_email(from_address)
    person = _inbound_sender(service=service, sender=sender, display_name=display_name)
    uploads = [SimpleUploadedFile(f.name, f.content, content_type=f.content_type) for f in files]
    return request_register(
        procedure=procedure, person=person, channel=CitizenRequest.Channel.EMAIL, subject=subject or procedure.name, details=text,
        received_at=received_at, contact_email=sender, files=uploads, actor=RequestActor(label=f"Courriel de {sender}"),
    )  # fmt: skip


def register_rfc822(raw: bytes, *, to_address: str | None = None) -> CitizenRequest:
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
