import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from relais.appointments.models import Appointment, Participant
from relais.appointments.selectors import Audience, free_slots, next_free_slots
from relais.appointments.services import (
    Actor,
    HoldExpired,
    SlotTaken,
    absence_save,
    appointment_book,
    appointment_cancel,
    appointment_confirm_hold,
    appointment_hold,
    appointment_move,
    appointment_set_outcome,
    session_create,
    session_register,
    session_unregister,
)
from relais.people.models import PersonOrganisation
from relais.territory.policies import agent_access_scope
from tests.appointments.factories import AgendaFactory, MotiveFactory
from tests.people.factories import PersonFactory


def agent_actor(world, booking):
    return Actor.for_scope(agent_access_scope(world.agent92), booking.motive)


def test_free_slots_follow_openings_and_existing_appointments(world, booking, person92):
    day = booking.day
    slots = free_slots(motive=booking.motive, start=booking.at(0), end=booking.at(23))
    assert [s.local_start.strftime("%H:%M") for s in slots] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(10), persons=[person92], actor=agent_actor(world, booking)
    )
    slots = free_slots(motive=booking.motive, start=booking.at(0), end=booking.at(23))
    assert booking.at(10) not in [s.start for s in slots] and len(slots) == 5
    assert all(s.start.date() == day for s in slots)


def test_booking_the_same_slot_twice_is_refused_with_the_next_free_slots(world, booking, person92, person78):
    actor = agent_actor(world, booking)
    appointment_book(motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92], actor=actor)
    with pytest.raises(SlotTaken) as taken:
        appointment_book(motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92], actor=actor)
    assert str(taken.value) == "Ce créneau vient d'être réservé."
    assert taken.value.next_slots[0].start == booking.at(9, 30)
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    ("hour", "audience", "message"),
    [
        (13, Audience.AGENT, "en dehors des plages d'ouverture"),
        (-1, Audience.AGENT, "déjà passé"),
    ],
)
def test_refused_slots_say_why(world, booking, person92, hour, audience, message):
    start = booking.at(hour) if hour >= 0 else booking.at(9, day=dt.date.today() - dt.timedelta(days=7))
    with pytest.raises(ValidationError, match=message):
        appointment_book(
            motive=booking.motive, agenda=booking.agenda, start=start, persons=[person92], actor=agent_actor(world, booking)
        )


def test_online_booking_respects_minimum_and_maximum_delays(world, booking):
    booking.motive.min_booking_delay_minutes = 3 * 24 * 60
    booking.motive.max_booking_delay_days = 30
    booking.motive.save()
    soon = booking.at(9, day=dt.date.today() + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="au moins 72 heures à l'avance"):
        appointment_hold(motive=booking.motive, agenda=booking.agenda, start=soon)
    with pytest.raises(ValidationError, match="au plus 30 jours"):
        appointment_hold(
            motive=booking.motive, agenda=booking.agenda, start=booking.at(9, day=dt.date.today() + dt.timedelta(days=45))
        )


def test_absences_remove_slots(world, booking):
    absence_save(
        scope=agent_access_scope(world.agent92),
        agenda=booking.agenda,
        starts_at=booking.at(9),
        ends_at=booking.at(11),
        reason="Formation",
    )
    slots = free_slots(motive=booking.motive, start=booking.at(0), end=booking.at(23))
    assert [s.local_start.strftime("%H:%M") for s in slots] == ["11:00", "11:30"]


def test_a_hold_keeps_the_slot_for_ten_minutes_then_frees_it(world, booking, person92):
    now = booking.at(8, day=booking.day - dt.timedelta(days=3))
    hold = appointment_hold(motive=booking.motive, agenda=booking.agenda, start=booking.at(9), now=now)
    assert booking.at(9) not in [
        s.start for s in free_slots(motive=booking.motive, start=booking.at(0), end=booking.at(23), now=now)
    ]
    with pytest.raises(SlotTaken):
        appointment_book(
            motive=booking.motive,
            agenda=booking.agenda,
            start=booking.at(9),
            persons=[person92],
            actor=agent_actor(world, booking),
            now=now,
        )
    later = now + dt.timedelta(minutes=11)
    assert booking.at(9) in [
        s.start for s in free_slots(motive=booking.motive, start=booking.at(0), end=booking.at(23), now=later)
    ]
    with pytest.raises(HoldExpired):
        appointment_confirm_hold(hold=hold, persons=[person92], now=later)
    taken = appointment_book(
        motive=booking.motive,
        agenda=booking.agenda,
        start=booking.at(9),
        persons=[person92],
        actor=agent_actor(world, booking),
        now=later,
    )
    assert taken.status == "booked"
    hold.refresh_from_db()
    assert hold.status == "expired"


