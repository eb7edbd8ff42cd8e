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


def _booked_from_the_point(world, visio, person92):
    motive, agenda, point, mediator = visio
    slot = next_free_slots(motive=motive, audience=Audience.PARTNER, count=1)[0]
    params = {"start": slot.start.isoformat(), "agenda": agenda.public_id, "booked_from_site": point.pk}
    world.client_for(mediator).post(_confirm_url(person92, motive), params)
    return Appointment.objects.get()


@pytest.mark.parametrize("who", ["agent92", "manager92"])
def test_other_agents_of_the_points_organisation_may_not_cancel_or_move_a_partner_visio(world, visio, person92, who):
    """The 92's other agents see the visio booked at its point, but only the point's mediators and
    the partner move or cancel it (a colleague in another building cannot empty a CAF agenda)."""
    appointment = _booked_from_the_point(world, visio, person92)
    agent = world.agent92 if who == "agent92" else AgentFactory(memberships=[(world.org92, world.accueil92, "manager")])
    client = world.client_for(agent)
    page = client.get(reverse("appointments:detail", args=[appointment.public_id]))
    assert page.status_code == 200 and not page.context["may_manage"]
    client.post(reverse("appointments:cancel", args=[appointment.public_id]), {"reason": "Absent"})
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert client.get(reverse("appointments:move", args=[appointment.public_id])).status_code == 403


@pytest.mark.parametrize("who", ["mediator", "caf_agent"])
def test_the_points_mediator_and_the_partner_cancel_a_visio(world, visio, person92, who):
    appointment = _booked_from_the_point(world, visio, person92)
    agent = visio[3] if who == "mediator" else world.caf_agent
    client = world.client_for(agent)
    assert client.get(reverse("appointments:detail", args=[appointment.public_id])).context["may_manage"]
    client.post(reverse("appointments:cancel", args=[appointment.public_id]), {"reason": "Empêchement"})
    appointment.refresh_from_db()
    assert appointment.status == "cancelled_by_agency"


def test_an_organisation_token_may_not_cancel_a_visio_booked_at_its_point(world, visio, person92):
    from rest_framework.test import APIClient

    from relais.api.services import api_token_create

    appointment = _booked_from_the_point(world, visio, person92)
    _, raw = api_token_create(organisation=world.org92, name="logiciel du 92")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    url = f"/api/v1/appointments/{appointment.public_id}/"
    assert client.get(url).status_code == 200
    refused = client.patch(url, {"status": "cancelled_by_agency", "cancel_reason": "x"}, format="json")
    assert refused.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == "booked"
