"""How survey invitations follow a person merge (see people/merge_registry.py): they move to the
kept record, so that the 30-day rule between two solicitations still holds after the merge.
Answers never point to a person, so nothing else moves."""

from __future__ import annotations

from relais.evaluation.models import SurveyInvitation
from relais.people import merge_registry
from relais.people.merge_registry import Moved, repoint, repoint_back
from relais.people.models import Person


def move(absorbed: Person, kept: Person) -> dict[str, list]:
    return {"survey_invitations": repoint(SurveyInvitation.objects.filter(person=absorbed), kept)}


def undo(kept: Person, absorbed: Person, moved: Moved) -> None:
    repoint_back(SurveyInvitation, moved.get("survey_invitations", []), kept, absorbed)


def register() -> None:
    merge_registry.register(relations=["evaluation.SurveyInvitation.person"], move=move, undo=undo)
