"""Reads about persons, always through the caller's access scope."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.text import capfirst

from relais.core.wording import count_of
from relais.notifications.services import is_mobile
from relais.people.identity_rules import AGAINST, VETO, Finding
from relais.people.merge_registry import person_activity
from relais.people.models import (
    ContactPoint,
    HouseholdMember,
    MatchPair,
    Person,
    PersonMerge,
    ProposedContact,
    SourceRecord,
)
from relais.people.normalization import (
    name_tokens,
    normalize_email,
    normalize_name,
    parse_french_date,
    phone_search_digits,
    search_words,
)
from relais.people.policies import DuplicateReviewer, persons_visible, persons_visible_filter
from relais.people.search import search_by_words
from relais.people.services import PersonData
from relais.territory.policies import AccessScope

_DATE_TOKEN = re.compile(r"^(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}|\d{4}-\d{1,2}-\d{1,2})$")
_PHONE_QUERY = re.compile(r"^[\d\s.+()\-]{4,}$")


def person_get(*, scope: AccessScope, public_id: uuid.UUID | str) -> Person:
    """The person if the scope may see them; otherwise the same 404 as a person that does not exist."""
    try:
        return persons_visible(scope).prefetch_related("contact_points").get(public_id=public_id)
    except (Person.DoesNotExist, ValidationError, ValueError):
        raise Http404("Aucun usager ne correspond.") from None


def person_merged_into_visible(*, scope: AccessScope, public_id: uuid.UUID | str) -> Person | None:
    """For an old link to a record since merged: the record it now lives in, if the scope may see it."""
    try:
        person = Person.objects.filter(public_id=public_id).only("pk", "merged_into_id").first()
    except (ValidationError, ValueError):
        return None
    for _ in range(10):  # a chain of merges is short; the bound guards against a corrupted loop
        if person is None or person.merged_into_id is None:
            break
        person = Person.objects.only("pk", "merged_into_id", "public_id").get(pk=person.merged_into_id)
    if person is None or person.merged_into_id is not None or str(person.public_id) == str(public_id):
        return None
    return persons_visible(scope).filter(pk=person.pk).first()


@dataclass(frozen=True)
class ParsedQuery:
    names: list[str]
    birth_date: dt.date | None
    phone_digits: str
    email: str

    @property
    def is_empty(self) -> bool:
        return not (self.names or self.birth_date or self.phone_digits or self.email)


def parse_search_query(query: str) -> ParsedQuery:
    """Split what an agent typed into names, a birth date, a phone number or an e-mail."""
    query = (query or "").strip()
    email = ""
    phone = ""
    birth_date = None
    remaining: list[str] = []
    if "@" in query:
        try:
            email = normalize_email(query)
        except ValidationError:
            email = query.lower()
        return ParsedQuery(names=[], birth_date=None, phone_digits="", email=email)
    if _PHONE_QUERY.match(query) and not _DATE_TOKEN.match(query) and sum(c.isdigit() for c in query) >= 4:
        return ParsedQuery(names=[], birth_date=None, phone_digits=phone_search_digits(query), email="")
    for token in query.split():
        if _DATE_TOKEN.match(token):
            with contextlib.suppress(ValidationError):
                birth_date = parse_french_date(token)
            continue
        remaining.append(token)
    names = name_tokens(" ".join(remaining))
    return ParsedQuery(names=names, birth_date=birth_date, phone_digits=phone, email=email)


def person_search(*, scope: AccessScope, query: str, limit: int = 50) -> list[Person]:
    """Persons matching names (birth or usage names, first names; case, accents and one typo per word
    forgiven; a word may be the beginning of a name) with a birth date, a commune or a postcode; or a
    phone number (whole, its beginning or its end), an e-mail (whole or its beginning) or a birth
    date, within the scope. Best matches first (see people/search/)."""
    parsed = parse_search_query(query)
    if parsed.is_empty:
        return []
    contact_points = Prefetch("contact_points", queryset=ContactPoint.objects.order_by("kind", "position"))
    if parsed.names:
        words = search_words(parsed.names)
        visible = persons_visible_filter(scope, "person_id")
        matches = search_by_words(words, visible=visible, birth_date=parsed.birth_date, limit=limit)
        rank = {match.person_id: position for position, match in enumerate(matches)}
        found = list(Person.objects.filter(pk__in=rank).prefetch_related(contact_points))
        return sorted(found, key=lambda person: rank[person.pk])
    queryset = persons_visible(scope)
    if parsed.email:  # the whole address or its beginning
        points = ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, search_key__startswith=parsed.email)
        queryset = queryset.filter(pk__in=points.values("person_id"))
    if parsed.phone_digits and len(parsed.phone_digits) < 4:
        return []  # "0033" alone would be the beginning of every number
    if parsed.phone_digits:  # the whole number, its beginning or its end
        points = ContactPoint.objects.filter(
            Q(search_key__startswith=parsed.phone_digits) | Q(search_key_reversed__startswith=parsed.phone_digits[::-1]),
            kind=ContactPoint.Kind.PHONE,
        )
        queryset = queryset.filter(pk__in=points.values("person_id"))
    if parsed.birth_date:
        queryset = queryset.filter(birth_date=parsed.birth_date)
    return list(
        queryset.prefetch_related(contact_points).order_by("search_usage_name", "search_birth_name", "first_names")[:limit]
    )


@dataclass(frozen=True)
class DuplicateCandidate:
    """A known person close to one being entered, with what the identity rules find between them."""

    person: Person
    findings: list[Finding]

    @property
    def contradicted(self) -> bool:
        """Evidence of two people (a parent, a twin, a namesake): shown, but not as a duplicate."""
        return any(finding.severity in (VETO, AGAINST) for finding in self.findings)

    @property
    def reasons(self) -> str:
        return " ; ".join(finding.message for finding in self.findings)


def person_duplicate_candidates(*, scope: AccessScope, data: PersonData, limit: int = 10) -> list[DuplicateCandidate]:
    """Persons the scope may see who look like the person being entered — a name in common (birth
    and usage names compared crosswise) with the same birth date or first name, or the same phone or
    e-mail — with what the identity rules find between them; probable duplicates first."""
    from relais.people.database_duplicates import findings_against

    # More look-alikes than shown: namesakes of a frequent name must not push the real duplicate
    # out of the list (the same birth date comes first).
    found = _duplicate_lookalikes(
        scope=scope, birth_name=data.birth_name, usage_name=data.usage_name, first_names=data.first_names,
        birth_date=data.birth_date, phones=data.phones, emails=data.emails, limit=limit * 5,
    )  # fmt: skip
    findings = findings_against(data, found)
    candidates = [DuplicateCandidate(person=person, findings=findings.get(person.pk, [])) for person in found]
    duplicates = [candidate for candidate in candidates if not candidate.contradicted][:limit]
    return duplicates + [candidate for candidate in candidates if candidate.contradicted][:limit]


def _duplicate_lookalikes(
    *,
    scope: AccessScope,
    birth_name: str,
    usage_name: str = "",
    first_names: str = "",
    birth_date: dt.date | None = None,
    phones: list[str] | None = None,
    emails: list[str] | None = None,
    limit: int = 10,
) -> list[Person]:
    names = {normalize_name(name) for name in (birth_name, usage_name) if name}
    first = name_tokens(first_names)[:1]
    same_name = Q(search_birth_name__in=names) | Q(search_usage_name__in=names)
    confirm = Q()
    if birth_date:
        confirm |= Q(birth_date=birth_date)
    if first:
        confirm |= Q(search_names__contains=f" {first[0]} ")
    candidates = Q(same_name & confirm) if confirm else Q(pk__in=[])
    if phones:
        candidates |= Q(contact_points__kind=ContactPoint.Kind.PHONE, contact_points__value__in=phones)
    if emails:
        candidates |= Q(contact_points__kind=ContactPoint.Kind.EMAIL, contact_points__value__in=emails)
    queryset = persons_visible(scope).filter(candidates).distinct()
    if birth_date:
        same_date = Case(When(birth_date=birth_date, then=Value(0)), default=Value(1))
        queryset = queryset.annotate(same_date=same_date).order_by("same_date", "birth_name", "pk")
    else:
        queryset = queryset.order_by("birth_name", "pk")
    return list(queryset[:limit])


_CONTACT_WARNING_LABELS = {"phone": "Téléphone", "email": "E-mail"}


def person_contact_warnings(person: Person) -> list[str]:
    """What the person's file asks an agent to correct: the contact values an import set aside,
    « Téléphone illisible à l'import : « 071 23 45 67 89 » — à corriger (base GRC92) »."""
    records = SourceRecord.objects.filter(person=person).exclude(contact_warnings=[]).order_by("pk")
    return [
        f"{_CONTACT_WARNING_LABELS.get(warning['column'], 'Coordonnée')} illisible à l'import : "
        f"« {warning['value']} » — à corriger (base {record.source})"
        for record in records
        for warning in record.contact_warnings
    ]


