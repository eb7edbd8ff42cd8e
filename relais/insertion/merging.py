"""How candidate profiles follow a person merge (see people/merge_registry.py).

A person has at most one profile. When two records merge:
- if only the absorbed record has a profile, it moves to the kept record (with its proposals);
- if both have one, the kept record's profile stays the profile; the absorbed record's profile stays
  on the absorbed record, deactivated, with a note naming the merge, so that its history
  (proposals, hires) is kept and an adviser can copy what it adds. The undo reactivates it.
"""

from __future__ import annotations

from django.utils import timezone

from relais.insertion.models import CandidateProfile, Proposal
from relais.people import merge_registry
from relais.people.merge_registry import Moved, repoint, repoint_back
from relais.people.models import Person

MERGE_NOTE = "Fiche fusionnée le {date} dans le dossier n° {kept} qui a son propre profil : ce profil est désactivé."


def move(absorbed: Person, kept: Person) -> dict[str, list]:
    profile = CandidateProfile.objects.filter(person=absorbed).first()
    if profile is None:
        return {}
    if not CandidateProfile.objects.filter(person=kept).exists():
        return {"candidate_profiles": repoint(CandidateProfile.objects.filter(pk=profile.pk), kept)}
    if not profile.is_active:
        return {}
    note = MERGE_NOTE.format(date=timezone.localdate().strftime("%d/%m/%Y"), kept=kept.pk)
    profile.note = f"{profile.note}\n{note}".strip()
    profile.is_active = False
    profile.save(update_fields=["note", "is_active", "updated_at"])
    return {"candidate_profiles_deactivated": [profile.pk]}


def undo(kept: Person, absorbed: Person, moved: Moved) -> None:
    repoint_back(CandidateProfile, moved.get("candidate_profiles", []), kept, absorbed)
    for profile in CandidateProfile.objects.filter(pk__in=moved.get("candidate_profiles_deactivated", []), person=absorbed):
        profile.is_active = True
        profile.note = f"{profile.note}\nFusion annulée le {timezone.localdate().strftime('%d/%m/%Y')} : profil réactivé.".strip()
        profile.save(update_fields=["note", "is_active", "updated_at"])


def deals_with(person: Person, organisation_id: int) -> bool:
    return CandidateProfile.objects.filter(person=person, organisation_id=organisation_id).exists()


def register() -> None:
    merge_registry.register(
        relations=["insertion.CandidateProfile.person"], move=move, undo=undo, deals_with=deals_with,
        activity=("propositions d'emploi", lambda person: Proposal.objects.filter(profile__person=person).count()),
    )  # fmt: skip
