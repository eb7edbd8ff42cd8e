"""Every write about requests: registration from any channel, acknowledgements, missing documents,
forwarding, decisions (explicit, or implicit when the legal date passes), messages."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from relais.core.calendar import is_holiday
from relais.core.uploads import check_upload
from relais.core.wording import count_of
from relais.notifications.services import message_queue_email
from relais.people.models import ContactPoint, Person
from relais.people.services import person_link_organisation
from relais.requests import letters, workflow
from relais.requests.clock import DelayUnit, MissingDocuments, Regime, implicit_decision
from relais.requests.models import (
    CitizenRequest,
    DocumentRequest,
    Letter,
    Procedure,
    ReferenceCounter,
    RequestDocument,
    RequestEvent,
    RequestMessage,
)
from relais.territory.models import Agent, Organisation
from relais.territory.policies import AccessScope


@dataclass(frozen=True)
class RequestActor:
    label: str
    agent: Agent | None = None
    scope: AccessScope | None = None

    @classmethod
    def person(cls, person: Person) -> RequestActor:
        return cls(label=f"{person.first_name} {person.usage_name or person.birth_name} (usager)")

    @classmethod
    def system(cls) -> RequestActor:
        return cls(label="Relais (échéance légale)")


def _event(
    request: CitizenRequest,
    actor: RequestActor,
    kind: RequestEvent.Kind,
    *,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
) -> None:
    RequestEvent.objects.create(
        request=request, actor_label=actor.label, kind=kind, from_status=from_status, to_status=to_status, note=note
    )


def next_reference(organisation: Organisation, year: int) -> str:
    """`92-2026-000123`: one counter per organisation and year, incremented under a row lock."""
    counter, _ = ReferenceCounter.objects.get_or_create(organisation=organisation, year=year)
    ReferenceCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
    counter.refresh_from_db()
    return f"{organisation.code}-{year}-{counter.last_number:06d}"


def request_recompute_clock(request: CitizenRequest) -> None:
    """Store the implicit decision date from the receipt dates, the procedure and missing documents."""
    documents = request.document_requests.order_by("-requested_on", "-pk").first()
    result = implicit_decision(
        received_on=request.received_on,
        regime=Regime(request.procedure.regime),
        delay=request.procedure.delay_value,
        unit=DelayUnit(request.procedure.delay_unit),
        competent_received_on=request.competent_received_on,
        missing_documents=MissingDocuments(documents.requested_on, documents.deadline, documents.received_on)
        if documents
        else None,
        shift_non_working_days=settings.IMPLICIT_DECISION_SHIFT_TO_WORKING_DAY,
        is_holiday=is_holiday,
    )
    request.implicit_decision_date = result.implicit_decision_date
    request.clock_explanation = result.explanation[:500]
    CitizenRequest.objects.filter(pk=request.pk).update(
        implicit_decision_date=result.implicit_decision_date, clock_explanation=request.clock_explanation
    )


def _store_files(
    request: CitizenRequest, files: Sequence[UploadedFile], kind: str, agent: Agent | None, after_deadline: bool = False
) -> list[RequestDocument]:
    checked, errors = [], []
    for upload in files:
        try:
            checked.append(check_upload(upload))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"files": errors})
    stored = []
    for item in checked:
        document = RequestDocument(
            request=request, kind=kind, original_name=item.name, content_type=item.content_type, size=item.size, sha256=item.sha256,
            uploaded_by=agent, after_deadline=after_deadline,
        )  # fmt: skip
        document.file.save(item.name, item.upload, save=False)
        document.save()
        stored.append(document)
    return stored


def _contact_email(request: CitizenRequest) -> str:
    """Where letters go by e-mail: the address given with the request; for electronic requests, the
    person's known address too. A letter received by post is answered by post unless an address was given."""
    if request.contact_email:
        return request.contact_email
    if not request.is_electronic:
        return ""
    point = request.person.contact_points.filter(kind=ContactPoint.Kind.EMAIL).first()
    return point.value if point else ""


def _issue_letter(
    request: CitizenRequest, kind: str, content: letters.LetterContent, *, email_subject: str, with_pdf: bool = True
) -> Letter:
    """Produce the letter (PDF kept with its hash) and send it by e-mail, or leave it to print."""
    recipient = _contact_email(request)
    letter = Letter(request=request, kind=kind, text=content.text, sent_by="email" if recipient else "post")
    attachments = []
    if with_pdf:
        pdf = letters.render_pdf(request, content)
        letter.sha256 = hashlib.sha256(pdf).hexdigest()
        letter.file.save(letter.download_name, ContentFile(pdf), save=False)
        attachments.append({"filename": letter.download_name, "content_type": "application/pdf", "content": pdf})
    else:
        letter.sha256 = hashlib.sha256(content.text.encode()).hexdigest()
    if recipient:
        tracking = f"{settings.SITE_URL}/demarches/suivi/{request.tracking_token}/"
        body = f"{content.text}\n\nSuivre votre demande : {tracking}"
        letter.message = message_queue_email(
            recipient=recipient, subject=email_subject, body=body, kind=f"request_{kind}", person=request.person,
            attachments=attachments, service=request.service, request=request,
        )  # fmt: skip
    letter.save()
    return letter


