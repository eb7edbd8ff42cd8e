"""Merging two records of the same person, and undoing it exactly.

The kept record takes, field by field, the value chosen (by the reviewer, or its own unless empty)
and remembers where each value came from. Everything that pointed to the absorbed record —
exchanges, appointments, requests, messages sent, household links, contact points, provenance, the
organisations that know the person — moves to the kept one, and the ids of what moved are stored.
Each app says how its own rows move, and move back, through `merge_registry`: this module knows
no app but people. The absorbed record is not deleted but marked: undoing moves back exactly what
moved, so an exchange added to the merged person afterwards stays where it was added.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from relais.people import merge_registry
from relais.people.merge_registry import Moved, repoint, repoint_back
from relais.people.models import (
    ContactPoint,
    HouseholdMember,
    MatchPair,
    NameToken,
    Person,
    PersonMerge,
    PersonOrganisation,
    ProposedContact,
    SourceRecord,
)
from relais.people.normalization import normalize_name, split_first_names
from relais.people.policies import DuplicateReviewer
from relais.people.search import person_index
from relais.people.services import PersonData, person_search_fields
from relais.territory.models import Agent

FIELDS = PersonData.IDENTITY_FIELDS
EDIT_LEASE = dt.timedelta(minutes=20)


class MergeRefused(Exception):
    pass


@dataclass(frozen=True)
class FieldChoice:
    """For each identity field that differs, which record's value to keep ("kept" or "absorbed")."""

    choices: dict[str, str]


# The parts of an address go together: a merge keeps one record's whole address, never a street
# from one and a commune from the other (which would be nobody's address). One choice, keyed
# "address", decides them all.
ADDRESS_FIELDS = ("address", "address_complement", "postcode", "city", "commune_code")
ADDRESS = "address"


def _has_address(person: Person) -> bool:
    return any(getattr(person, name) for name in ADDRESS_FIELDS)


def merge_default_choices(kept: Person, absorbed: Person) -> dict[str, str]:
    """What a careful reviewer would pick by default: a value over an empty one, the fuller list of
    first names, the address of the record updated last (people move; records are rarely backdated),
    an address over none. The address is one choice, under the key "address"."""
    choices: dict[str, str] = {}
    for name in FIELDS:
        if name in ADDRESS_FIELDS:
            continue
        mine, theirs = getattr(kept, name), getattr(absorbed, name)
        if not mine and theirs:
            choices[name] = "absorbed"
        elif (
            isinstance(mine, str)
            and mine != theirs
            and normalize_name(mine) == normalize_name(theirs)
            and _written_form_score(theirs) > _written_form_score(mine)
        ):
            # The same name, once typed in capitals without accents: keep the written form.
            choices[name] = "absorbed"
    if _first_names(kept) < _first_names(absorbed):
        choices["first_names"] = "absorbed"
    newer = absorbed.city and absorbed.updated_at and kept.updated_at and absorbed.updated_at > kept.updated_at
    if (_has_address(absorbed) and not _has_address(kept)) or newer:
        choices[ADDRESS] = "absorbed"
    return choices


def _written_form_score(value: str) -> int:
    """How much of the real spelling a value keeps: accents and lower case letters count."""
    return sum(1 for char in value if not char.isascii()) * 2 + (0 if value.isupper() else 1)


def _first_names(person: Person) -> set[str]:
    return {normalize_name(name) for name in split_first_names(person.first_names)}


def _complete_choices(kept: Person, absorbed: Person, choices: dict[str, str] | None) -> dict[str, str]:
    """The reviewer's choices over the defaults. The address is one choice: choices on its parts
    must agree (a request splitting it is refused, whatever the page sent), and decide it whole."""
    resolved = merge_default_choices(kept, absorbed)
    explicit = dict(choices or {})
    picked = {explicit.pop(name) for name in ADDRESS_FIELDS if name in explicit}
    if len(picked) > 1:
        raise MergeRefused(
            "L'adresse se garde en entier (rue, complément, code postal et commune) : choisissez celle d'une seule fiche."
        )
    resolved.update(explicit)
    if picked:
        resolved[ADDRESS] = picked.pop()
    return resolved


def _serialise(person: Person) -> dict:
    values = {name: getattr(person, name) for name in FIELDS}
    values["birth_date"] = person.birth_date.isoformat() if person.birth_date else None
    return {"fields": values, "field_sources": dict(person.field_sources), "version": person.version}


