"""How appointments follow a person merge (see people/merge_registry.py)."""

from __future__ import annotations

from relais.appointments.models import Participant
from relais.people import merge_registry
from relais.people.merge_registry import Moved, repoint, repoint_back
from relais.people.models import Person


def move(absorbed: Person, kept: Person) -> dict[str, list]:
    # A registration of the absorbed record on an appointment the kept one already attends stays
    # where it is: the database allows one live registration per person and appointment.
    kept_appointments = set(
        Participant.objects.filter(person=kept)
        .exclude(status=Participant.Status.CANCELLED)
        .values_list("appointment_id", flat=True)
    )
    movable = Participant.objects.filter(person=absorbed).exclude(appointment_id__in=kept_appointments)
    return {"participants": repoint(movable, kept)}


def undo(kept: Person, absorbed: Person, moved: Moved) -> None:
    repoint_back(Participant, moved.get("participants", []), kept, absorbed)


def deals_with(person: Person, organisation_id: int) -> bool:
    return Participant.objects.filter(person=person, appointment__agenda__organisation_id=organisation_id).exists()


def register() -> None:
    merge_registry.register(
        relations=["appointments.Participant.person"], move=move, undo=undo, deals_with=deals_with,
        activity=("rendez-vous", lambda person: Participant.objects.filter(person=person).count()),
    )  # fmt: skip
