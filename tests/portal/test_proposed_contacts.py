"""Issue 11, item 2: contact details typed by an unauthenticated citizen never reach a known
person's file until an agent confirms them."""

import datetime as dt
import html

from django.test import Client
from django.urls import reverse

from relais.appointments.models import Appointment
from relais.appointments.services import Actor, appointment_book
from relais.notifications.models import OutgoingMessage
from relais.privacy.models import AccessLog
from relais.requests.models import CitizenRequest
from relais.territory.policies import agent_access_scope
from tests.portal.test_online_booking import IDENTITY, _first_slot, _hold

STRANGER = "inconnu.malveillant@example.fr"


def _known_identity(person92) -> dict:
    person92.birth_date = dt.date(1990, 2, 3)
    person92.save()
    # Name, birth date and the phone on file: enough to be matched, not proof of being the person.
    return {
        "birth_name": "Lefèvre",
        "first_names": "Élodie",
        "birth_date": "03/02/1990",
        "phone": "06 12 34 56 78",
        "consent": "on",
    }


def _file_request(client: Client, procedure, identity: dict) -> CitizenRequest:
    response = client.post(
        reverse("portal_requests:submit", args=[procedure.code]),
        {**identity, "email": STRANGER, "subject": "APA", "details": "Pour moi"},
    )
    assert response.status_code == 302, response.context["form"].errors
    return CitizenRequest.objects.get()


def _emails(person) -> set[str]:
    return set(person.contact_points.filter(kind="email").values_list("value", flat=True))


def test_an_anonymous_request_leaves_the_persons_contacts_alone(world, procedure, booking, person92, client):
    item = _file_request(client, procedure, _known_identity(person92))
    assert item.person == person92
    assert _emails(person92) == {"elodie.martin@example.fr"}
    # The request's own letters still go to the address given with it.
    assert OutgoingMessage.objects.filter(kind="request_acknowledgement", recipient=STRANGER).exists()
    before = set(OutgoingMessage.objects.values_list("pk", flat=True))
    appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92],
        actor=Actor.for_scope(agent_access_scope(world.agent92), booking.motive),
    )  # fmt: skip
    sent = OutgoingMessage.objects.exclude(pk__in=before)
    assert sent.exists() and not sent.filter(recipient=STRANGER).exists()
    assert not OutgoingMessage.objects.filter(recipient=STRANGER, kind__startswith="appointment").exists()


def test_an_agent_sees_and_confirms_the_contact_proposed_online(world, procedure, person92, client):
    _file_request(client, procedure, _known_identity(person92))
    agent = world.client_for(world.agent92)
    page = html.unescape(agent.get(reverse("people:detail", args=[person92.public_id])).content.decode())
    assert "Coordonnées proposées en ligne" in page and STRANGER in page and "Confirmer" in page
    proposal = person92.proposed_contacts.get()
    url = reverse("people:proposed_contact_confirm", args=[person92.public_id, proposal.pk])
    # An agent of another département cannot reach the file, so cannot confirm either.
    assert world.client_for(world.agent78).post(url).status_code == 404
    assert _emails(person92) == {"elodie.martin@example.fr"}
    agent.post(url)
    assert _emails(person92) == {"elodie.martin@example.fr", STRANGER}
    assert AccessLog.objects.filter(
        person_id=person92.pk, action="edit", detail="coordonnée proposée en ligne confirmée", actor_id=world.agent92.pk
    ).exists()
    page = html.unescape(agent.get(reverse("people:detail", args=[person92.public_id])).content.decode())
    assert "Coordonnées proposées en ligne" not in page


def test_an_online_booking_leaves_the_persons_contacts_alone(world, booking, person92, client):
    identity = _known_identity(person92)
    slot = _first_slot(client, booking)
    url = _hold(client, booking, slot)["Location"]
    # Matched on the e-mail on file; the new mobile number is only proposed.
    client.post(url, {**IDENTITY, **identity, "email": "elodie.martin@example.fr", "phone": "06 11 22 33 44"})
    assert Appointment.objects.get().persons.get() == person92
    assert set(person92.contact_points.values_list("value", flat=True)) == {"+33612345678", "elodie.martin@example.fr"}
    assert [p.value for p in person92.proposed_contacts.all()] == ["+33611223344"]


def test_an_online_booking_never_brings_another_organisations_file_into_reach(world, booking, client):
    """Léa is known to the 78 only. Someone books at a 92 agenda with her name, birth date and phone:
    the 92 gets a record of its own (and a pair for a reviewer), never the 78's file."""
    from relais.people.models import MatchPair, Person
    from relais.people.policies import persons_visible
    from tests.people.factories import PersonFactory

    known = PersonFactory(
        birth_name="Durand", first_names="Léa", birth_date=dt.date(1990, 2, 3), organisations=[world.org78],
        phones=["+33611223344"], emails=["lea.durand@example.fr"],
    )  # fmt: skip
    response = _hold(client, booking, _first_slot(client, booking))
    assert client.post(response["Location"], IDENTITY).status_code == 302
    booked = Appointment.objects.get(status="booked").participants.get().person
    assert booked != known
    assert list(known.organisations.values_list("code", flat=True)) == ["78"]
    assert not persons_visible(agent_access_scope(world.agent92)).filter(pk=known.pk).exists()
    pair = MatchPair.objects.get()
    assert {pair.person_a, pair.person_b} == {known, booked}
    assert Person.objects.count() == 2


def test_an_online_request_to_the_92_does_not_reuse_a_file_only_the_78_keeps(world, procedure, person78, client):
    person78.birth_date = dt.date(1985, 6, 1)
    person78.save()
    person78.contact_points.create(kind="phone", value="+33699887766")
    item = _file_request(
        client, procedure,
        {"birth_name": "N'Diaye", "first_names": "Moussa", "birth_date": "01/06/1985", "phone": "06 99 88 77 66", "consent": "on"},
    )  # fmt: skip
    assert item.person != person78
    assert not person78.organisations.filter(code="92").exists()