def person_proposed_contacts(person: Person) -> list[ProposedContact]:
    """Contact details given online for this person and not yet confirmed by an agent."""
    return list(person.proposed_contacts.filter(confirmed_at__isnull=True))


def person_households(person: Person) -> list[HouseholdMember]:
    """The person's households with their members (visibility of each member is checked by the caller)."""
    return list(
        HouseholdMember.objects.filter(household__members__person=person)
        .select_related("household", "person")
        .order_by("household_id", "role", "person__birth_date")
    )


# --- Duplicate review -------------------------------------------------------------------------


def match_pairs_to_review(*, reviewer: DuplicateReviewer, job_id: int | None = None) -> QuerySet[MatchPair]:
    """Pairs waiting for a decision that this reviewer may open (`DuplicateReviewer`), most likely
    first; pairs put off ("plus tard") come after the fresh ones. Every count of pairs "à examiner"
    is this queryset's, so a count never promises a pair the reviewer cannot open."""
    if not reviewer.may_review:
        return MatchPair.objects.none()
    pairs = MatchPair.objects.filter(
        reviewer.pairs_filter(),
        status__in=[MatchPair.Status.PENDING, MatchPair.Status.SKIPPED],
        person_a__merged_into__isnull=True,
        person_b__merged_into__isnull=True,
    )
    if job_id is not None:
        pairs = pairs.filter(job_id=job_id)
    put_off = Case(When(status=MatchPair.Status.SKIPPED, then=Value(1)), default=Value(0))
    return pairs.select_related("person_a", "person_b").order_by(put_off, "-probability", "pk")


