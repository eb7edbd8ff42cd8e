import base64
import datetime as dt
from email.message import EmailMessage
from io import StringIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from relais.notifications.models import OutgoingMessage
from relais.people.models import Person
from relais.requests.digest import send_service_digests
from relais.requests.inbound import register_rfc822
from relais.requests.models import CitizenRequest
from relais.requests.services import RequestActor, request_register

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def _register(procedure, person, **kwargs):
    values = {"channel": "email", "subject": "Demande", "actor": RequestActor(label="test")}
    values.update(kwargs)
    return request_register(procedure=procedure, person=person, **values)


def test_queue_orders_by_legal_date_with_flags_and_bulk_assignment(world, procedure, person92):
    today = timezone.localdate()
    late = _register(procedure, person92, received_at=timezone.now() - dt.timedelta(days=70))
    soon = _register(procedure, person92, received_at=timezone.now() - dt.timedelta(days=57))
    fresh = _register(procedure, person92)
    client = world.client_for(world.agent92)
    page = client.get(reverse("requests:queue"))
    rows = list(page.context["page"].object_list)
    assert rows == [late, soon, fresh]
    assert (rows[0].overdue, rows[1].due_soon, rows[2].overdue) == (True, True, False)
    assert [r.pk for r in client.get(reverse("requests:queue"), {"flag": "overdue"}).context["page"].object_list] == [late.pk]
    client.post(
        reverse("requests:bulk"),
        {"selected": [str(late.public_id), str(soon.public_id)], "action": "assign", "agent": world.agent92.pk},
    )
    assert CitizenRequest.objects.filter(assigned_to=world.agent92).count() == 2
    assert today  # the flags above are computed against today in Europe/Paris


def test_other_departements_do_not_see_the_queue_or_the_request(world, procedure, person92):
    item = _register(procedure, person92)
    assert list(world.client_for(world.agent78).get(reverse("requests:queue")).context["page"].object_list) == []
    assert world.client_for(world.agent78).get(reverse("requests:detail", args=[item.public_id])).status_code == 404