def _source_label(person: Person) -> str:
    record = person.source_records.order_by("pk").first()
    return f"{record.source}:{record.source_id}" if record else f"fiche {str(person.public_id)[:8]}"


def _check_editing(*persons: Person, acting_user: Agent | None) -> None:
    now = timezone.now()
    for person in persons:
        if (
            person.editing_until
            and person.editing_until > now
            and person.editing_by_id not in (None, getattr(acting_user, "pk", None))
        ):
            who = person.editing_by or "un agent"
            raise MergeRefused(
                f"{who} modifie la fiche de {person.display_name} depuis {timezone.localtime(person.editing_until - EDIT_LEASE):%H:%M} : "
                "la fusion attendra qu'il ait enregistré ou abandonné."
            )


@transaction.atomic
def persons_merge(
    *,
    kept: Person,
    absorbed: Person,
    acting_user: Agent | None,
    reviewer: DuplicateReviewer | None = None,
    choices: dict[str, str] | None = None,
    expected_versions: tuple[int, int] | None = None,
    pair: MatchPair | None = None,
    automatic: bool = False,
) -> PersonMerge:
    """Merge `absorbed` into `kept`. A reviewer's merge passes the versions they looked at: if
    either record changed since, or an agent is editing one, the merge is refused and nothing moves."""
    if kept.pk == absorbed.pk:
        raise MergeRefused("Une fiche ne peut pas être fusionnée avec elle-même.")
    first, second = sorted([kept.pk, absorbed.pk])
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update(of=("self",))
        .select_related("editing_by")
        .filter(pk__in=[first, second])
        .order_by("pk")
    }
    kept, absorbed = locked[kept.pk], locked[absorbed.pk]
    if kept.merged_into_id or absorbed.merged_into_id:
        raise MergeRefused("L'une des deux fiches a déjà été fusionnée.")
    if reviewer is not None and not reviewer.may_merge(kept, absorbed):
        raise PermissionDenied("Vous ne pouvez pas fusionner ces fiches.")
    if expected_versions and (kept.version, absorbed.version) != expected_versions:
        raise MergeRefused("Une des fiches a été modifiée depuis que vous l'avez ouverte : rechargez la comparaison.")
    _check_editing(kept, absorbed, acting_user=acting_user)

    before = _serialise(kept)
    sources = dict(kept.field_sources)
    kept_label, absorbed_label = _source_label(kept), _source_label(absorbed)
    resolved = _complete_choices(kept, absorbed, choices)
    for name in FIELDS:
        mine, theirs = getattr(kept, name), getattr(absorbed, name)
        if name in ADDRESS_FIELDS:
            # Empty parts are not filled from the other record: that would mix two addresses.
            take_theirs = resolved.get(ADDRESS) == "absorbed"
        else:
            take_theirs = resolved.get(name) == "absorbed" or (not mine and theirs and resolved.get(name) != "kept")
        if take_theirs:
            setattr(kept, name, theirs)
            if theirs:
                sources[name] = absorbed.field_sources.get(name, absorbed_label)
            else:
                sources.pop(name, None)
        elif mine:
            sources.setdefault(name, kept_label)
    kept.field_sources = sources
    person_search_fields(kept)
    kept.version = F("version") + 1
    kept.save()
    kept.refresh_from_db()

    moved: dict[str, object] = dict(_move_everything(absorbed, kept))
    moved["kept_after"] = _serialise(kept)
    Person.objects.filter(pk=absorbed.pk).update(merged_into=kept, version=F("version") + 1)
    NameToken.objects.filter(person=absorbed).delete()
    person_index([kept])
    merge = PersonMerge.objects.create(
        kept=kept, absorbed=absorbed, pair=pair, kept_before=before, moved=moved, automatic=automatic, merged_by=acting_user
    )
    if pair is not None:
        MatchPair.objects.filter(pk=pair.pk).update(
            status=MatchPair.Status.AUTO_MERGED if automatic else MatchPair.Status.MERGED,
            decided_by=acting_user,
            decided_at=timezone.now(),
        )
    return merge