@transaction.atomic
def request_register(
    *,
    procedure: Procedure,
    person: Person,
    channel: str,
    subject: str,
    details: str = "",
    received_at: dt.datetime | None = None,
    form_data: dict | None = None,
    contact_email: str = "",
    files: Sequence[UploadedFile] = (),
    actor: RequestActor,
    forwarded_from: CitizenRequest | None = None,
) -> CitizenRequest:
    """Register a request from any channel: reference, legal clock, acknowledgements, person linked."""
    if channel not in CitizenRequest.Channel.values:
        raise ValidationError({"channel": ["Canal inconnu."]})
    if not procedure.is_active:
        raise ValidationError({"procedure": ["Cette procédure n'est plus ouverte."]})
    if channel == CitizenRequest.Channel.ONLINE_FORM and not procedure.online_open:
        raise ValidationError({"procedure": ["Cette démarche ne se fait pas en ligne."]})
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"received_at": ["La date de réception ne peut pas être dans le futur."]})
    if (
        actor.scope is not None
        and procedure.service_id not in actor.scope.loggable_service_ids
        and not actor.scope.may_edit_identity
    ):
        raise PermissionDenied("Vous ne pouvez pas enregistrer de demande pour ce service.")
    received_on = timezone.localdate(received_at)  # the clock counts in Europe/Paris, whatever the server's zone
    request = CitizenRequest(
        procedure=procedure, organisation=procedure.organisation, service=procedure.service, person=person, channel=channel,
        received_at=received_at, received_on=received_on, subject=subject.strip()[:255] or procedure.name, details=details,
        form_data=form_data or {}, contact_email=contact_email, registered_by=actor.agent,
        reference=next_reference(procedure.organisation, received_on.year), forwarded_from=forwarded_from,
    )  # fmt: skip
    if forwarded_from is not None:
        request.received_on = forwarded_from.received_on
        request.received_at = forwarded_from.received_at
        request.competent_received_on = received_on
    request.full_clean(exclude=["tracking_token", "reference"])
    request.save()
    _store_files(
        request,
        files,
        RequestDocument.Kind.SCAN if channel == CitizenRequest.Channel.LETTER else RequestDocument.Kind.INITIAL,
        actor.agent,
    )
    person_link_organisation(person=person, organisation_id=procedure.organisation_id)
    request_recompute_clock(request)
    _event(
        request,
        actor,
        RequestEvent.Kind.REGISTERED,
        to_status=request.status,
        note=f"{request.get_channel_display()} — {request.reference}",
    )
    if request.is_electronic:
        _issue_letter(
            request, Letter.Kind.REGISTRATION_RECEIPT, letters.registration_receipt(request),
            email_subject=f"Demande enregistrée — {request.reference}", with_pdf=False,
        )  # fmt: skip
    _issue_letter(
        request,
        Letter.Kind.ACKNOWLEDGEMENT,
        letters.acknowledgement(request),
        email_subject=f"Accusé de réception — {request.reference}",
    )
    return request


def _transition(request: CitizenRequest, to_status: str, actor: RequestActor, note: str = "") -> None:
    workflow.check(request.status, to_status)
    previous = request.status
    request.status = to_status
    CitizenRequest.objects.filter(pk=request.pk).update(status=to_status, updated_at=timezone.now())
    _event(request, actor, RequestEvent.Kind.TRANSITION, from_status=previous, to_status=to_status, note=note)


def _check_agent(request: CitizenRequest, actor: RequestActor) -> None:
    if actor.scope is not None and request.service_id not in actor.scope.loggable_service_ids:
        raise PermissionDenied("Seul le service compétent peut instruire cette demande.")


