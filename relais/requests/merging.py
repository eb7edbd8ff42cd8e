"""How requests follow a person merge (see people/merge_registry.py)."""

from __future__ import annotations

from relais.people import merge_registry
from relais.people.merge_registry import Moved, repoint, repoint_back
from relais.people.models import Person
from relais.requests.models import CitizenRequest


def move(absorbed: Person, kept: Person) -> dict[str, list]:
    return {"requests": repoint(CitizenRequest.objects.filter(person=absorbed), kept)}


def undo(kept: Person, absorbed: Person, moved: Moved) -> None:
    repoint_back(CitizenRequest, moved.get("requests", []), kept, absorbed)


def deals_with(person: Person, organisation_id: int) -> bool:
    return CitizenRequest.objects.filter(person=person, organisation_id=organisation_id).exists()


def register() -> None:
    merge_registry.register(
        relations=["requests.CitizenRequest.person"], move=move, undo=undo, deals_with=deals_with,
        activity=("demandes", lambda person: CitizenRequest.objects.filter(person=person).count()),
    )  # fmt: skip
