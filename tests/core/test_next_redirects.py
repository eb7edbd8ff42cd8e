"""Every `next` a form posts is followed only when it stays on the site."""

import pytest
from django.urls import reverse

from relais.appointments.services import Actor, appointment_book
from relais.requests.services import RequestActor, request_register
from relais.territory.policies import agent_access_scope
from tests.exchanges.factories import ExchangeFactory

OFF_SITE = ["https://evil.example/piege", "//evil.example/piege", "javascript:alert(1)", "https:///evil.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_bulk_request_actions_stay_on_the_site(world, procedure, person92, target):
    actor = RequestActor(label="Accueil", agent=world.agent92, scope=agent_access_scope(world.agent92))
    item = request_register(procedure=procedure, person=person92, channel="letter", subject="Demande", actor=actor)
    client = world.client_for(world.agent92)
    url = reverse("requests:bulk")
    response = client.post(url, {"selected": [str(item.public_id)], "action": "review", "next": target})
    assert response["Location"] == reverse("requests:queue")
    kept = client.post(url, {"selected": [str(item.public_id)], "action": "review", "next": "/demandes/?statut=recue"})
    assert kept["Location"] == "/demandes/?statut=recue"


@pytest.mark.parametrize("target", OFF_SITE)
def test_closing_a_follow_up_stays_on_the_site(world, person92, target):
    exchange = ExchangeFactory(
        persons=[person92], agent=world.agent92, service=world.accueil92, organisation=world.org92, follow_up="Rappeler"
    )
    response = world.client_for(world.agent92).post(
        reverse("exchanges:close_follow_up", args=[exchange.public_id]), {"next": target}
    )
    assert response["Location"] == reverse("workspace:my_day")


@pytest.mark.parametrize("target", OFF_SITE)
def test_marking_an_appointment_stays_on_the_site(world, booking, person92, target):
    appointment = appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92],
        actor=Actor.for_scope(agent_access_scope(world.agent92), booking.motive),
    )  # fmt: skip
    url = reverse("appointments:set_outcome", args=[appointment.public_id])
    response = world.client_for(world.agent92).post(url, {"status": "honoured", "next": target})
    assert response["Location"] == reverse("appointments:detail", args=[appointment.public_id])