def _move_everything(absorbed: Person, kept: Person) -> dict[str, list]:
    """Point at `kept` what pointed at `absorbed`, app by app (merge_registry); return the ids moved
    (and the duplicates dropped), each handler under its own keys."""
    moved: dict[str, list] = {}
    for handler in merge_registry.merge_handlers():
        done = handler.move(absorbed, kept)
        if clash := moved.keys() & done.keys():
            raise ImproperlyConfigured(f"Two merge handlers record under the same key: {', '.join(sorted(clash))}")
        moved.update(done)
    # The organisations that know the person: the kept record gains the absorbed one's.
    kept_organisations = set(PersonOrganisation.objects.filter(person=kept).values_list("organisation_id", flat=True))
    absorbed_organisations = list(PersonOrganisation.objects.filter(person=absorbed).values_list("organisation_id", flat=True))
    added = [org for org in absorbed_organisations if org not in kept_organisations]
    PersonOrganisation.objects.bulk_create([PersonOrganisation(person=kept, organisation_id=org) for org in added])
    moved["organisations_added_to_kept"] = added
    moved["organisations_of_absorbed"] = absorbed_organisations
    PersonOrganisation.objects.filter(person=absorbed).delete()
    return moved


# The people app's own rows. Other apps register theirs from their own merging.py.


def _move_household_members(absorbed: Person, kept: Person) -> dict[str, list]:
    kept_households = set(HouseholdMember.objects.filter(person=kept).values_list("household_id", flat=True))
    movable = HouseholdMember.objects.filter(person=absorbed).exclude(household_id__in=kept_households)
    return {"household_members": repoint(movable, kept)}


def _move_contact_points(absorbed: Person, kept: Person) -> dict[str, list]:
    kept_values = set(ContactPoint.objects.filter(person=kept).values_list("kind", "value"))
    movable = [c.pk for c in ContactPoint.objects.filter(person=absorbed) if (c.kind, c.value) not in kept_values]
    return {"contact_points": repoint(ContactPoint.objects.filter(pk__in=movable), kept)}


def _move_source_records(absorbed: Person, kept: Person) -> dict[str, list]:
    return {"source_records": repoint(SourceRecord.objects.filter(person=absorbed), kept)}


def _move_proposed_contacts(absorbed: Person, kept: Person) -> dict[str, list]:
    # Contact details proposed online still await an agent, now on the kept record.
    kept_proposed = set(ProposedContact.objects.filter(person=kept, confirmed_at__isnull=True).values_list("kind", "value"))
    pending = ProposedContact.objects.filter(person=absorbed, confirmed_at__isnull=True)
    movable = [p.pk for p in pending if (p.kind, p.value) not in kept_proposed]
    return {"proposed_contacts": repoint(ProposedContact.objects.filter(pk__in=movable), kept)}


def _undo_by_key(model: type[models.Model], key: str) -> Callable[[Person, Person, Moved], None]:
    def undo(kept: Person, absorbed: Person, moved: Moved) -> None:
        repoint_back(model, moved.get(key, []), kept, absorbed)

    return undo


def register() -> None:
    """Called by PeopleConfig.ready()."""
    merge_registry.register(
        relations=["people.HouseholdMember.person"],
        move=_move_household_members,
        undo=_undo_by_key(HouseholdMember, "household_members"),
    )
    merge_registry.register(
        relations=["people.ContactPoint.person"], move=_move_contact_points, undo=_undo_by_key(ContactPoint, "contact_points")
    )
    merge_registry.register(
        relations=["people.SourceRecord.person"], move=_move_source_records, undo=_undo_by_key(SourceRecord, "source_records")
    )
    merge_registry.register(
        relations=["people.ProposedContact.person"],
        move=_move_proposed_contacts,
        undo=_undo_by_key(ProposedContact, "proposed_contacts"),
    )
    merge_registry.leave_alone(
        "people.PersonOrganisation.person",
        reason="moved by persons_merge itself after every handler: on undo an organisation the merge brought "
        "stays with the kept record while a handler's deals_with says it still deals with them",
    )
    merge_registry.leave_alone(
        "people.NameToken.person",
        reason="search tokens: the absorbed record's are deleted and the kept one re-indexed; undo re-indexes both",
    )
    merge_registry.leave_alone(
        "people.MatchPair.person_a",
        "people.MatchPair.person_b",
        reason="a candidate pair names the two records compared; the pair merged is marked so, and pending again on undo",
    )
    merge_registry.leave_alone(
        "people.PersonMerge.kept",
        "people.PersonMerge.absorbed",
        reason="the merge record itself, and earlier merges as they were",
    )
    merge_registry.leave_alone(
        "people.Person.merged_into",
        reason="records merged earlier into the absorbed one keep pointing at it (the chain leads to the kept one); "
        "undoing that earlier merge needs this one undone first",
    )


