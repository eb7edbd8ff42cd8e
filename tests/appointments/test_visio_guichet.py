"""A visio-guichet booked from a France services point is held at that point: the person is told to
come there (e-mail, SMS, calendar file, pages), and the mediator's point is filled in for them."""

import datetime as dt
import html

import icalendar
import pytest
from django.urls import reverse

from relais.appointments.models import Appointment
from relais.appointments.selectors import Audience, next_free_slots
from relais.appointments.services import opening_save
from relais.notifications.models import OutgoingMessage
from relais.territory.models import Commune, Membership
from relais.territory.policies import agent_access_scope
from tests.appointments.factories import AgendaFactory, MotiveFactory
from tests.territory.factories import AgentFactory


@pytest.fixture
def visio(world):
    """A CAF visio-guichet open to partners, and a mediator of the 92 at the France services point of Clichy."""
    caf_site = world.caf.sites.create(name="Agence CAF de Nanterre", kind="partner_office")
    clichy = Commune.objects.get(name="Clichy")
    point = world.org92.sites.create(
        name="France services de Clichy", kind="service_point", address="80 boulevard Jean Jaurès", commune=clichy
    )
    motive = MotiveFactory(service=world.caf_service, name="Visio-guichet CAF", visio=True, bookable_by="agents_and_partners")
    agenda = AgendaFactory(organisation=world.caf, service=world.caf_service, agent=world.caf_agent, name="Thomas (CAF)")
    opening_save(scope=agent_access_scope(world.caf_agent), agenda=agenda, motives=[motive], weekdays=[0, 1, 2, 3, 4],
                 start_time=dt.time(14), end_time=dt.time(17), valid_from=dt.date.today(), site=caf_site)  # fmt: skip
    mediator = AgentFactory(email="mediateur@hauts-de-seine.fr", memberships=[(world.org92, world.accueil92)])
    Membership.objects.filter(agent=mediator).update(site=point)
    return motive, agenda, point, mediator


def _confirm_url(person, motive):
    return reverse("appointments:book_confirm", args=[person.public_id, motive.public_id])


def test_the_mediator_books_a_visio_guichet_from_their_point(world, visio, person92):
    motive, agenda, point, mediator = visio
    client = world.client_for(mediator)
    slot = next_free_slots(motive=motive, audience=Audience.PARTNER, count=1)[0]
    params = {"start": slot.start.isoformat(), "agenda": agenda.public_id}
    page = client.get(_confirm_url(person92, motive), params)
    assert page.context["form"]["booked_from_site"].value() == point.pk  # pre-filled with the mediator's point
    refused = client.post(_confirm_url(person92, motive), {**params, "booked_from_site": ""})
    assert refused.status_code == 200 and not Appointment.objects.exists()
    assert "Indiquez le point France services où la personne sera installée pour la visio." in html.unescape(
        refused.content.decode()
    )
    client.post(_confirm_url(person92, motive), {**params, "booked_from_site": point.pk})
    appointment = Appointment.objects.get()
    assert appointment.booked_from_site == point

    expected = "en visio-guichet, à l'espace France services de Clichy, 80 boulevard Jean Jaurès, 92110 Clichy"
    email = OutgoingMessage.objects.get(channel="email", kind="appointment_confirmation")
    assert expected in email.body and "Présentez-vous à l'espace France services" in email.body
    assert "Lieu : en visio" not in email.body
    sms = OutgoingMessage.objects.get(channel="sms", kind="appointment_confirmation")
    assert expected in sms.body
    [event] = icalendar.Calendar.from_ical(email.attachments[0]["content"]).walk("VEVENT")
    assert str(event["location"]) == "France services de Clichy, 80 boulevard Jean Jaurès, 92110 Clichy"
    assert appointment.visio_url in str(event["description"])
    detail = html.unescape(client.get(reverse("appointments:detail", args=[appointment.public_id])).content.decode())
    assert f"Rendez-vous {expected}" in detail


def test_an_agent_outside_a_point_may_book_a_visio_for_someone_at_home(world, visio, person92):
    motive, agenda, _point, _mediator = visio
    client = world.client_for(world.agent92)
    slot = next_free_slots(motive=motive, audience=Audience.PARTNER, count=1)[0]
    params = {"start": slot.start.isoformat(), "agenda": agenda.public_id}
    assert client.get(_confirm_url(person92, motive), params).context["form"]["booked_from_site"].value() is None
    client.post(_confirm_url(person92, motive), {**params, "booked_from_site": ""})
    appointment = Appointment.objects.get()
    assert appointment.booked_from_site is None
    email = OutgoingMessage.objects.get(channel="email", kind="appointment_confirmation")
    assert "Lieu : en visio" in email.body and "France services" not in email.body
