"""The one place a person is validated, normalised and given their search fields, whoever creates
them: the person form and the API (`services.person_create`), an online booking or request
(`services.person_find_or_create_for_booking`), an e-mail from an unknown sender
(`requests.services`), the import of a legacy base (`importing`), the demo and the test factory.

`person_data_clean` works on plain values and makes no query, so that the import can call it for
each of millions of lines; `person_build` adds the unsaved Person with its search fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone

from relais.people.models import Person
from relais.people.normalization import (
    birth_date_problems,
    clean_name,
    clean_nir,
    join_first_names,
    name_tokens,
    normalize_email,
    normalize_name,
    phone_to_e164,
    split_first_names,
)
from relais.territory.models import Agent

# The messages of the rules every creation path shares (the form and the API use the first two
# for their own required fields, so that an empty name reads the same everywhere).
BIRTH_NAME_REQUIRED = "Le nom de naissance est obligatoire."
FIRST_NAME_REQUIRED = "Indiquez au moins un prénom."
UNKNOWN_SEX = "Sexe inconnu."
NIR_SEX_MISMATCH = "Le premier chiffre du NIR ne correspond pas au sexe indiqué."
POSTCODE_FORMAT = "Le code postal compte 5 chiffres."
COMMUNE_CODE_FORMAT = "Le code INSEE d'une commune compte 5 caractères."


@dataclass
class PersonData:
    """Identity and contact data as entered; cleaned by `person_data_clean`."""

    birth_name: str
    first_names: str
    usage_name: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    birth_place: str = ""
    nir: str = ""
    address: str = ""
    address_complement: str = ""
    postcode: str = ""
    city: str = ""
    commune_code: str = ""
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    # Set by `person_data_clean`: the search fields of the cleaned names (`search_fields`).
    search: dict[str, str] = field(init=False, default_factory=dict, repr=False, compare=False)

    IDENTITY_FIELDS = (
        "birth_name", "usage_name", "first_names", "sex", "birth_date", "birth_place", "nir",
        "address", "address_complement", "postcode", "city", "commune_code",
    )  # fmt: skip


_TEXT_FIELDS = [name for name in PersonData.IDENTITY_FIELDS if name not in ("sex", "birth_date")]
MAX_LENGTHS = {name: getattr(Person._meta.get_field(name), "max_length", None) or 0 for name in _TEXT_FIELDS}
SEARCH_NAMES_MAX_LENGTH = getattr(Person._meta.get_field("search_names"), "max_length", None) or 400
_NIR_SEX_DIGIT = {"M": "1", "F": "2"}


def search_fields(birth_name: str, usage_name: str, first_names: str) -> dict[str, str]:
    """The normalised copies of a person's names used by search and duplicate detection: the one
    formula (lower case, no accents, separators as spaces; `search_names` padded with spaces so
    that a whole word is found with `contains=" word "`)."""
    tokens = name_tokens(birth_name) + name_tokens(usage_name) + name_tokens(first_names)
    return {
        "search_birth_name": normalize_name(birth_name),
        "search_usage_name": normalize_name(usage_name),
        "search_names": f" {' '.join(tokens)} ",
    }


def person_search_fields(person: Person) -> None:
    """Fill a Person's search fields from its names (`search_fields`)."""
    for name, value in search_fields(person.birth_name, person.usage_name, person.first_names).items():
        setattr(person, name, value)


def person_data_clean(data: PersonData, *, today: dt.date | None = None) -> PersonData:
    """Normalise and validate in place; raises ValidationError with French messages per field.
    The rules: a birth name and at least one first name; the birth date neither in the future nor
    before 1900 (`normalization.birth_date_problems`); sex F, M or unknown; a NIR of 15 characters
    with its key, whose first digit agrees with the sex; a postcode of 5 digits, a commune code of
    5 characters; phones and e-mails that are real ones; no value longer than its column."""
    errors: dict[str, list[str]] = {}

    def add(field_name: str, message: str) -> None:
        errors.setdefault(field_name, []).append(message)

    data.birth_name = clean_name(data.birth_name)
    data.usage_name = clean_name(data.usage_name)
    data.first_names = join_first_names(split_first_names(data.first_names))
    if not normalize_name(data.birth_name):
        add("birth_name", BIRTH_NAME_REQUIRED)
    if not normalize_name(data.first_names):
        add("first_names", FIRST_NAME_REQUIRED)
    if problems := birth_date_problems(data.birth_date, today or timezone.localdate()):
        errors.setdefault("birth_date", []).extend(problems)
    if data.sex not in ("", "F", "M"):
        add("sex", UNKNOWN_SEX)
    data.nir = (data.nir or "").strip()
    if data.nir:
        try:
            data.nir = clean_nir(data.nir)
        except ValidationError as exc:
            errors.setdefault("nir", []).extend(exc.messages)
        else:
            if data.sex and data.nir and data.nir[0] in "12" and data.nir[0] != _NIR_SEX_DIGIT.get(data.sex, data.nir[0]):
                add("nir", NIR_SEX_MISMATCH)
    if data.phones:
        data.phones = _unique_normalised(data.phones, phone_to_e164, "phones", errors)
    if data.emails:
        data.emails = _unique_normalised(data.emails, normalize_email, "emails", errors)
    data.postcode = (data.postcode or "").strip()
    if data.postcode and not (len(data.postcode) == 5 and data.postcode.isdigit()):
        add("postcode", POSTCODE_FORMAT)
    data.commune_code = (data.commune_code or "").strip().upper()
    if data.commune_code and not (
        len(data.commune_code) == 5 and (data.commune_code.isdigit() or data.commune_code[:2] in ("2A", "2B"))
    ):
        add("commune_code", COMMUNE_CODE_FORMAT)
    for name, limit in MAX_LENGTHS.items():
        value = getattr(data, name)
        if limit and len(value) > limit and name not in errors:
            add(name, f"{len(value)} caractères : {limit} au plus.")
    if not errors:
        data.search = search_fields(data.birth_name, data.usage_name, data.first_names)
        names = data.search["search_names"]
        if len(names) > SEARCH_NAMES_MAX_LENGTH:
            add(
                "first_names",
                f"Noms et prénoms trop longs ({len(names)} caractères une fois normalisés, {SEARCH_NAMES_MAX_LENGTH} au plus).",
            )
    if errors:
        raise ValidationError(errors)
    return data


def _unique_normalised(raw_values: list[str], normalise, field_name: str, errors: dict[str, list[str]]) -> list[str]:  # type: ignore[no-untyped-def]
    values: list[str] = []
    for raw in raw_values:
        try:
            value = normalise(raw)
        except ValidationError as exc:
            errors.setdefault(field_name, []).extend(exc.messages)
            continue
        if value and value not in values:
            values.append(value)
    return values


def person_build(data: PersonData, *, created_by: Agent | None = None, today: dt.date | None = None) -> Person:
    """An unsaved Person from `data`, cleaned by the shared rules (`data` is cleaned in place: its
    phones and e-mails, normalised, are for the caller to save), with its search fields."""
    data = person_data_clean(data, today=today)
    person = Person(**{name: getattr(data, name) for name in PersonData.IDENTITY_FIELDS})
    person.created_by = person.updated_by = created_by
    person_search_fields(person)
    return person


def person_data_of(person: Person, **changes: object) -> PersonData:
    """The identity of an unsaved Person as PersonData (without contact points), with `changes`."""
    values = {name: getattr(person, name) for name in PersonData.IDENTITY_FIELDS}
    values.update(changes)
    return PersonData(**values)  # type: ignore[arg-type]
