"""What the field trial found in English or in broken French on the requests pages."""

import datetime as dt

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
    download.close()
