import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from relais.notifications.models import OutgoingMessage
from relais.requests import workflow
from relais.requests.models import CitizenRequest
from relais.requests.services import (
    RequestActor,
    request_ask_documents,
    request_change_receipt_date,
    request_forward,
    request_receive_documents,
    request_register,
    request_transition,
    requests_record_implicit_decisions,
)
from relais.territory.policies import agent_access_scope


def agent(world):
    return RequestActor(label="Karim Benali", agent=world.agent92, scope=agent_access_scope(world.agent92))


def pdf_text(letter) -> str:
    with letter.file.open("rb") as handle:
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages).replace("\n", " ")


def register(world, procedure, person, **kwargs):
    values = {
        "channel": "email",
        "subject": "APA pour ma mère",
        "contact_email": "elodie.martin@example.fr",
        "actor": agent(world),
    }
    values.update(kwargs)
    return request_register(procedure=procedure, person=person, **values)


def test_registration_gives_a_readable_reference_and_the_legal_date(world, procedure, person92):
    first = register(world, procedure, person92, received_at=dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC))
    second = register(world, procedure, person92)
    year = timezone.localdate().year
    assert first.reference == "92-2026-000001" and second.reference == f"92-{year}-{'000002' if year == 2026 else '000001'}"
    first.refresh_from_db()
    assert first.implicit_decision_date == dt.date(2026, 3, 15) and first.received_on == dt.date(2026, 1, 15)


def test_receipt_date_is_the_day_in_paris_whatever_the_server_zone(world, procedure, person92):
    late_evening = dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC)  # already 1 February in Paris
    item = register(world, procedure, person92, received_at=late_evening)
    assert item.received_on == dt.date(2026, 2, 1)


def test_electronic_requests_get_a_registration_receipt_and_an_acknowledgement_with_every_mention(world, procedure, person92):
    item = register(world, procedure, person92, received_at=dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC))
    kinds = list(item.letters.values_list("kind", flat=True))
    assert kinds == ["registration", "acknowledgement"]
    acknowledgement = item.letters.get(kind="acknowledgement")
    text = pdf_text(acknowledgement)
    for mention in [
        "Accusé de réception", "Date de réception de votre demande : 15/01/2026", "Accueil 92",
        "57 rue des Longues Raies, 92000 Nanterre", "autonomie@hauts-de-seine.fr", "téléphone",
        "15/03/2026", "réputée acceptée", "sous réserve que la demande soit complète", "attestation", "L232-3", item.reference,
    ]:  # fmt: skip
        assert mention in text, mention
    assert len(acknowledgement.sha256) == 64
    sent = OutgoingMessage.objects.filter(kind="request_acknowledgement").get()
    assert sent.recipient == "elodie.martin@example.fr" and sent.attachments[0]["content_type"] == "application/pdf"
    assert acknowledgement.delivery_status == "en attente"


def test_rejection_acknowledgement_gives_remedies_and_letters_on_paper_are_to_print(
    world, rejection_procedure, person78, person92
):
    item = register(
        world,
        rejection_procedure,
        person92,
        channel="letter",
        contact_email="",
        received_at=dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC),
    )
    letter = item.letters.get()
    assert letter.kind == "acknowledgement" and letter.sent_by == "post" and letter.delivery_status == "à imprimer"
    text = pdf_text(letter)
    assert "réputée rejetée" in text and "Voies et délais de recours" in text and "tribunal administratif" in text


def test_missing_documents_suspend_or_delay_the_clock_and_a_letter_says_so(world, procedure, rejection_procedure, person92):
    item = register(world, procedure, person92)
    request_ask_documents(
        request=item, items="Avis d'imposition 2025", deadline=timezone.localdate() + dt.timedelta(days=30), actor=agent(world)
    )
    item.refresh_from_db()
    assert item.status == "incomplete" and item.implicit_decision_date is None  # acceptance: no clock until the documents
    letter = item.letters.get(kind="missing_documents")
    assert "Avis d'imposition 2025" in pdf_text(letter) and "L114-5" in pdf_text(letter)
    pdf = SimpleUploadedFile("avis.pdf", b"%PDF-1.4\n%%EOF\n")
    request_receive_documents(request=item, actor=RequestActor.person(person92), files=[pdf])
    item.refresh_from_db()
    assert item.status == "complete" and item.implicit_decision_date == _months(timezone.localdate(), 2)
    assert item.documents.get().kind == "missing"


def _months(day, months):
    from relais.requests.clock import add_months

    return add_months(day, months)


def test_documents_after_the_deadline_are_kept_and_flagged(world, rejection_procedure, person92):
    item = register(world, rejection_procedure, person92)
    request_ask_documents(request=item, items="RIB", deadline=timezone.localdate() + dt.timedelta(days=10), actor=agent(world))
    late = timezone.localdate() + dt.timedelta(days=20)
    request_receive_documents(
        request=item, actor=agent(world), files=[SimpleUploadedFile("rib.pdf", b"%PDF-1.4\n%%EOF\n")], received_on=late
    )
    item.refresh_from_db()
    assert item.documents.get().after_deadline and "après la date limite" in item.events.last().note
    assert item.implicit_decision_date == _months(item.received_on, 2) + dt.timedelta(days=10)  # suspended for the 10 days given


