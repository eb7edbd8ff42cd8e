"""The appointment lifecycle (relais/appointments/workflow.py), and its status sets declared once."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError

from relais.appointments import workflow
from relais.appointments.models import Appointment
from relais.appointments.services import Actor, appointment_book, appointment_cancel, appointment_set_outcome
from relais.territory.policies import agent_access_scope

S = Appointment.Status

# What the services do today: confirm or let a hold expire; cancel or record the outcome of a
# booking; correct an outcome. Everything else is refused.
EXPECTED = {
    (S.HELD, S.BOOKED),
    (S.HELD, S.EXPIRED),
    (S.BOOKED, S.HONOURED),
    (S.BOOKED, S.NO_SHOW),
    (S.BOOKED, S.CANCELLED_BY_PERSON),
    (S.BOOKED, S.CANCELLED_BY_AGENCY),
    (S.HONOURED, S.NO_SHOW),
    (S.HONOURED, S.BOOKED),
    (S.NO_SHOW, S.HONOURED),
    (S.NO_SHOW, S.BOOKED),
}


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S.values, repeat=2)))
def test_transition_table(source, target):
    assert workflow.allowed(source, target) is ((source, target) in EXPECTED)
    if (source, target) not in EXPECTED:
        with pytest.raises(workflow.TransitionRefused, match="ne peut pas passer"):
            workflow.check(source, target)


def test_every_status_is_in_the_table_and_final_ones_lead_nowhere():
    assert set(workflow.TRANSITIONS) == set(S.values)
    for targets in workflow.TRANSITIONS.values():
        assert set(targets) <= set(S.values)
    for final in (S.CANCELLED_BY_PERSON, S.CANCELLED_BY_AGENCY, S.EXPIRED):
        assert workflow.TRANSITIONS[final] == ()


def test_the_refusal_is_a_validation_error_in_french():
    with pytest.raises(ValidationError) as refused:
        workflow.check(S.CANCELLED_BY_PERSON, S.BOOKED)
    assert refused.value.messages == ["Un rendez-vous « annulé par l'usager » ne peut pas passer à « prévu »."]


def test_status_sets_cover_every_status_once():
    sets = (Appointment.BUSY_STATUSES, Appointment.HOLD_STATUSES, Appointment.CANCELLED_STATUSES)
    assert sorted(itertools.chain(*sets)) == sorted(S.values)
    assert set(workflow.OUTCOMES) == set(Appointment.BUSY_STATUSES)


def test_services_refuse_what_the_table_refuses(world, booking, person92):
    actor = Actor.for_scope(agent_access_scope(world.agent92), booking.motive)
    appointment = appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92], actor=actor
    )
    appointment_cancel(appointment=appointment, actor=actor, by_person=True)
    with pytest.raises(ValidationError, match="ne peut plus être modifié"):
        appointment_cancel(appointment=appointment, actor=actor, by_person=False, reason="Grève")
    with pytest.raises(ValidationError, match="annulé ne peut pas être marqué"):
        appointment_set_outcome(appointment=appointment, status="honoured", actor=actor, now=booking.at(10))
    appointment.refresh_from_db()
    assert appointment.status == S.CANCELLED_BY_PERSON


def test_an_outcome_may_be_recorded_again_and_corrected(world, booking, person92):
    actor = Actor.for_scope(agent_access_scope(world.agent92), booking.motive)
    appointment = appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92], actor=actor
    )
    later = booking.at(10)
    for status in ("honoured", "honoured", "no_show", "booked"):
        assert appointment_set_outcome(appointment=appointment, status=status, actor=actor, now=later).status == status
    assert [event.get_kind_display() for event in appointment.events.all()] == ["Réservé"] + ["Statut modifié"] * 4


def test_live_counts_unexpired_holds_and_busy_appointments(world, booking, person92):
    actor = Actor.for_scope(agent_access_scope(world.agent92), booking.motive)
    booked = appointment_book(motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92], actor=actor)
    now = booking.at(8)
    common = {"motive": booking.motive, "agenda": booking.agenda}
    hold = Appointment.objects.create(
        **common, start=booking.at(10), end=booking.at(10, 30), blocked_until=booking.at(10, 30), status=S.HELD,
        hold_expires_at=now + dt.timedelta(minutes=5),
    )  # fmt: skip
    stale = Appointment.objects.create(
        **common, start=booking.at(11), end=booking.at(11, 30), blocked_until=booking.at(11, 30), status=S.HELD,
        hold_expires_at=now - dt.timedelta(minutes=5),
    )  # fmt: skip
    assert set(Appointment.objects.live(now)) == {booked, hold}
    assert set(Appointment.objects.busy()) == {booked}
    assert set(Appointment.objects.real()) == {booked}
    assert set(Appointment.objects.live_holds(now)) == {hold}
    assert set(Appointment.objects.expired_holds(now)) == {stale}