@transaction.atomic
def merge_undo(*, merge: PersonMerge, acting_user: Agent | None) -> PersonMerge:
    """Put back exactly what the merge moved; what was added to the merged person since stays."""
    merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at:
        raise MergeRefused("Cette fusion a déjà été annulée.")
    kept = Person.objects.select_for_update().get(pk=merge.kept_id)
    absorbed = Person.objects.select_for_update().get(pk=merge.absorbed_id)
    if kept.merged_into_id:
        raise MergeRefused("La fiche conservée a depuis été fusionnée dans une autre : annulez d'abord cette fusion-là.")
    moved = merge.moved
    for handler in merge_registry.merge_handlers():
        handler.undo(kept, absorbed, moved)
    PersonOrganisation.objects.bulk_create(
        [PersonOrganisation(person=absorbed, organisation_id=org) for org in moved.get("organisations_of_absorbed", [])],
        ignore_conflicts=True,
    )
    for org in moved.get("organisations_added_to_kept", []):
        if not _still_related(kept, org):
            PersonOrganisation.objects.filter(person=kept, organisation_id=org).delete()
    # Identity: each field goes back to its value before the merge, unless it was edited since.
    before, after = merge.kept_before, moved.get("kept_after", merge.kept_before)
    current = _serialise(kept)
    sources = dict(kept.field_sources)
    for name in FIELDS:
        if current["fields"][name] != after["fields"][name]:
            continue  # changed after the merge: that is the newest truth
        value = before["fields"][name]
        setattr(kept, name, dt.date.fromisoformat(value) if name == "birth_date" and value else value)
        if name in before["field_sources"]:
            sources[name] = before["field_sources"][name]
        else:
            sources.pop(name, None)
    kept.field_sources = sources
    person_search_fields(kept)
    kept.version = F("version") + 1
    kept.save()
    Person.objects.filter(pk=absorbed.pk).update(merged_into=None, version=F("version") + 1)
    absorbed.refresh_from_db()
    person_index([kept, absorbed])
    merge.undone_at, merge.undone_by = timezone.now(), acting_user
    merge.save(update_fields=["undone_at", "undone_by"])
    if merge.pair_id:
        MatchPair.objects.filter(pk=merge.pair_id).update(status=MatchPair.Status.PENDING, decided_by=None, decided_at=None)
    return merge


def _still_related(person: Person, organisation_id: int) -> bool:
    """Whether the organisation deals with the person through something the merge did not bring."""
    return any(handler.deals_with(person, organisation_id) for handler in merge_registry.merge_handlers() if handler.deals_with)


def person_start_editing(*, person: Person, agent: Agent) -> None:
    """An agent opened the edit form: merges wait for them (the lease ends on save or after 20 minutes)."""
    Person.objects.filter(pk=person.pk).update(editing_by=agent, editing_until=timezone.now() + EDIT_LEASE)


def pair_reject(*, pair: MatchPair, acting_user: Agent) -> MatchPair:
    pair.status, pair.decided_by, pair.decided_at = MatchPair.Status.REJECTED, acting_user, timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    return pair


def pair_skip(*, pair: MatchPair, acting_user: Agent) -> MatchPair:
    pair.status, pair.decided_by, pair.decided_at = MatchPair.Status.SKIPPED, acting_user, timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    return pair


def pairs_record(*, job, rows: list[tuple[int, int, float, dict]]) -> int:  # type: ignore[no-untyped-def]
    """Store candidate pairs (ids ordered), ignoring pairs already known."""
    pairs = [
        MatchPair(job=job, person_a_id=min(a, b), person_b_id=max(a, b), probability=probability, explanation=explanation)
        for a, b, probability, explanation in rows
        if a != b
    ]
    MatchPair.objects.bulk_create(pairs, batch_size=2000, ignore_conflicts=True)
    return len(pairs)


__all__ = ["FieldChoice", "MergeRefused", "merge_undo", "person_start_editing", "persons_merge"]