def test_confirming_a_hold_twice_makes_one_appointment(world, booking, person92):
    now = booking.at(8, day=booking.day - dt.timedelta(days=3))
    hold = appointment_hold(motive=booking.motive, agenda=booking.agenda, start=booking.at(9), now=now)
    first = appointment_confirm_hold(hold=hold, persons=[person92], now=now + dt.timedelta(minutes=2))
    second = appointment_confirm_hold(hold=hold, persons=[person92], now=now + dt.timedelta(minutes=3))
    assert first.pk == second.pk and Participant.objects.count() == 1


def test_move_cancel_and_outcomes_are_recorded_in_the_history(world, booking, person92):
    actor = agent_actor(world, booking)
    appointment = appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92], actor=actor
    )
    appointment = appointment_move(appointment=appointment, start=booking.at(11), actor=actor)
    assert appointment.start == booking.at(11) and appointment.version == 2
    assert booking.at(9) in [s.start for s in free_slots(motive=booking.motive, start=booking.at(0), end=booking.at(23))]
    with pytest.raises(ValidationError, match="à venir ne peut pas encore"):
        appointment_set_outcome(appointment=appointment, status="honoured", actor=actor)
    with pytest.raises(ValidationError, match="motif de l'annulation"):
        appointment_cancel(appointment=appointment, actor=actor, by_person=False)
    appointment_cancel(appointment=appointment, actor=actor, by_person=False, reason="Agent malade")
    assert [event.kind for event in appointment.events.all()] == ["booked", "moved", "cancelled"]
    assert booking.at(11) in [s.start for s in free_slots(motive=booking.motive, start=booking.at(0), end=booking.at(23))]


def test_outcome_once_the_appointment_has_started(world, booking, person92):
    actor = agent_actor(world, booking)
    appointment = appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92], actor=actor
    )
    after = booking.at(10)
    assert appointment_set_outcome(appointment=appointment, status="no_show", actor=actor, now=after).status == "no_show"


def test_partner_agenda_booked_by_a_mediator_records_both_and_shares_the_person(world, person78):
    caf_site = world.caf.sites.create(name="Agence CAF de Nanterre", kind="partner_office")
    point = world.org78.sites.create(name="France services des Mureaux", kind="service_point")
    visio = MotiveFactory(service=world.caf_service, name="Visio-guichet CAF", visio=True, bookable_by="agents_and_partners")
    agenda = AgendaFactory(organisation=world.caf, service=world.caf_service, agent=world.caf_agent, name="Thomas (CAF)")
    from relais.appointments.services import opening_save

    opening_save(scope=agent_access_scope(world.caf_agent), agenda=agenda, motives=[visio], weekdays=[0, 1, 2, 3, 4],
                 start_time=dt.time(14), end_time=dt.time(17), valid_from=dt.date.today(), site=caf_site)  # fmt: skip
    mediator = agent_access_scope(world.agent78)
    slot = next_free_slots(motive=visio, audience=Audience.PARTNER, count=1)[0]
    appointment = appointment_book(
        motive=visio,
        agenda=agenda,
        start=slot.start,
        persons=[person78],
        actor=Actor.for_scope(mediator, visio),
        booked_from_site=point,
    )
    assert appointment.visio_url.startswith("https://meet.jit.si/Relais-") and appointment.booked_from_site == point
    assert PersonOrganisation.objects.filter(person=person78, organisation=world.caf).exists()
    # The next free slot (not "slot + 30 min", which falls after closing when the first is the day's last).
    next_slot = next_free_slots(motive=visio, audience=Audience.PARTNER, count=1)[0]
    other = appointment_book(
        motive=visio,
        agenda=agenda,
        start=next_slot.start,
        persons=[person78],
        actor=Actor.for_scope(mediator, visio),
    )
    assert other.visio_url != appointment.visio_url


def test_agents_cannot_book_motives_reserved_to_another_service(world, booking, person78):
    booking.motive.bookable_by = "agents"
    booking.motive.save()
    with pytest.raises(PermissionDenied):
        appointment_book(
            motive=booking.motive,
            agenda=booking.agenda,
            start=booking.at(9),
            persons=[person78],
            actor=Actor.for_scope(agent_access_scope(world.agent78), booking.motive),
        )


