"""A sensitive service's content (PMI) reaches nobody outside the service through a side door: the
history of its requests, its appointments' motives, the messages sent for them. Marker texts are
planted in each, then every page and API endpoint is walked as agents outside the service."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from relais.appointments.models import Appointment, Participant
from relais.appointments.services import Actor, appointment_book, opening_save
from relais.notifications.services import message_queue_email
from relais.people.models import PersonOrganisation
from relais.requests.models import Procedure
from relais.requests.services import (
    RequestActor,
    request_ask_documents,
    request_post_message,
    request_register,
    request_transition,
)
from relais.territory.policies import agent_access_scope
from tests.appointments.factories import AgendaFactory, MotiveFactory
from tests.test_permissions_sweep import _fill, _is_public, _project_urls, _values_for, objects  # noqa: F401 - fixture

MARKERS = {
    "request subject": "Zephyrin-objet",
    "request message": "Zephyrin-message",
    "event note": "Zephyrin-note",
    "missing documents": "Zephyrin-pieces",
    "motive": "Zephyrin-motif",
    "message subject": "Zephyrin-courriel",
}


@pytest.fixture
def pmi(world, person92, booking, objects):  # noqa: F811 - the sweep's fixture
    """A PMI request and two PMI appointments (one today) of person92, who is also known to the 78
    and to the CAF, so that every outsider sees the person's file."""
    for organisation in (world.org78, world.caf):
        PersonOrganisation.objects.create(person=person92, organisation=organisation)
    scope = agent_access_scope(world.pmi_agent)
    actor = RequestActor(label="PMI", agent=world.pmi_agent, scope=scope)
    procedure = Procedure.objects.create(
        code="92-PMI-TEST", name="Suivi de grossesse", organisation=world.org92, service=world.pmi92, regime="acceptance", delay_value=2
    )  # fmt: skip
    item = request_register(
        procedure=procedure, person=person92, channel="letter", subject=f"Grossesse {MARKERS['request subject']}",
        actor=actor, contact_email="elodie.martin@example.fr", files=[SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n")],
    )  # fmt: skip
    request_post_message(request=item, body=f"Bonjour {MARKERS['request message']}", actor=actor, from_person=False)
    request_transition(request=item, to_status="under_review", actor=actor, note=f"Suivi {MARKERS['event note']}")
    request_ask_documents(
        request=item, items=f"Échographie {MARKERS['missing documents']}", deadline=timezone.localdate() + dt.timedelta(days=20), actor=actor
    )  # fmt: skip
    agenda = AgendaFactory(
        organisation=world.org92, service=world.pmi92, agent=world.pmi_agent, name="Consultations PMI", site=booking.site
    )
    # Booked by the service only: a motive offered to partners or online is public by design.
    motive = MotiveFactory(service=world.pmi92, name=f"Consultation prénatale {MARKERS['motive']}", bookable_by="agents")
    opening_save(
        scope=scope, agenda=agenda, motives=[motive], weekdays=[0, 1, 2, 3, 4], start_time=dt.time(9), end_time=dt.time(12),
        valid_from=dt.date.today(), site=booking.site,
    )  # fmt: skip
    appointment = appointment_book(
        motive=motive, agenda=agenda, start=booking.at(10), persons=[person92], actor=Actor.for_scope(scope, motive)
    )
    now = timezone.now()
    today = Appointment.objects.create(
        motive=motive, agenda=agenda, site=booking.site, start=now, end=now + dt.timedelta(minutes=30),
        blocked_until=now + dt.timedelta(minutes=30),
    )  # fmt: skip
    Participant.objects.create(appointment=today, person=person92)
    message_queue_email(
        recipient="elodie.martin@example.fr", subject=f"Votre suivi {MARKERS['message subject']}", body="Bonjour",
        kind="appointment_confirmation", person=person92, service=world.pmi92, appointment=appointment,
    )  # fmt: skip
    return {
        **objects, "request": item, "letter": item.letters.first(), "document": item.documents.first(),
        "appointment": appointment, "agenda": agenda, "today": today,
    }  # fmt: skip


def _extra_pages(world, pmi, booking) -> list[str]:
    """Pages whose content depends on the query string: calendars of the PMI agenda and its site."""
    day = booking.day.isoformat()
    agenda, site = pmi["agenda"].public_id, booking.site.pk
    return [
        f"/rendez-vous/?agenda={agenda}&date={day}", f"/rendez-vous/?agenda={agenda}&date={day}&vue=jour",
        f"/rendez-vous/?site={site}&date={day}", f"/rendez-vous/?agenda={agenda}", f"/rendez-vous/aujourdhui/?site={site}",
        f"/usagers/{pmi['person'].public_id}/historique/", f"/usagers/{pmi['person'].public_id}/",
    ]  # fmt: skip


def _body(response) -> bytes:
    if response.streaming:
        # Read to the end, not closed by hand: close() sends request_finished again, whose handler
        # closes a PostgreSQL connection left inside the test's transaction.
        return b"".join(response.streaming_content)
    return response.content


def _assert_no_marker(content: bytes, where: str) -> None:
    text = content.decode("utf-8", "replace")
    for what, marker in MARKERS.items():
        assert marker not in text, f"{where} shows the PMI {what}"


@pytest.mark.parametrize("outsider", ["agent92", "agent78", "caf_agent"])
def test_sensitive_content_never_reaches_agents_outside_the_service(world, booking, pmi, outsider):
    agent = getattr(world, outsider)
    client, api = world.client_for(agent), APIClient()
    api.force_login(agent)
    pages = 0
    for route, name, _ in _project_urls():
        if _is_public(name):
            continue
        url = _fill(route, _values_for(name, pmi)) if "<" in route else "/" + route
        response = (api if route.startswith("api/") else client).get(url)
        _assert_no_marker(_body(response), f"GET {name}")
        pages += response.status_code == 200
    for url in _extra_pages(world, pmi, booking):
        response = client.get(url)
        _assert_no_marker(_body(response), f"GET {url}")
        pages += response.status_code == 200
    assert pages >= 20


def test_the_service_itself_reads_its_content(world, booking, pmi):
    """The sweep above is meaningful: the same pages show the markers to the PMI."""
    client = world.client_for(world.pmi_agent)
    request_page = client.get(f"/demandes/{pmi['request'].public_id}/").content.decode()
    assert MARKERS["event note"] in request_page and MARKERS["missing documents"] in request_page
    assert MARKERS["motive"] in client.get(f"/rendez-vous/{pmi['appointment'].public_id}/").content.decode()
    timeline = client.get(f"/usagers/{pmi['person'].public_id}/historique/").content.decode()
    assert MARKERS["motive"] in timeline


def test_the_department_agent_sees_a_neutral_label_for_a_pmi_appointment(world, booking, pmi):
    client = world.client_for(world.agent92)
    page = client.get(f"/rendez-vous/{pmi['appointment'].public_id}/").content.decode()
    assert "Rendez-vous — service à accès restreint" in page
    api = APIClient()
    api.force_login(world.agent92)
    data = api.get(f"/api/v1/appointments/{pmi['appointment'].public_id}/").json()
    assert data["motive_name"] == "Rendez-vous — service à accès restreint"


def test_the_history_of_a_pmi_request_shows_its_steps_without_their_notes(world, pmi):
    page = world.client_for(world.agent92).get(f"/demandes/{pmi['request'].public_id}/").content.decode()
    assert "Historique" in page and "Incomplète" in page
    assert MARKERS["missing documents"] not in page and MARKERS["event note"] not in page


def test_messages_sent_for_another_organisation_are_not_on_the_timeline(world, person92, objects):  # noqa: F811
    """The 92's RSA appointment confirmation (objects["appointment"]) is not the CAF's business."""
    PersonOrganisation.objects.create(person=person92, organisation=world.caf)
    timeline = world.client_for(world.caf_agent).get(f"/usagers/{person92.public_id}/historique/").content.decode()
    assert "envoyé" not in timeline and "est confirmé" not in timeline
    own = world.client_for(world.agent92).get(f"/usagers/{person92.public_id}/historique/").content.decode()
    assert "E-mail envoyé" in own and "SMS envoyé" in own


def test_a_pmi_message_is_listed_without_its_content_to_the_department(world, pmi):
    timeline = world.client_for(world.agent92).get(f"/usagers/{pmi['person'].public_id}/historique/").content.decode()
    assert (
        "Message d&#x27;un service aux données sensibles" in timeline or "Message d'un service aux données sensibles" in timeline
    )
    _assert_no_marker(timeline.encode(), "timeline")