def match_pairs_to_review_by_job(*, reviewer: DuplicateReviewer) -> dict[int, int]:
    """{job id: pairs of that job this reviewer may still open}."""
    rows = match_pairs_to_review(reviewer=reviewer).order_by().values("job_id").annotate(count=Count("pk"))
    return {row["job_id"]: row["count"] for row in rows}


def match_pair_get(*, reviewer: DuplicateReviewer, public_id: uuid.UUID | str) -> MatchPair:
    try:
        if not reviewer.may_review:
            raise MatchPair.DoesNotExist
        return MatchPair.objects.select_related("person_a", "person_b", "job").get(reviewer.pairs_filter(), public_id=public_id)
    except (MatchPair.DoesNotExist, ValidationError, ValueError):
        raise Http404("Aucune paire ne correspond.") from None


@dataclass(frozen=True)
class ComparisonRow:
    name: str
    label: str
    a: str
    b: str
    differs: bool
    cosmetic: bool  # same value written differently (case, accents, spaces)
    default: str  # "a" or "b": the value kept if the reviewer changes nothing


@dataclass(frozen=True)
class PairComparison:
    rows: list[ComparisonRow]
    keep: str  # which record is kept by default ("a" or "b")
    contacts: dict[str, list[str]]
    sources: dict[str, list[str]]
    activity: dict[str, dict[str, int]]

    @property
    def activity_text(self) -> dict[str, str]:
        """Each record's history in words: « 1 échange, 2 rendez-vous, 0 demande »."""
        words = {
            "échanges": ("échange", "échanges"),
            "rendez-vous": ("rendez-vous", "rendez-vous"),
            "demandes": ("demande", "demandes"),
        }
        return {
            side: ", ".join(count_of(count, *words.get(kind, (kind, kind))) for kind, count in counts.items())
            for side, counts in self.activity.items()
        }


def _field_label(name: str) -> str:
    field = Person._meta.get_field(name)
    # capfirst, not str.capitalize: the latter turned "NIR" into "Nir" and "INSEE" into "insee".
    return capfirst(str(getattr(field, "verbose_name", name)))


def _display(person: Person, name: str, scope: AccessScope) -> str:
    value = getattr(person, name)
    if name == "nir" and value and not scope.may_see_nir:
        return "renseigné (masqué)"
    if name == "birth_date":
        return value.strftime("%d/%m/%Y") if value else ""
    if name == "sex":
        return person.get_sex_display() if value else ""
    return str(value or "")