def test_state_machine_refuses_impossible_transitions_and_logs_the_others(world, procedure, person92):
    item = register(world, procedure, person92)
    with pytest.raises(workflow.TransitionRefused, match="ne peut pas passer"):
        request_transition(request=item, to_status="closed", actor=agent(world))
    with pytest.raises(ValidationError, match="Motivez le rejet"):
        request_transition(request=item, to_status="rejected", actor=agent(world))
    request_transition(request=item, to_status="under_review", actor=agent(world))
    request_transition(request=item, to_status="accepted", actor=agent(world), note="Plan d'aide validé")
    item.refresh_from_db()
    assert item.status == "accepted" and item.decided_at is not None
    assert [(e.from_status, e.to_status) for e in item.events.filter(kind="transition")] == [
        ("received", "under_review"),
        ("under_review", "accepted"),
    ]
    assert item.letters.filter(kind="decision").exists()
    with pytest.raises(ValidationError, match="ne peut plus changer de dates"):
        request_change_receipt_date(request=item, received_on=dt.date(2026, 1, 1), actor=agent(world))


def test_every_declared_transition_leads_to_a_known_status():
    for source, targets in workflow.TRANSITIONS.items():
        assert source in CitizenRequest.Status.values and set(targets) <= set(CitizenRequest.Status.values)
    assert workflow.TRANSITIONS["closed"] == () and workflow.TRANSITIONS["forwarded"] == ()


def test_forwarding_restarts_the_acceptance_clock_at_the_competent_service(world, procedure, person92):
    from relais.requests.models import Procedure

    other = Procedure.objects.create(
        code="78-APA",
        name="APA (Yvelines)",
        organisation=world.org78,
        service=world.accueil78,
        regime="acceptance",
        delay_value=2,
    )
    item = register(world, procedure, person92, received_at=timezone.now() - dt.timedelta(days=20))
    new = request_forward(request=item, to_procedure=other, actor=agent(world), note="Réside dans les Yvelines")
    item.refresh_from_db()
    assert item.status == "forwarded" and new.reference.startswith("78-") and new.forwarded_from == item
    assert new.received_on == item.received_on and new.competent_received_on == timezone.localdate()
    assert new.implicit_decision_date == _months(timezone.localdate(), 2)
    assert item.letters.filter(kind="forward").exists() and new.letters.filter(kind="acknowledgement").exists()
    assert new.person.organisations.filter(pk=world.org78.pk).exists()


def test_implicit_decisions_are_recorded_when_their_date_passes_with_an_attestation(
    world, procedure, rejection_procedure, person92
):
    accepted = register(world, procedure, person92, received_at=dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC))
    rejected = register(world, rejection_procedure, person92, received_at=dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC))
    assert requests_record_implicit_decisions(today=dt.date(2026, 3, 14)) == 0
    assert requests_record_implicit_decisions(today=dt.date(2026, 3, 15)) == 2
    assert requests_record_implicit_decisions(today=dt.date(2026, 3, 16)) == 0  # once
    accepted.refresh_from_db()
    rejected.refresh_from_db()
    assert (accepted.status, rejected.status) == ("implicitly_accepted", "implicitly_rejected")
    attestation = pdf_text(accepted.letters.get(kind="implicit_decision"))
    assert "Attestation de décision implicite d'acceptation" in attestation and "L232-3" in attestation
    assert "Voies et délais de recours" in pdf_text(rejected.letters.get(kind="implicit_decision"))
    assert accepted.events.last().actor_label == "Relais (échéance légale)"


def test_bad_files_are_refused_and_nothing_is_registered(world, procedure, person92, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as error:
        register(world, procedure, person92, files=[SimpleUploadedFile("gros.pdf", b"%PDF-1.4" + b"0" * 2000 + b"%%EOF")])
    assert "la limite est de" in str(error.value)
    with pytest.raises(ValidationError, match="PDF incomplet"):
        register(world, procedure, person92, files=[SimpleUploadedFile("cassé.pdf", b"%PDF-1.4 tronque")])


def test_a_request_received_in_the_future_is_refused(world, procedure, person92):
    with pytest.raises(ValidationError, match="futur"):
        register(world, procedure, person92, received_at=timezone.now() + dt.timedelta(days=1))


def test_reference_counter_is_per_organisation_and_year(world, procedure, person92, person78):
    from relais.requests.models import Procedure

    p78 = Procedure.objects.create(
        code="78-X", name="X", organisation=world.org78, service=world.accueil78, regime="acceptance", delay_value=2
    )
    a = register(world, procedure, person92)
    b = register(
        world, p78, person78, actor=RequestActor(label="x", agent=world.agent78, scope=agent_access_scope(world.agent78))
    )
    assert re.fullmatch(r"92-\d{4}-000001", a.reference) and re.fullmatch(r"78-\d{4}-000001", b.reference)