@transaction.atomic
def request_transition(*, request: CitizenRequest, to_status: str, actor: RequestActor, note: str = "") -> CitizenRequest:
    """A status chosen by the service (complete, under review, accepted, rejected, withdrawn, closed)."""
    request = (
        CitizenRequest.objects.select_for_update()
        .select_related("procedure", "service", "organisation", "person")
        .get(pk=request.pk)
    )
    _check_agent(request, actor)
    if to_status not in workflow.AGENT_CHOICES:
        raise workflow.TransitionRefused("Ce changement se fait par l'action dédiée (pièces, transmission, échéance).")
    if to_status == CitizenRequest.Status.REJECTED and not note.strip():
        raise ValidationError({"note": ["Motivez le rejet : les motifs sont communiqués au demandeur."]})
    _transition(request, to_status, actor, note)
    if to_status in (CitizenRequest.Status.ACCEPTED, CitizenRequest.Status.REJECTED):
        request.decided_at, request.decision_note = timezone.now(), note
        CitizenRequest.objects.filter(pk=request.pk).update(decided_at=request.decided_at, decision_note=note)
        _issue_letter(
            request,
            Letter.Kind.DECISION,
            letters.decision_notice(request),
            email_subject=f"Décision sur votre demande {request.reference}",
        )
    return request


@transaction.atomic
def request_ask_documents(*, request: CitizenRequest, items: str, deadline: dt.date, actor: RequestActor) -> DocumentRequest:
    request = (
        CitizenRequest.objects.select_for_update()
        .select_related("procedure", "service", "organisation", "person")
        .get(pk=request.pk)
    )
    _check_agent(request, actor)
    today = timezone.localdate()
    if deadline <= today:
        raise ValidationError({"deadline": ["La date limite doit être dans le futur."]})
    if not [line for line in items.splitlines() if line.strip()]:
        raise ValidationError({"items": ["Listez au moins une pièce."]})
    _transition(request, CitizenRequest.Status.INCOMPLETE, actor, note=items)
    document_request = DocumentRequest.objects.create(
        request=request, items=items.strip(), requested_on=today, deadline=deadline, requested_by=actor.agent
    )
    request_recompute_clock(request)
    _issue_letter(
        request, Letter.Kind.MISSING_DOCUMENTS, letters.missing_documents(request, document_request),
        email_subject=f"Pièces à fournir — {request.reference}",
    )  # fmt: skip
    return document_request


@transaction.atomic
def request_receive_documents(
    *,
    request: CitizenRequest,
    actor: RequestActor,
    files: Sequence[UploadedFile] = (),
    received_on: dt.date | None = None,
    complete: bool = True,
) -> CitizenRequest:
    """Documents arrived (uploaded by the person, or received by post and noted by an agent)."""
    request = (
        CitizenRequest.objects.select_for_update()
        .select_related("procedure", "service", "organisation", "person")
        .get(pk=request.pk)
    )
    if request.is_finished:
        raise ValidationError("Cette demande est close : les pièces ne peuvent plus y être ajoutées.")
    received_on = received_on or timezone.localdate()
    open_request = request.document_requests.filter(received_on__isnull=True).last()
    late = bool(open_request and received_on > open_request.deadline)
    _store_files(request, files, RequestDocument.Kind.MISSING, actor.agent, after_deadline=late)
    note = count_of(len(files), "pièce reçue", "pièces reçues") + (" après la date limite" if late else "")
    _event(request, actor, RequestEvent.Kind.DOCUMENTS, note=note)
    if open_request and complete:
        open_request.received_on = received_on
        open_request.save(update_fields=["received_on"])
        if request.status == CitizenRequest.Status.INCOMPLETE:
            _transition(
                request, CitizenRequest.Status.COMPLETE, actor, note="pièces reçues" + (" après la date limite" if late else "")
            )
        request_recompute_clock(request)
    return request


@transaction.atomic
def request_forward(*, request: CitizenRequest, to_procedure: Procedure, actor: RequestActor, note: str = "") -> CitizenRequest:
    """Not ours: forward to the competent service (L114-2) and tell the person. The acceptance clock
    restarts from the competent service's receipt; a rejection clock keeps the first receipt (L114-3)."""
    request = (
        CitizenRequest.objects.select_for_update()
        .select_related("procedure", "service", "organisation", "person")
        .get(pk=request.pk)
    )
    _check_agent(request, actor)
    if to_procedure.service_id == request.service_id:
        raise ValidationError({"procedure": ["Choisissez une procédure d'un autre service."]})
    _transition(request, CitizenRequest.Status.FORWARDED, actor, note=note or f"transmise à {to_procedure.service.name}")
    new_request = request_register(
        procedure=to_procedure, person=request.person, channel=request.channel, subject=request.subject, details=request.details,
        form_data=request.form_data, contact_email=request.contact_email, actor=actor, forwarded_from=request,
    )  # fmt: skip
    for document in request.documents.all():
        RequestDocument.objects.create(
            request=new_request, kind=document.kind, file=document.file.name, original_name=document.original_name,
            content_type=document.content_type, size=document.size, sha256=document.sha256,
        )  # fmt: skip
    _issue_letter(
        request,
        Letter.Kind.FORWARD_NOTICE,
        letters.forward_notice(request, new_request),
        email_subject=f"Transmission de votre demande {request.reference}",
    )
    return new_request


