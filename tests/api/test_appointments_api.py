import datetime as dt
import uuid
from io import StringIO

from django.core.management import call_command
from rest_framework.test import APIClient

from relais.appointments.models import Appointment
from relais.people.models import Person
from tests.appointments.factories import MotiveFactory


def _client(code="92"):
    out = StringIO()
    call_command("create_api_token", "--organisation", code, "--name", f"outil-{uuid.uuid4().hex[:6]}", stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    return client


def test_motives_and_slots(world, booking):
    client = _client()
    motives = client.get("/api/v1/motives/").json()
    motive = next(m for m in motives if m["id"] == str(booking.motive.public_id))
    assert motive["service"] == "92-ACCUEIL" and motive["sites"] == [{"id": booking.site.pk, "name": booking.site.name}]
    slots = client.get(
        "/api/v1/slots/",
        {
            "motive": motive["id"],
            "site": booking.site.pk,
            "start": booking.day.isoformat(),
            "end": (booking.day + dt.timedelta(days=1)).isoformat(),
        },
    ).json()
    assert [s["start"][11:16] for s in slots] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert slots[0]["agenda"] == str(booking.agenda.public_id)
    assert client.get("/api/v1/slots/", {"motive": motive["id"], "start": "2026-01-01", "end": "2026-06-01"}).status_code == 400


def test_booking_is_idempotent_and_a_taken_slot_is_409(world, booking, person92):
    client = _client()
    body = {
        "motive": str(booking.motive.public_id),
        "agenda": str(booking.agenda.public_id),
        "start": booking.at(9).isoformat(),
        "person": str(person92.public_id),
    }
    first = client.post("/api/v1/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="resa-1")
    assert first.status_code == 201, first.json()
    again = client.post("/api/v1/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="resa-1")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Appointment.objects.count() == 1
    taken = client.post("/api/v1/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="resa-2")
    assert taken.status_code == 409 and taken.json()["detail"] == "Ce créneau vient d'être réservé."
    assert taken.json()["next_slots"][0]["start"][11:16] == "09:30"
    reused = client.post(
        "/api/v1/appointments/", {**body, "start": booking.at(10).isoformat()}, format="json", HTTP_IDEMPOTENCY_KEY="resa-1"
    )
    assert reused.status_code == 422


def test_an_idempotency_key_is_forgotten_after_its_days(world, booking, person92, settings):
    from django.utils import timezone

    from relais.api.idempotency import idempotency_keys_purge
    from relais.api.models import IdempotencyKey

    client = _client()
    body = {
        "motive": str(booking.motive.public_id), "agenda": str(booking.agenda.public_id),
        "start": booking.at(9).isoformat(), "person": str(person92.public_id),
    }  # fmt: skip
    assert client.post("/api/v1/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="resa-1").status_code == 201
    later = timezone.now() + dt.timedelta(days=settings.IDEMPOTENCY_KEY_DAYS, minutes=1)
    assert idempotency_keys_purge(older_than_days=settings.IDEMPOTENCY_KEY_DAYS, now=later - dt.timedelta(minutes=2)) == 0
    assert idempotency_keys_purge(older_than_days=settings.IDEMPOTENCY_KEY_DAYS, now=later) == 1
    # The key is free again: the same body now meets its own booking and is refused as taken.
    assert client.post("/api/v1/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="resa-1").status_code == 409
    assert IdempotencyKey.objects.get().status_code == 409


def test_booking_for_a_new_person_creates_them(world, booking):
    client = _client()
    body = {
        "motive": str(booking.motive.public_id), "agenda": str(booking.agenda.public_id), "start": booking.at(10).isoformat(),
        "new_person": {"birth_name": "Traoré", "first_names": "Awa", "phones": ["06 55 44 33 22"]},
    }  # fmt: skip
    response = client.post("/api/v1/appointments/", body, format="json")
    assert response.status_code == 201
    assert Person.objects.get().organisations.get() == world.org92


def test_read_cancel_and_move_through_the_api(world, booking, person92):
    client = _client()
    body = {
        "motive": str(booking.motive.public_id),
        "agenda": str(booking.agenda.public_id),
        "start": booking.at(9).isoformat(),
        "person": str(person92.public_id),
    }
    created = client.post("/api/v1/appointments/", body, format="json").json()
    url = f"/api/v1/appointments/{created['id']}/"
    assert client.get(url).json()["persons"] == [str(person92.public_id)]
    moved = client.patch(url, {"start": booking.at(11).isoformat()}, format="json")
    assert moved.status_code == 200 and moved.json()["start"][11:16] == "11:00"
    refused = client.patch(url, {"status": "cancelled_by_agency"}, format="json")
    assert refused.status_code == 400 and "motif de l'annulation" in str(refused.json())
    cancelled = client.patch(url, {"status": "cancelled_by_agency", "cancel_reason": "Grève"}, format="json")
    assert cancelled.json()["status"] == "cancelled_by_agency"
    assert _client("78").get(url).status_code == 404


def test_sessions_and_registrations(world, booking, person92):
    from relais.appointments.services import Actor, session_create
    from relais.territory.policies import agent_access_scope

    meeting = MotiveFactory(service=world.accueil92, name="Atelier numérique", collective=True, default_capacity=1)
    booking.agenda.openings.first().motives.add(meeting)
    session = session_create(
        motive=meeting,
        agenda=booking.agenda,
        start=booking.at(10),
        actor=Actor.for_scope(agent_access_scope(world.agent92), meeting),
    )
    client = _client()
    listed = client.get("/api/v1/sessions/", {"motive": str(meeting.public_id)}).json()
    assert listed[0]["id"] == str(session.public_id) and listed[0]["capacity"] == 1
    url = f"/api/v1/sessions/{session.public_id}/registrations/"
    assert client.post(url, {"person": str(person92.public_id)}, format="json").json() == {"status": "registered", "seat": 1}
    from tests.people.factories import PersonFactory

    other = PersonFactory(organisations=[world.org92])
    assert client.post(url, {"person": str(other.public_id)}, format="json").json() == {"status": "waiting", "seat": None}


def test_schema_documents_the_appointment_endpoints(client, db):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {
        "/api/v1/motives/",
        "/api/v1/slots/",
        "/api/v1/appointments/",
        "/api/v1/appointments/{public_id}/",
        "/api/v1/sessions/",
    } <= set(paths)
