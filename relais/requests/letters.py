"""The letters Relais writes about a request, as text and as PDF.

The acknowledgement carries every mention of R112-5 (paper) and R112-11-1 (electronic): date of
receipt; the service in charge with its postal or e-mail address and phone; whether silence means
acceptance or rejection and the date it will occur, "sous réserve que la demande soit complète";
on acceptance, that an attestation can be obtained (L232-3); on rejection, the remedies and their
time limits; and the missing-documents information (L114-5) when documents are requested.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from relais.requests.clock import Regime
from relais.requests.models import DocumentRequest, Letter, Request

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
    paragraphs: list[str]

    @property
    def text(self) -> str:
        return "\n\n".join([self.title, *self.paragraphs])


def _date(value) -> str:  # type: ignore[no-untyped-def]
    return value.strftime("%d/%m/%Y") if value else ""


def _service_block(request: Request) -> str:
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


def _header(request: Request) -> list[str]:
    person = request.person
    return [
        f"Référence : {request.reference}",
        f"Demandeur : {person.first_name} {person.usage_name or person.birth_name}",
        f"Objet : {request.procedure.name} — {request.subject}",
    ]


def _missing_documents_paragraphs(request: Request, document_request: DocumentRequest) -> list[str]:
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


def acknowledgement(request: Request) -> LetterContent:
    regime_text = "acceptée" if request.procedure.regime == Regime.ACCEPTANCE else "rejetée"
    silence = "silence vaut acceptation" if request.procedure.regime == Regime.ACCEPTANCE else "silence vaut rejet"
    received = f"Date de réception de votre demande : {_date(request.received_on)}"
    if request.competent_received_on:
        received += f" (reçue par le service compétent le {_date(request.competent_received_on)}, après transmission)"
    paragraphs = [*_header(request), received + ".", _service_block(request)]
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
    return LetterContent("Accusé de réception", paragraphs)


def registration_receipt(request: Request) -> LetterContent:
    moment = timezone.localtime(request.received_at)
    return LetterContent(
        "Accusé d'enregistrement électronique",
        [
            *_header(request),
            f"Votre demande a été enregistrée le {moment:%d/%m/%Y à %H:%M}.",
            _service_block(request),
            "Un accusé de réception précisant les délais applicables à votre demande vous est adressé avec ce message.",
        ],
    )


def missing_documents(request: Request, document_request: DocumentRequest) -> LetterContent:
    return LetterContent(
        "Demande de pièces complémentaires",
        [*_header(request), f"Date de réception de votre demande : {_date(request.received_on)}.", _service_block(request),
         *_missing_documents_paragraphs(request, document_request), LEGAL_BASIS],
    )  # fmt: skip


def forward_notice(request: Request, new_request: Request) -> LetterContent:
    return LetterContent(
        "Transmission de votre demande au service compétent",
        [
            *_header(request),
            f"Votre demande, reçue le {_date(request.received_on)}, relève de la compétence d'un autre service. "
            f"Nous l'avons transmise le {_date(new_request.competent_received_on)} à : {new_request.service.name} — "
            f"{new_request.organisation.name}, qui vous adressera un accusé de réception (article L114-2 du code des relations "
            "entre le public et l'administration).",
            f"Nouvelle référence : {new_request.reference}.",
        ],
    )


def decision_notice(request: Request) -> LetterContent:
    accepted = request.status in ("accepted", "implicitly_accepted")
    implicit = request.status.startswith("implicitly")
    title = "Attestation de décision implicite d'acceptation" if implicit and accepted else "Notification de décision"
    if implicit:
        body = (
            f"En l'absence de réponse au {_date(request.implicit_decision_date)}, votre demande reçue le {_date(request.received_on)} "
            f"est réputée {'acceptée' if accepted else 'rejetée'} ({'silence vaut acceptation' if accepted else 'silence vaut rejet'})."
        )
    else:
        body = f"Votre demande reçue le {_date(request.received_on)} a été {'acceptée' if accepted else 'rejetée'} le {_date(timezone.localdate())}."
        if request.decision_note:
            body += f" Motifs : {request.decision_note}"
    paragraphs = [*_header(request), body, _service_block(request)]
    if accepted and implicit:
        paragraphs.append(
            "Le présent document atteste de la décision implicite d'acceptation (article L232-3 du code des relations entre le public et l'administration)."
        )
    if not accepted:
        paragraphs.append(f"Voies et délais de recours : {request.procedure.remedies or DEFAULT_REMEDIES}")
    return LetterContent(title, paragraphs)


def render_pdf(request: Request, content: LetterContent) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=2.2 * cm, rightMargin=2.2 * cm, topMargin=2 * cm, bottomMargin=2 * cm,
        title=f"{content.title} — {request.reference}", author=request.organisation.name, lang="fr-FR",
    )  # fmt: skip
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName="Helvetica", fontSize=10.5, leading=14)
    story = [
        Paragraph(escape(request.organisation.name), styles["Heading3"]),
        Paragraph(escape(request.organisation.address.replace("\n", ", ")), body),
        Spacer(1, 0.8 * cm),
        Paragraph(escape(f"Le {timezone.localdate():%d/%m/%Y}"), body),
        Spacer(1, 0.4 * cm),
        Paragraph(escape(content.title), styles["Heading2"]),
    ]
    for paragraph in content.paragraphs:
        story += [Paragraph(escape(paragraph), body), Spacer(1, 0.25 * cm)]
    document.build(story)
    return buffer.getvalue()


LETTER_BUILDERS = {Letter.Kind.ACKNOWLEDGEMENT: acknowledgement, Letter.Kind.REGISTRATION_RECEIPT: registration_receipt}
