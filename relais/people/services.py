"""Every write about persons: create, update (with optimistic locking), contact points, households."""

from __future__ import annotations

from dataclasses import fields

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from relais.people.building import PersonData, person_build, person_data_clean, person_search_fields
from relais.people.models import (
    ContactPoint,
    Household,
    HouseholdMember,
    MatchPair,
    Person,
    PersonOrganisation,
    ProposedContact,
    SourceRecord,
)
from relais.people.normalization import name_tokens, normalize_name
from relais.people.policies import person_may_edit, persons_visible
from relais.people.search import person_index
from relais.territory.models import Agent, Organisation
from relais.territory.policies import AccessScope


class PersonEditConflict(Exception):
    """Someone saved the person since the form was opened."""

    def __init__(self, person: Person) -> None:
        self.person = person
        who = str(person.updated_by) if person.updated_by else "un autre utilisateur"
        when = timezone.localtime(person.updated_at).strftime("%d/%m/%Y à %H:%M")
        super().__init__(
            f"Cette fiche a été modifiée par {who} le {when} pendant que vous la modifiiez. "
            "Vos changements n'ont pas été enregistrés : rechargez la fiche pour les reporter."
        )


def _set_contact_points(person: Person, *, phones: list[str], emails: list[str]) -> None:
    """Make the person's contact points these, in this order, keeping the rows that stay (their ids
    are what a merge records, so that undoing it moves back exactly what it moved)."""
    existing = {(point.kind, point.value): point for point in person.contact_points.all()}
    wanted = [(ContactPoint.Kind.PHONE, value, i) for i, value in enumerate(phones)] + [
        (ContactPoint.Kind.EMAIL, value, i) for i, value in enumerate(emails)
    ]
    keys = {(kind, value) for kind, value, _ in wanted}
    ContactPoint.objects.filter(pk__in=[p.pk for key, p in existing.items() if key not in keys]).delete()
    for kind, value, position in wanted:
        point = existing.get((kind, value))
        if point is None:
            ContactPoint.objects.create(person=person, kind=kind, value=value, position=position)
        elif point.position != position:
            ContactPoint.objects.filter(pk=point.pk).update(position=position)


def person_link_organisation(*, person: Person, organisation_id: int) -> None:
    """Record that an organisation has a relationship with the person (idempotent)."""
    PersonOrganisation.objects.get_or_create(person=person, organisation_id=organisation_id)


@transaction.atomic
def person_create(*, data: PersonData, organisation: Organisation, scope: AccessScope, acting_user: Agent | None) -> Person:
    if not scope.may_edit_identity or organisation.pk not in scope.organisation_ids:
        raise PermissionDenied("Vous ne pouvez pas créer de fiche usager pour cette organisation.")
    person = person_build(data, created_by=acting_user)
    if data.nir and not scope.may_see_nir:
        raise ValidationError({"nir": ["Votre service n'est pas habilité à enregistrer le NIR."]})
    person.full_clean(exclude=["organisations"])
    person.save()
    _set_contact_points(person, phones=data.phones, emails=data.emails)
    person_link_organisation(person=person, organisation_id=organisation.pk)
    person_index([person])
    return person


@transaction.atomic
def person_update(
    *, person: Person, data: PersonData, expected_version: int, scope: AccessScope, acting_user: Agent | None
) -> Person:
    """Save an edit only if nobody saved the person since `expected_version` was read."""
    if not scope.may_edit_identity:
        raise PermissionDenied("Vous ne pouvez pas modifier cette fiche.")
    data = person_data_clean(data)
    if not scope.may_see_nir:
        data.nir = person.nir  # a field the agent never saw is not theirs to change
    values = {name: getattr(data, name) for name in PersonData.IDENTITY_FIELDS}
    candidate = Person(pk=person.pk, public_id=person.public_id, **values)
    person_search_fields(candidate)
    candidate.full_clean(exclude=["organisations", "public_id"], validate_unique=False)
    # Provenance: a value typed by an agent is recorded as such (merges and their undo respect it).
    sources = dict(person.field_sources)
    for name, value in values.items():
        if value != getattr(person, name):
            sources[name] = f"saisie:{acting_user.username}" if acting_user else "saisie"
    updated = Person.objects.filter(pk=person.pk, version=expected_version).update(
        **values,
        field_sources=sources,
        editing_by=None,
        editing_until=None,
        search_names=candidate.search_names,
        search_birth_name=candidate.search_birth_name,
        search_usage_name=candidate.search_usage_name,
        updated_by=acting_user,
        updated_at=timezone.now(),
        version=F("version") + 1,
    )
    if not updated:
        raise PersonEditConflict(Person.objects.select_related("updated_by").get(pk=person.pk))
    before = {kind: [p.value for p in person.contact_points.all() if p.kind == kind] for kind in ("phone", "email")}
    _set_contact_points(person, phones=data.phones, emails=data.emails)
    _clear_contact_warnings(person, changed={kind for kind, values in before.items() if values != getattr(data, f"{kind}s")})
    person.refresh_from_db()
    person_index([person])
    return person


def _clear_contact_warnings(person: Person, *, changed: set[str]) -> None:
    """An agent who changed the person's phones (or e-mails) has dealt with the unusable ones an
    import set aside: their request for correction ends (the raw value stays in the record's data)."""
    if not changed:
        return
    for record in SourceRecord.objects.filter(person=person).exclude(contact_warnings=[]):
        kept = [warning for warning in record.contact_warnings if warning["column"] not in changed]
        if kept != record.contact_warnings:
            SourceRecord.objects.filter(pk=record.pk).update(contact_warnings=kept)


