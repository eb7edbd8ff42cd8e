"""How the messages sent to a person follow a person merge (see people/merge_registry.py): the kept
record's timeline shows what was sent to either record, and an undo gives them back. Registered by
the people app: the outbox (notifications) lies beneath it and knows nothing of merges."""

from __future__ import annotations

from relais.notifications.models import OutgoingMessage
from relais.people import merge_registry
from relais.people.merge_registry import Moved, repoint, repoint_back
from relais.people.models import Person


def move(absorbed: Person, kept: Person) -> dict[str, list]:
    return {"outgoing_messages": repoint(OutgoingMessage.objects.filter(person=absorbed), kept)}


def undo(kept: Person, absorbed: Person, moved: Moved) -> None:
    repoint_back(OutgoingMessage, moved.get("outgoing_messages", []), kept, absorbed)


def register() -> None:
    # A message does not make an organisation deal with the person: no deals_with.
    merge_registry.register(relations=["notifications.OutgoingMessage.person"], move=move, undo=undo)
