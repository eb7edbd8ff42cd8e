"""The letters Relais writes about a request, as text and as PDF.

The acknowledgement carries every mention of R112-5 (paper) and R112-11-1 (electronic): date of
receipt; the service in charge with its postal or e-mail address and phone; whether silence means
acceptance or rejection and the date it will occur, "sous réserve que la demande soit complète";
on acceptance, that an attestation can be obtained (L232-3); on rejection, the remedies and their
time limits; and the missing-documents information (L114-5) when documents are requested.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from weasyprint import HTML

from relais.people.models import Person
from relais.requests.clock import Regime
from relais.requests.models import CitizenRequest, DocumentRequest

DEFAULT_REMEDIES = (
    "Vous pourrez contester une décision de rejet, explicite ou implicite, dans un délai de deux mois à compter "
    "de sa notification ou de la date à laquelle elle est née : par un recours gracieux auprès du président du "
    "Conseil départemental, ou par un recours contentieux devant le tribunal administratif territorialement "
    "compétent (Versailles pour les Yvelines, Cergy-Pontoise pour les Hauts-de-Seine), y compris par l'application "
    "Télérecours citoyens (www.telerecours.fr)."
)
LEGAL_BASIS = (
    "Articles L112-3, L112-6, L112-11, L114-5, R112-5 et R112-11-1 du code des relations entre le public et l'administration."
)


@dataclass(frozen=True)
class LetterContent:
    title: str
    subject: str  # the letter's object line, after "Objet : "
    header: list[str]  # reference, applicant, request: blocks of their own on paper, lines in an e-mail
    paragraphs: list[str]

    @property
    def text(self) -> str:
        return "\n\n".join([self.title, *self.header, *self.paragraphs])


def _content(request: CitizenRequest, title: str, subject: str, paragraphs: list[str]) -> LetterContent:
    return LetterContent(title, f"{subject} n° {request.reference}", _header(request), paragraphs)


def _date(value) -> str:  # type: ignore[no-untyped-def]
    return value.strftime("%d/%m/%Y") if value else ""


def _service_block(request: CitizenRequest) -> str:
    service, organisation = request.service, request.organisation
    address = (service.address or organisation.address).replace("\n", ", ")
    parts = [f"{service.name} — {organisation.name}"]
    if address:
        parts.append(f"adresse postale : {address}")
    if service.email or organisation.email:
        parts.append(f"courriel : {service.email or organisation.email}")
    if service.phone or organisation.phone:
        parts.append(f"téléphone : {service.phone or organisation.phone}")
    return "Service chargé de votre demande : " + " ; ".join(parts) + "."


def _header(request: CitizenRequest) -> list[str]:
    person = request.person
    return [
        f"Référence : {request.reference}",
        f"Demandeur : {person.first_name} {person.usage_name or person.birth_name}",
        f"Objet : {request.procedure.name} — {request.subject}",
    ]


def _missing_documents_paragraphs(request: CitizenRequest, document_request: DocumentRequest) -> list[str]:
    items = "; ".join(document_request.items_list)
    effect = (
        "le délai au terme duquel votre demande sera réputée acceptée ne commencera à courir qu'à la réception de ces pièces"
        if request.procedure.regime == Regime.ACCEPTANCE
        else "le délai au terme duquel votre demande sera réputée rejetée est suspendu jusqu'à la réception de ces pièces, "
        "et au plus tard jusqu'à la date limite indiquée"
    )
    return [
        f"Pièces manquantes : votre demande est incomplète. Merci de nous transmettre avant le {_date(document_request.deadline)} : {items}.",
        f"Conformément à l'article L114-5 du code des relations entre le public et l'administration, {effect}. "
        "Vous pouvez les déposer sur votre page de suivi, les envoyer par courrier ou les apporter à l'accueil.",
    ]


def acknowledgement(request: CitizenRequest) -> LetterContent:
    regime_text = "acceptée" if request.procedure.regime == Regime.ACCEPTANCE else "rejetée"
    silence = "silence vaut acceptation" if request.procedure.regime == Regime.ACCEPTANCE else "silence vaut rejet"
    received = f"Date de réception de votre demande : {_date(request.received_on)}"
    if request.competent_received_on:
        received += f" (reçue par le service compétent le {_date(request.competent_received_on)}, après transmission)"
    paragraphs = [received + ".", _service_block(request)]
    if request.implicit_decision_date:
        paragraphs.append(
            f"Si vous n'avez pas reçu de réponse le {_date(request.implicit_decision_date)}, votre demande sera réputée "
            f"{regime_text} ({silence}, délai de {request.procedure.delay_label}), sous réserve que la demande soit complète."
        )
    else:
        paragraphs.append(
            f"Le délai de {request.procedure.delay_label} au terme duquel votre demande sera réputée {regime_text} ({silence}) "
            "ne court qu'à compter de la réception des pièces manquantes, sous réserve que la demande soit alors complète."
        )
    if request.procedure.regime == Regime.ACCEPTANCE:
        paragraphs.append(
            "Attestation : en cas de décision implicite d'acceptation, vous pourrez obtenir sur simple demande une attestation "
            "de cette décision (article L232-3 du code des relations entre le public et l'administration)."
        )
    else:
        paragraphs.append(f"Voies et délais de recours : {request.procedure.remedies or DEFAULT_REMEDIES}")
    open_request = request.document_requests.filter(received_on__isnull=True).last()
    if open_request:
        paragraphs += _missing_documents_paragraphs(request, open_request)
    paragraphs.append(LEGAL_BASIS)
    return _content(request, "Accusé de réception", "accusé de réception de votre demande", paragraphs)


def registration_receipt(request: CitizenRequest) -> LetterContent:
    moment = timezone.localtime(request.received_at)
    return _content(
        request,
        "Accusé d'enregistrement électronique",
        "accusé d'enregistrement électronique de votre demande",
        [
            f"Votre demande a été enregistrée le {moment:%d/%m/%Y à %H:%M}.",
            _service_block(request),
            "Un accusé de réception précisant les délais applicables à votre demande vous est adressé avec ce message.",
        ],
    )


def missing_documents(request: CitizenRequest, document_request: DocumentRequest) -> LetterContent:
    return _content(
        request, "Demande de pièces complémentaires", "pièces complémentaires pour votre demande",
        [f"Date de réception de votre demande : {_date(request.received_on)}.", _service_block(request),
         *_missing_documents_paragraphs(request, document_request), LEGAL_BASIS],
    )  # fmt: skip


def forward_notice(request: CitizenRequest, new_request: CitizenRequest) -> LetterContent:
    return _content(
        request,
        "Transmission de votre demande au service compétent",
        "transmission au service compétent de votre demande",
        [
            f"Votre demande, reçue le {_date(request.received_on)}, relève de la compétence d'un autre service. "
            f"Nous l'avons transmise le {_date(new_request.competent_received_on)} à : {new_request.service.name} — "
            f"{new_request.organisation.name}, qui vous adressera un accusé de réception (article L114-2 du code des relations "
            "entre le public et l'administration).",
            f"Nouvelle référence : {new_request.reference}.",
        ],
    )


def decision_notice(request: CitizenRequest) -> LetterContent:
    accepted = request.status in CitizenRequest.ACCEPTED_STATUSES
    implicit = request.status.startswith("implicitly")
    title = "Attestation de décision implicite d'acceptation" if implicit and accepted else "Notification de décision"
    if implicit:
        subject = (
            f"{title[0].lower()}{title[1:]} de votre demande" if accepted else "décision implicite de rejet de votre demande"
        )
    else:
        subject = "décision sur votre demande"
    if implicit:
        body = (
            f"En l'absence de réponse au {_date(request.implicit_decision_date)}, votre demande reçue le {_date(request.received_on)} "
            f"est réputée {'acceptée' if accepted else 'rejetée'} ({'silence vaut acceptation' if accepted else 'silence vaut rejet'})."
        )
    else:
        body = f"Votre demande reçue le {_date(request.received_on)} a été {'acceptée' if accepted else 'rejetée'} le {_date(timezone.localdate())}."
        if request.decision_note:
            body += f" Motifs : {request.decision_note}"
    paragraphs = [body, _service_block(request)]
    if accepted and implicit:
        paragraphs.append(
            "Le présent document atteste de la décision implicite d'acceptation (article L232-3 du code des relations entre le public et l'administration)."
        )
    if not accepted:
        paragraphs.append(f"Voies et délais de recours : {request.procedure.remedies or DEFAULT_REMEDIES}")
    return _content(request, title, subject, paragraphs)


POSTCODE_LINE = re.compile(r"\b(\d{5})\s+(\S.*)$")


def _address_lines(address: str) -> list[str]:
    """A postal address stored on several lines, or on one with commas ("57 rue…, 92000 Nanterre")."""
    lines = [line.strip() for line in address.splitlines() if line.strip()]
    if len(lines) == 1:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    return lines


def _recipient_lines(person: Person) -> list[str]:
    """The address block as La Poste reads it (NF Z10-011): name, complement, street, POSTCODE CITY in capitals."""
    civility = {"F": "Madame", "M": "Monsieur"}.get(person.sex, "")
    name = " ".join(part for part in (civility, person.first_name, (person.usage_name or person.birth_name).upper()) if part)
    city = f"{person.postcode} {person.city.upper()}".strip()
    return [line for line in (name, person.address_complement, person.address, city) if line]


def _salutation(person: Person) -> str:
    return {"F": "Madame", "M": "Monsieur"}.get(person.sex, "Madame, Monsieur")


def _french_date(day: dt.date) -> str:
    return f"{'1er' if day.day == 1 else day.day} {formats.date_format(day, 'F Y')}"


def letter_context(request: CitizenRequest, content: LetterContent, *, today: dt.date | None = None) -> dict:
    """What the paper letter shows, block by block (template requests/letters/letter.html)."""
    service, organisation = request.service, request.organisation
    sender_address = _address_lines(service.address or organisation.address)
    place = next((match.group(2) for line in sender_address if (match := POSTCODE_LINE.search(line))), "")
    with translation.override("fr"):
        date = _french_date(today or timezone.localdate())
    return {
        "title": f"{content.title} — {request.reference}",
        "heading": content.title,
        "organisation": organisation,
        "service": service,
        "sender_address": sender_address,
        "sender_phone": service.phone or organisation.phone,
        "sender_email": service.email or organisation.email,
        "recipient": _recipient_lines(request.person),
        "place_and_date": f"{place}, le {date}" if place else f"Le {date}",
        "subject": content.subject,
        "reference": request.reference,
        # The subject often repeats the procedure's name (online forms prefill it): said once then.
        "request_line": request.procedure.name
        if request.subject == request.procedure.name
        else f"{request.procedure.name} — {request.subject}",
        "salutation": _salutation(request.person),
        "paragraphs": content.paragraphs,
    }


def render_pdf(request: CitizenRequest, content: LetterContent) -> bytes:
    """A tagged PDF (PDF/UA-1): language fr-FR, a title, headings and reading order from the HTML,
    so that screen readers read the letter as it is laid out."""
    html = render_to_string("requests/letters/letter.html", letter_context(request, content))
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