def test_collective_session_fills_then_waiting_list_is_promoted_on_cancellation(world, booking):
    meeting = MotiveFactory(service=world.accueil92, name="Réunion d'information RSA", collective=True, default_capacity=2)
    booking.agenda.openings.first().motives.add(meeting)
    actor = agent_actor(world, booking)
    session = session_create(motive=meeting, agenda=booking.agenda, start=booking.at(9), actor=actor)
    people = [PersonFactory(organisations=[world.org92]) for _ in range(4)]
    registrations = [session_register(session=session, person=person, actor=actor) for person in people]
    assert [r.waiting for r in registrations] == [False, False, True, True]
    assert sorted(session.participants.filter(status="registered").values_list("seat", flat=True)) == [1, 2]
    promoted = session_unregister(participant=registrations[0].participant, actor=actor)
    assert promoted.person == people[2] and promoted.seat == 1
    with pytest.raises(ValidationError, match="déjà inscrite"):
        session_register(session=session, person=people[1], actor=actor)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_slot_exactly_one_wins(world, booking):
    """Eight threads, each with its own PostgreSQL connection, book the same slot at once."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven against PostgreSQL")
    persons = [PersonFactory(organisations=[world.org92]) for _ in range(8)]
    actor = agent_actor(world, booking)
    barrier = threading.Barrier(len(persons))
    outcomes: list[str] = []

    def attempt(person):
        from django.db import connections

        try:
            barrier.wait()
            appointment_book(motive=booking.motive, agenda=booking.agenda, start=booking.at(10), persons=[person], actor=actor)
            outcomes.append("booked")
        except SlotTaken:
            outcomes.append("taken")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(person,)) for person in persons]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["taken"] * 7
    assert Appointment.objects.filter(start=booking.at(10), status="booked").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_itself_refuses_overlapping_appointments(world, booking, person92):
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL")
    from django.db import IntegrityError

    appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(10), persons=[person92], actor=agent_actor(world, booking)
    )
    with pytest.raises(IntegrityError, match="appointment_no_overlap"):
        Appointment.objects.create(
            motive=booking.motive,
            agenda=booking.agenda,
            start=booking.at(10, 15),
            end=booking.at(10, 45),
            blocked_until=booking.at(10, 45),
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_exceed_capacity(world, booking):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven against PostgreSQL")
    meeting = MotiveFactory(service=world.accueil92, name="Atelier", collective=True, default_capacity=3)
    booking.agenda.openings.first().motives.add(meeting)
    actor = agent_actor(world, booking)
    session = session_create(motive=meeting, agenda=booking.agenda, start=booking.at(9), actor=actor)
    persons = [PersonFactory(organisations=[world.org92]) for _ in range(8)]
    barrier = threading.Barrier(len(persons))

    def attempt(person):
        from django.db import connections

        try:
            barrier.wait()
            session_register(session=session, person=person, actor=actor)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(person,)) for person in persons]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert session.participants.filter(status="registered").count() == 3
    assert session.participants.filter(status="waiting").count() == 5


def _recomputed(booking, now):
    """Slots laid out from the windows and appointments, without the precomputed table."""
    from relais.appointments.calendar import free_starts
    from relais.appointments.models import AgendaWindow

    busy = list(
        Appointment.objects.live(now).filter(agenda=booking.agenda).order_by("start").values_list("start", "blocked_until")
    )
    duration = dt.timedelta(minutes=booking.motive.duration_minutes)
    starts = []
    for window in AgendaWindow.objects.filter(agenda=booking.agenda, start__gte=booking.at(0), start__lt=booking.at(23)).order_by(
        "start"
    ):
        starts += list(free_starts(window.start, window.end, busy, duration, dt.timedelta(0), window.start, window.end))
    return starts


def test_precomputed_availability_follows_every_write(world, booking, person92):
    actor = agent_actor(world, booking)
    now = booking.at(7, day=booking.day - dt.timedelta(days=2))

    def precomputed():
        return [s.start for s in free_slots(motive=booking.motive, start=booking.at(0), end=booking.at(23), now=now)]

    first = appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9, 30), persons=[person92], actor=actor, now=now
    )
    second = appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(11), persons=[person92], actor=actor, now=now
    )
    assert precomputed() == _recomputed(booking, now)
    appointment_move(appointment=first, start=booking.at(10, 30), actor=actor, now=now)
    assert precomputed() == _recomputed(booking, now)
    appointment_cancel(appointment=second, actor=actor, by_person=True)
    assert precomputed() == _recomputed(booking, now)
    absence_save(
        scope=agent_access_scope(world.agent92), agenda=booking.agenda, starts_at=booking.at(9), ends_at=booking.at(9, 45)
    )
    assert precomputed() == _recomputed(booking, now) == [booking.at(9, 45), booking.at(11, 0), booking.at(11, 30)]