def test_agent_asks_for_documents_then_decides_from_the_request_page(world, procedure, person92):
    item = _register(procedure, person92, contact_email="elodie.martin@example.fr")
    client = world.client_for(world.agent92)
    url = reverse("requests:action", args=[item.public_id, "documents"])
    client.post(
        url, {"items": "Avis d'imposition", "deadline": (timezone.localdate() + dt.timedelta(days=15)).strftime("%d/%m/%Y")}
    )
    item.refresh_from_db()
    assert item.status == "incomplete"
    client.post(
        reverse("requests:action", args=[item.public_id, "received"]),
        {"received_on": timezone.localdate().strftime("%d/%m/%Y"), "attachments": [SimpleUploadedFile("avis.pdf", PDF)]},
    )
    client.post(
        reverse("requests:action", args=[item.public_id, "transition"]), {"to_status": "rejected", "note": ""}, follow=True
    )
    item.refresh_from_db()
    assert item.status == "complete"  # a rejection needs its reasons
    client.post(
        reverse("requests:action", args=[item.public_id, "transition"]), {"to_status": "accepted", "note": "Dossier complet"}
    )
    item.refresh_from_db()
    assert item.status == "accepted"
    page = client.get(reverse("requests:detail", args=[item.public_id]))
    assert page.status_code == 200 and "Notification de décision" in page.content.decode()
    letter = item.letters.get(kind="decision")
    download = client.get(reverse("requests:letter", args=[item.public_id, letter.public_id]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    download.close()


def test_agent_registers_a_letter_with_its_scan_and_a_past_receipt_date(world, procedure, person92):
    client = world.client_for(world.agent92)
    received = timezone.localdate() - dt.timedelta(days=3)
    response = client.post(
        reverse("requests:register", args=[person92.public_id]),
        {
            "procedure": procedure.pk,
            "channel": "letter",
            "received_on": received.strftime("%d/%m/%Y"),
            "subject": "Courrier APA",
            "attachments": [SimpleUploadedFile("courrier.pdf", PDF)],
        },
    )
    item = CitizenRequest.objects.get()
    assert response["Location"] == reverse("requests:detail", args=[item.public_id])
    assert item.received_on == received and item.documents.get().kind == "scan" and item.letters.get().sent_by == "post"
    future = client.post(
        reverse("requests:register", args=[person92.public_id]),
        {
            "procedure": procedure.pk,
            "channel": "letter",
            "received_on": (timezone.localdate() + dt.timedelta(days=2)).strftime("%d/%m/%Y"),
            "subject": "x",
        },
    )
    assert "futur" in " ".join(future.context["form"].errors["received_on"])


def test_citizen_submits_online_and_follows_on_the_tracking_page(world, procedure, client):
    page = client.get(reverse("portal_requests:procedures"))
    assert procedure in page.context["procedures"]
    response = client.post(
        reverse("portal_requests:submit", args=[procedure.code]),
        {"birth_name": "Durand", "first_names": "Léa", "birth_date": "03/02/1960", "email": "lea.durand@example.fr", "consent": "on",
         "subject": "APA", "details": "Pour moi", "q_gir": "4", "attachments": [SimpleUploadedFile("avis.pdf", PDF)]},
    )  # fmt: skip
    item = CitizenRequest.objects.get()
    assert response["Location"] == reverse("portal_requests:submitted", args=[item.tracking_token])
    assert item.channel == "online_form" and item.form_data == {"gir": "4"} and item.documents.count() == 1
    assert OutgoingMessage.objects.filter(kind="request_registration", recipient="lea.durand@example.fr").exists()
    track = client.get(reverse("portal_requests:track", args=[item.tracking_token]))
    assert track.context["item"] == item and "Reçue" in track.content.decode()
    client.post(reverse("portal_requests:message", args=[item.tracking_token]), {"body": "Faut-il un certificat médical ?"})
    assert item.messages.get().from_person


def test_tracking_page_takes_the_missing_documents_and_refuses_bad_files(world, procedure, person92, client):
    from relais.requests.services import request_ask_documents
    from relais.territory.policies import agent_access_scope

    item = _register(procedure, person92)
    request_ask_documents(request=item, items="RIB", deadline=timezone.localdate() + dt.timedelta(days=10),
                          actor=RequestActor(label="agent", agent=world.agent92, scope=agent_access_scope(world.agent92)))  # fmt: skip
    url = reverse("portal_requests:upload", args=[item.tracking_token])
    bad = client.post(url, {"attachments": [SimpleUploadedFile("rib.exe", b"MZ" + b"\x00" * 50)]})
    assert bad.status_code == 422 and "n'est pas d'un type accepté" in bad.content.decode().replace("&#x27;", "'")
    client.post(url, {"attachments": [SimpleUploadedFile("rib.pdf", PDF)]})
    item.refresh_from_db()
    assert item.status == "complete" and item.implicit_decision_date is not None
    page = client.get(reverse("portal_requests:track", args=[item.tracking_token])).content.decode()
    assert "Pièces que vous avez envoyées" in page and "rib.pdf — pièce complémentaire reçue le" in page
    assert "rib.exe" not in page  # refused, so never received


def test_unknown_tracking_links_are_404(client, db):
    assert client.get(reverse("portal_requests:track", args=["x" * 30])).status_code == 404


def _token(code="92", *service):
    out = StringIO()
    name = f"courrier {service[-1]}" if service else "courrier"
    call_command("create_api_token", "--organisation", code, "--name", name, *service, stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    return client


def test_api_creates_reads_and_moves_a_request(world, procedure, person92):
    client = _token()
    assert client.get("/api/v1/procedures/").json()[0]["code"] == "92-APA-DOMICILE"
    created = client.post(
        "/api/v1/requests/",
        {"procedure": procedure.code, "person": str(person92.public_id), "channel": "phone", "subject": "Appel APA"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["reference"].startswith("92-")
    url = f"/api/v1/requests/{created.json()['id']}/transitions/"
    refused = client.post(url, {"to": "closed"}, format="json")
    assert refused.status_code == 409 and "ne peut pas passer" in refused.json()["detail"]
    asked = client.post(
        url,
        {"to": "incomplete", "items": "RIB", "deadline": (timezone.localdate() + dt.timedelta(days=10)).isoformat()},
        format="json",
    )
    assert asked.json()["status"] == "incomplete" and asked.json()["implicit_decision_date"] is None
    assert client.post(url, {"to": "documents_received"}, format="json").json()["status"] == "complete"
    assert _token("78").get(f"/api/v1/requests/{created.json()['id']}/").status_code == 404


def test_inbound_email_endpoint_and_rfc822_become_requests(world, procedure, person92):
    client = _token("92", "--service", "92-ACCUEIL")  # the mail server's token of the recipient service
    body = {
        "to": "autonomie@hauts-de-seine.fr", "from": "elodie.martin@example.fr", "subject": "Demande d'APA", "text": "Bonjour…",
        "attachments": [{"filename": "avis.pdf", "content_type": "application/pdf", "content_base64": base64.b64encode(PDF).decode()}],
    }  # fmt: skip
    response = client.post("/api/v1/inbound-email/", body, format="json")
    assert response.status_code == 201, response.json()
    item = CitizenRequest.objects.get()
    assert item.person == person92 and item.channel == "email" and item.documents.count() == 1  # found by e-mail address
    assert client.post("/api/v1/inbound-email/", {**body, "to": "inconnu@example.fr"}, format="json").status_code == 403
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        "Jean Dupuis <jean.dupuis@example.fr>",
        "autonomie@hauts-de-seine.fr",
        "APA",
    )
    message["Date"] = "Mon, 12 Jan 2026 09:15:00 +0100"
    message.set_content("Je souhaite déposer une demande d'APA.")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="avis.pdf")
    second = register_rfc822(message.as_bytes())
    assert second.received_on == dt.date(2026, 1, 12) and second.documents.count() == 1
    assert Person.objects.get(birth_name="Dupuis").first_names == "Jean"


def test_daily_digest_lists_what_reaches_its_date(world, procedure, person92):
    _register(procedure, person92, received_at=timezone.now() - dt.timedelta(days=70))
    assert send_service_digests(today=timezone.localdate()) == 1
    assert send_service_digests(today=timezone.localdate()) == 1  # the same day: the dedupe key keeps one e-mail
    digest = OutgoingMessage.objects.get(kind="requests_digest")
    assert digest.recipient == "autonomie@hauts-de-seine.fr" and "Échéance atteinte" in digest.body


def test_indicators_show_the_share_decided_in_time(world, procedure, person92):
    from relais.requests.services import request_transition
    from relais.territory.policies import agent_access_scope
    from tests.territory.factories import AgentFactory

    actor = RequestActor(label="a", agent=world.agent92, scope=agent_access_scope(world.agent92))
    decided = _register(procedure, person92)
    request_transition(request=decided, to_status="accepted", actor=actor)
    _register(procedure, person92)
    manager = AgentFactory(email="responsable92@hauts-de-seine.fr", memberships=[(world.org92, world.accueil92, "manager")])
    page = world.client_for(manager).get(reverse("requests:indicators"))
    assert page.context["data"].decided == 1 and page.context["data"].in_time_share == 1.0


def test_online_form_and_agent_pages_render(world, procedure, person92, client):
    assert client.get(reverse("portal_requests:submit", args=[procedure.code])).status_code == 200
    agent = world.client_for(world.agent92)
    assert agent.get(reverse("requests:register", args=[person92.public_id])).status_code == 200
    item = _register(procedure, person92)
    assert agent.get(reverse("requests:detail", args=[item.public_id])).status_code == 200
    assert agent.get(reverse("people:detail", args=[person92.public_id])).status_code == 200


def test_a_token_without_the_pmi_service_neither_reads_nor_decides_its_requests(world, person92):
    """An organisation-wide token of the 92 sees that a PMI request exists but not its subject, so it
    may not reject it either: decisions on a sensitive service's requests need that service's scope."""
    from relais.requests.models import Procedure

    pmi = Procedure.objects.create(
        code="92-PMI-AGREMENT", name="Agrément d'assistant maternel", organisation=world.org92, service=world.pmi92,
        regime="acceptance", delay_value=3,
    )  # fmt: skip
    item = _register(pmi, person92, subject="Suivi de grossesse")
    url = f"/api/v1/requests/{item.public_id}/transitions/"
    organisation_token = _token("92")
    read = organisation_token.get(f"/api/v1/requests/{item.public_id}/").json()
    assert read["subject"] is None
    refused = organisation_token.post(url, {"to": "rejected", "note": "Non"}, format="json")
    assert refused.status_code == 403 and "service compétent" in refused.json()["detail"]
    item.refresh_from_db()
    assert item.status == "received"
    pmi_token = _token("92", "--service", "92-PMI")
    assert pmi_token.post(url, {"to": "under_review"}, format="json").json()["status"] == "under_review"


def test_an_organisation_token_does_not_record_exchanges_for_a_sensitive_service(world, person92):
    client = _token("92")
    body = {
        "persons": [str(person92.public_id)],
        "channel": "call_in",
        "occurred_at": timezone.now().isoformat(),
        "summary": "Appel",
    }
    refused = client.post("/api/v1/exchanges/", {**body, "service": world.pmi92.code}, format="json")
    assert refused.status_code == 400
    accepted = client.post("/api/v1/exchanges/", {**body, "service": world.accueil92.code}, format="json")
    assert accepted.status_code == 201, accepted.json()