def request_change_receipt_date(*, request: CitizenRequest, received_on: dt.date, actor: RequestActor) -> CitizenRequest:
    """Correct the date of receipt (a letter stamped on arrival): never once the request is decided."""
    if request.is_decided or request.status == CitizenRequest.Status.FORWARDED:
        raise ValidationError("Une demande décidée ne peut plus changer de dates : la décision s'appuie sur elles.")
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": ["La date de réception ne peut pas être dans le futur."]})
    previous = request.received_on
    request.received_on = received_on
    request.save(update_fields=["received_on", "updated_at"])
    request_recompute_clock(request)
    _event(request, actor, RequestEvent.Kind.RECEIPT_DATE, note=f"{previous:%d/%m/%Y} → {received_on:%d/%m/%Y}")
    return request


@transaction.atomic
def request_assign(*, request: CitizenRequest, agent: Agent | None, actor: RequestActor) -> CitizenRequest:
    _check_agent(request, actor)
    if agent is not None and not agent.memberships.filter(service=request.service, is_active=True).exists():
        raise ValidationError("Cet agent n'est pas membre du service de la demande.")
    request.assigned_to = agent
    request.save(update_fields=["assigned_to", "updated_at"])
    _event(request, actor, RequestEvent.Kind.ASSIGNED, note=str(agent) if agent else "aucun instructeur")
    return request


@transaction.atomic
def request_letter_printed(*, request: CitizenRequest, letter_id: str, actor: RequestActor) -> Letter:
    """A letter to send by post has been printed and posted: the proof notes when."""
    _check_agent(request, actor)
    letter = request.letters.filter(public_id=letter_id, sent_by="post").first() if letter_id else None
    if letter is None:
        raise ValidationError("Courrier introuvable.")
    letter.printed_at = timezone.now()
    letter.save(update_fields=["printed_at"])
    _event(request, actor, RequestEvent.Kind.PRINTED, note=letter.get_kind_display())
    return letter


@transaction.atomic
def request_post_message(*, request: CitizenRequest, body: str, actor: RequestActor, from_person: bool) -> RequestMessage:
    body = body.strip()
    if not body:
        raise ValidationError({"body": ["Le message est vide."]})
    if len(body) > 5000:
        raise ValidationError({"body": ["Le message dépasse 5 000 caractères."]})
    message = RequestMessage.objects.create(request=request, body=body, from_person=from_person, author=actor.agent)
    _event(request, actor, RequestEvent.Kind.MESSAGE, note=body[:200])
    if not from_person:
        recipient = _contact_email(request)
        if recipient:
            message_queue_email(
                recipient=recipient, subject=f"Nouveau message sur votre demande {request.reference}",
                body=f"{body}\n\nRépondre ou suivre votre demande : {settings.SITE_URL}/demarches/suivi/{request.tracking_token}/",
                kind="request_message", person=request.person, service=request.service, request=request,
            )  # fmt: skip
    return message


def requests_record_implicit_decisions(*, today: dt.date | None = None) -> int:
    """Daily: every request whose implicit decision date has come becomes implicitly accepted or
    rejected, with a timeline entry and a notice to the person (with the attestation on acceptance)."""
    today = today or timezone.localdate()
    count = 0
    due = CitizenRequest.objects.filter(status__in=workflow.CLOCK_RUNNING, implicit_decision_date__lte=today).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            request = (
                CitizenRequest.objects.select_for_update(skip_locked=True)
                .select_related("procedure", "service", "organisation", "person")
                .filter(pk=pk, status__in=workflow.CLOCK_RUNNING, implicit_decision_date__lte=today)
                .first()
            )
            if request is None:
                continue
            accepted = request.procedure.regime == Regime.ACCEPTANCE
            target = CitizenRequest.Status.IMPLICITLY_ACCEPTED if accepted else CitizenRequest.Status.IMPLICITLY_REJECTED
            if not workflow.allowed(request.status, target):
                continue
            _transition(request, target, RequestActor.system(), note=request.clock_explanation)
            _issue_letter(
                request, Letter.Kind.IMPLICIT_DECISION, letters.decision_notice(request),
                email_subject=f"Votre demande {request.reference} est réputée {'acceptée' if accepted else 'rejetée'}",
            )  # fmt: skip
            count += 1
    return count