def person_data_from(person: Person) -> PersonData:
    """The current values of a person, as a PersonData (for forms and partial API updates)."""
    values = {f.name: getattr(person, f.name) for f in fields(PersonData) if f.name in PersonData.IDENTITY_FIELDS}
    points = list(person.contact_points.all())
    return PersonData(
        **values,
        phones=[p.value for p in points if p.kind == ContactPoint.Kind.PHONE],
        emails=[p.value for p in points if p.kind == ContactPoint.Kind.EMAIL],
    )


@transaction.atomic
def household_add_member(*, person: Person, member: Person, role: str, scope: AccessScope) -> HouseholdMember:
    """Put `member` in `person`'s household (creating it, with `person` as reference, if needed)."""
    if not scope.may_edit_identity:
        raise PermissionDenied("Vous ne pouvez pas modifier ce foyer.")
    if person.pk == member.pk:
        raise ValidationError("Une personne ne peut pas être ajoutée à son propre foyer.")
    if role not in HouseholdMember.Role.values:
        raise ValidationError("Lien familial inconnu.")
    link = person.household_memberships.select_related("household").first()
    if link is None:
        household = Household.objects.create(name=f"Foyer {person.usage_name or person.birth_name}")
        HouseholdMember.objects.create(household=household, person=person, role=HouseholdMember.Role.REFERENCE)
    else:
        household = link.household
    if household.members.filter(person=member).exists():
        raise ValidationError("Cette personne fait déjà partie du foyer.")
    return HouseholdMember.objects.create(household=household, person=member, role=role)


@transaction.atomic
def person_find_or_create_for_booking(*, data: PersonData, organisation_id: int, origin: str = "en ligne") -> Person:
    """For a citizen booking online: reuse the person only on a strong match (same birth name or usage
    name, first name and birth date, and the same e-mail or phone) among the persons the organisation
    already knows, else create one. A form anyone can fill in must not hand a file kept by another
    organisation to this one: a strong match elsewhere gives a new record and a pending duplicate
    pair for a reviewer. Nothing about an existing person is ever shown to the booker. On a match,
    contact details the record lacks are only proposed (`origin` says where from) until an agent
    confirms them."""
    data = person_data_clean(data)
    names = {normalize_name(data.birth_name), normalize_name(data.usage_name)} - {""}
    first = name_tokens(data.first_names)[:1]
    contacts = data.phones + data.emails
    candidates = Person.objects.filter(birth_date=data.birth_date).filter(
        models.Q(search_birth_name__in=names) | models.Q(search_usage_name__in=names)
    )
    if first:
        candidates = candidates.filter(search_names__contains=f" {first[0]} ")
    strong = (
        candidates.filter(merged_into__isnull=True, contact_points__value__in=contacts).distinct()
        if contacts and data.birth_date
        else Person.objects.none()
    )
    organisation = AccessScope(label=origin, organisation_ids=frozenset({organisation_id}))
    match = persons_visible(organisation, strong).first()
    if match is None:
        elsewhere = list(strong[:5])
        match = person_build(data)
        match.full_clean(exclude=["organisations"])
        match.save()
        _set_contact_points(match, phones=data.phones, emails=data.emails)
        person_index([match])
        pending_duplicate_pairs(
            match,
            elsewhere,
            code="online_form",
            message=f"même identité et même coordonnée, saisies en ligne ({origin}) : à vérifier",
        )
    else:
        # Knowing a name, a birth date and one contact point is no proof of being the person: new
        # contact details wait for an agent (the request or booking uses them for its own messages).
        known = set(match.contact_points.values_list("value", flat=True))
        for kind, values in ((ContactPoint.Kind.PHONE, data.phones), (ContactPoint.Kind.EMAIL, data.emails)):
            for value in values:
                if value not in known:
                    ProposedContact.objects.get_or_create(
                        person=match, kind=kind, value=value, confirmed_at=None, defaults={"origin": origin[:100]}
                    )
    person_link_organisation(person=match, organisation_id=organisation_id)
    return match


def pending_duplicate_pairs(person: Person, others: list[Person], *, code: str, message: str) -> None:
    """Queue `person` with each of `others` for a duplicate reviewer, saying why (never merged by itself)."""
    finding = {"code": code, "severity": "doubt", "message": message}
    MatchPair.objects.bulk_create(
        [
            MatchPair(
                person_a_id=min(person.pk, other.pk),
                person_b_id=max(person.pk, other.pk),
                probability=0.5,
                explanation={"findings": [finding], "comparisons": []},
            )
            for other in others
            if other.pk != person.pk
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def person_confirm_proposed_contact(*, proposal_id: int, person: Person, scope: AccessScope, acting_user: Agent) -> ContactPoint:
    """An agent confirms a contact detail given online: it joins the person's contact points."""
    if not person_may_edit(scope, person):
        raise PermissionDenied("Vous ne pouvez pas modifier cette fiche.")
    proposal = (
        ProposedContact.objects.select_for_update().filter(pk=proposal_id, person=person, confirmed_at__isnull=True).first()
    )
    if proposal is None:
        raise ValidationError("Cette coordonnée a déjà été traitée.")
    position = person.contact_points.filter(kind=proposal.kind).count()
    point, _ = ContactPoint.objects.get_or_create(
        person=person, kind=proposal.kind, value=proposal.value, defaults={"position": position}
    )
    proposal.confirmed_at, proposal.confirmed_by = timezone.now(), acting_user
    proposal.save(update_fields=["confirmed_at", "confirmed_by"])
    return point
