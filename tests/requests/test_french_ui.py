"""What the field trial found in English or in broken French on the requests pages."""

import datetime as dt
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relais.notifications.models import OutgoingMessage
from relais.requests.services import RequestActor, request_ask_documents, request_register
from relais.territory.policies import agent_access_scope


def _actor(world):
    return RequestActor(label="Karim Benali", agent=world.agent92, scope=agent_access_scope(world.agent92))


def _register(world, procedure, person, **kwargs):
    values = {"channel": "letter", "subject": "APA pour ma mère", "actor": _actor(world)}
    values.update(kwargs)
    return request_register(procedure=procedure, person=person, **values)


def test_request_history_names_each_status_in_french(world, procedure, person92):
    item = _register(world, procedure, person92)
    request_ask_documents(
        request=item, items="Avis d'imposition", deadline=timezone.localdate() + dt.timedelta(days=15), actor=_actor(world)
    )
    page = world.client_for(world.agent92).get(reverse("requests:detail", args=[item.public_id]))
    history = page.content.decode().split('id="historique"')[1]
    assert "Création → Reçue" in history
    assert "Reçue → Incomplète (pièces demandées)" in history
    for english in ("received", "incomplete", "∅", "assigned", "printed"):
        assert english not in history, english


def test_letters_are_downloaded_and_mailed_under_a_french_name(world, procedure, person92):
    item = _register(world, procedure, person92, channel="email", contact_email="elodie.martin@example.fr")
    expected = f"accuse-de-reception-{item.reference}.pdf"
    sent = OutgoingMessage.objects.get(kind="request_acknowledgement")
    assert sent.attachments[0]["filename"] == expected
    letter = item.letters.get(kind="acknowledgement")
    download = world.client_for(world.agent92).get(reverse("requests:letter", args=[item.public_id, letter.public_id]))
    assert expected in download["Content-Disposition"]
    # Read to the end rather than close(): closing fires request_finished, which on PostgreSQL
    # closes the test's connection under the following requests.
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    citizen = Client().get(reverse("portal_requests:letter", args=[item.tracking_token, letter.public_id]))
    assert expected in citizen["Content-Disposition"]
    assert b"".join(citizen.streaming_content).startswith(b"%PDF")


def test_the_legal_clock_reads_de_rejet_and_counts_days_in_words(world, rejection_procedure, person92):
    item = _register(world, rejection_procedure, person92)
    request_ask_documents(request=item, items="RIB", deadline=timezone.localdate() + dt.timedelta(days=30), actor=_actor(world))
    item.refresh_from_db()
    assert "décision implicite de rejet le" in item.clock_explanation
    assert "délai suspendu 30 jours pendant la demande de pièces" in item.clock_explanation
    page = world.client_for(world.agent92).get(reverse("requests:detail", args=[item.public_id])).content.decode()
    assert "d'rejet" not in page.replace("&#x27;", "'") and "jour(s)" not in page


def test_request_page_speaks_of_its_instructor_and_of_letters_to_print_without_repeating_itself(world, procedure, person92):
    item = _register(world, procedure, person92)  # a letter received by post, no e-mail: answered by post
    page = world.client_for(world.agent92).get(reverse("requests:detail", args=[item.public_id])).content.decode()
    assert "Instructeur : aucun" in page and "non attribuée" not in page
    assert "Courrier postal — à imprimer" in page and "Courrier à imprimer — à imprimer" not in page


def test_queue_filter_is_named_for_what_it_filters(world, procedure, person92):
    page = world.client_for(world.agent92).get(reverse("requests:queue")).content.decode()
    assert '<label for="flag">Échéance ou état</label>' in page and "Signalement" not in page


def test_forwarding_list_tells_apart_two_departements_procedures_of_the_same_name(world, procedure, person92):
    from relais.requests.models import Procedure

    for organisation, service in ((world.org78, world.accueil78), (world.org92, world.pmi92)):
        Procedure.objects.create(
            code=f"{organisation.code}-AGREMENT", name="Agrément d'assistant maternel", organisation=organisation,
            service=service, regime="acceptance", delay_value=3,
        )  # fmt: skip
    item = _register(world, procedure, person92)
    page = world.client_for(world.agent92).get(reverse("requests:detail", args=[item.public_id])).content.decode()
    page = page.replace("&#x27;", "'")
    forward = page.split("Transmettre au service compétent")[1].split("</form>")[0]
    assert '<optgroup label="Département des Yvelines (78)">' in forward
    assert '<optgroup label="Département des Hauts-de-Seine (92)">' in forward
    assert "Agrément d'assistant maternel — Département des Yvelines (78)" in forward
    assert "Agrément d'assistant maternel — Département des Hauts-de-Seine (92)" in forward
    assert "Choisir une procédure" in forward and "---------" not in forward


def test_register_form_offers_no_dashes_as_a_choice(world, procedure, person92):
    page = world.client_for(world.agent92).get(reverse("requests:register", args=[person92.public_id])).content.decode()
    assert "---------" not in page and "Choisir une procédure" in page


def test_online_request_form_speaks_of_a_request_not_of_an_appointment(procedure, client):
    page = client.get(reverse("portal_requests:submit", args=[procedure.code])).content.decode()
    assert "rendez-vous" not in page and "SMS" not in page
    assert "pour instruire ma demande" in page


def test_change_of_status_starts_empty_and_refuses_an_empty_choice(world, procedure, person92):
    item = _register(world, procedure, person92)
    client = world.client_for(world.agent92)
    page = client.get(reverse("requests:detail", args=[item.public_id])).content.decode()
    select = re.search(r'<select name="to_status".*?</select>', page, re.S).group(0)
    assert '<option value="" selected>Choisir un statut</option>' in select and select.count("selected") == 1
    response = client.post(reverse("requests:action", args=[item.public_id, "transition"]), {"to_status": ""}, follow=True)
    assert "Choisissez le nouveau statut de la demande." in response.content.decode()
    item.refresh_from_db()
    assert item.status == "received"


def test_registering_a_request_asks_how_it_arrived(world, procedure, person92):
    client = world.client_for(world.agent92)
    url = reverse("requests:register", args=[person92.public_id])
    select = re.search(r'<select name="channel".*?</select>', client.get(url).content.decode(), re.S).group(0)
    assert '<option value="" selected>Choisir le canal</option>' in select and select.count("selected") == 1
    response = client.post(
        url, {"procedure": procedure.pk, "received_on": timezone.localdate().strftime("%d/%m/%Y"), "subject": "APA"}
    )
    assert "Indiquez comment la demande a été reçue" in response.content.decode().replace("&#x27;", "'")
    assert not person92.requests.exists()


def test_bulk_assignment_needs_an_agent_chosen_and_removes_instructors_only_when_asked(world, procedure, person92):
    from relais.requests.services import request_assign

    item = _register(world, procedure, person92)
    request_assign(request=item, agent=world.agent92, actor=_actor(world))
    client = world.client_for(world.agent92)
    url = reverse("requests:bulk")
    empty = client.post(url, {"selected": [str(item.public_id)], "action": "assign", "agent": ""}, follow=True)
    assert "Choisissez l&#x27;agent à qui attribuer les demandes" in empty.content.decode()
    item.refresh_from_db()
    assert item.assigned_to == world.agent92
    client.post(url, {"selected": [str(item.public_id)], "action": "assign", "agent": "aucun"})
    item.refresh_from_db()
    assert item.assigned_to is None
    outside = client.post(url, {"selected": [str(item.public_id)], "action": "review", "next": "https://example.com/"})
    assert outside["Location"] == reverse("requests:queue")