def person_to_keep(a: Person, b: Person, activity: tuple[dict[str, int], dict[str, int]] | None = None) -> tuple[Person, Person]:
    """(kept, absorbed) for a merge of two records: the one with more history is kept, the first on a
    tie. `activity`: both records' person_activity, when the caller has counted it already."""
    of_a, of_b = activity or (person_activity(a), person_activity(b))
    if sum(of_b.values()) > sum(of_a.values()):
        return b, a
    return a, b


def pair_comparison(*, pair: MatchPair, scope: AccessScope) -> PairComparison:
    """Both records field by field, what differs, and what a merge would keep by default: the record
    with more history is kept, the other one's values fill its gaps."""
    from relais.people.merging import ADDRESS, ADDRESS_FIELDS, FIELDS, merge_default_choices

    a, b = pair.person_a, pair.person_b
    activity = {"a": person_activity(a), "b": person_activity(b)}
    kept, absorbed = person_to_keep(a, b, (activity["a"], activity["b"]))
    keep = "a" if kept is a else "b"
    defaults = merge_default_choices(kept, absorbed)
    other = "b" if keep == "a" else "a"
    rows = []
    for name in FIELDS:
        if name == "nir" and not scope.may_see_nir and not (a.nir or b.nir):
            continue
        if name in ADDRESS_FIELDS:
            if name == ADDRESS:  # the whole address, in the place of its first part: one choice
                rows.append(_address_row(a, b, default=other if defaults.get(ADDRESS) == "absorbed" else keep))
            continue
        value_a, value_b = getattr(a, name), getattr(b, name)
        differs = (value_a or "") != (value_b or "")
        cosmetic = differs and isinstance(value_a, str) and normalize_name(value_a) == normalize_name(value_b)
        rows.append(
            ComparisonRow(
                name=name,
                label=_field_label(name),
                a=_display(a, name, scope),
                b=_display(b, name, scope),
                differs=differs,
                cosmetic=bool(cosmetic),
                default=other if defaults.get(name) == "absorbed" else keep,
            )
        )
    contacts = {key: [p.display_value for p in person.contact_points.all()] for key, person in (("a", a), ("b", b))}
    sources = {key: [f"{r.source} n° {r.source_id}" for r in person.source_records.all()] for key, person in (("a", a), ("b", b))}
    return PairComparison(rows=rows, keep=keep, contacts=contacts, sources=sources, activity=activity)


def _address_row(a: Person, b: Person, *, default: str) -> ComparisonRow:
    from relais.people.merging import ADDRESS, ADDRESS_FIELDS

    differs = any((getattr(a, name) or "") != (getattr(b, name) or "") for name in ADDRESS_FIELDS)
    cosmetic = differs and all(normalize_name(getattr(a, name)) == normalize_name(getattr(b, name)) for name in ADDRESS_FIELDS)
    return ComparisonRow(
        name=ADDRESS, label="Adresse", a=person_full_address(a), b=person_full_address(b),
        differs=differs, cosmetic=cosmetic, default=default,
    )  # fmt: skip


def person_full_address(person: Person) -> str:
    """The address on one line, saying what is missing (a reviewer must see an address without commune)."""
    street = ", ".join(part for part in (person.address, person.address_complement) if part)
    town = " ".join(part for part in (person.postcode, person.city) if part)
    if not street and not town:
        return ""
    if not town:
        return f"{street} (sans code postal ni commune)"
    if not person.postcode or not person.city:
        missing = "code postal" if not person.postcode else "commune"
        return f"{street}, {town} (sans {missing})" if street else f"{town} (sans {missing})"
    return f"{street}, {town}" if street else town


def person_merges_visible(*, reviewer: DuplicateReviewer) -> QuerySet[PersonMerge]:
    """The merges a reviewer may read and undo: those whose kept record they deal with."""
    if not reviewer.may_review:
        return PersonMerge.objects.none()
    return PersonMerge.objects.filter(reviewer.persons_filter("kept_id")).select_related(
        "kept", "absorbed", "merged_by", "undone_by"
    )


def person_addresses(person: Person) -> tuple[list[str], list[str]]:
    """The person's e-mail addresses and mobile numbers, first given first: where a message to them
    can go (their contact points prefetched or not)."""
    points = sorted(person.contact_points.all(), key=lambda point: point.position)
    emails = [point.value for point in points if point.kind == ContactPoint.Kind.EMAIL]
    mobiles = [point.value for point in points if point.kind == ContactPoint.Kind.PHONE and is_mobile(point.value)]
    return emails, mobiles
