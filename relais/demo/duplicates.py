"""The demo's legacy duplicates: people each département's old base knew under another spelling.

About a hundred adults also appear as a second record imported from the other département's base
(capitals without accents, only the usual first name, a married name, a move, a date typed day and
month swapped…). A few carry an error that leaves the identity rules in doubt (the sex typed wrong,
a year typed one digit wrong), which a reviewer must settle. The real linkage (`relais link`) then
runs on the whole demo population, families included: sure pairs with an agreeing identity are
merged automatically (and can be undone on /usagers/fusions/), the others wait on /usagers/doublons/.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

from relais.demo.names import STREETS, pick_surname
from relais.demo.population import DemoPerson
from relais.demo.world import World
from relais.people.building import person_build, person_data_of
from relais.people.database_duplicates import persons_link
from relais.people.models import ContactPoint, Person, PersonOrganisation, SourceRecord
from relais.people.search import person_index


def _shout(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().upper()


def _doubtful(copy: Person, index: int) -> None:
    """An error a typing slip explains but two people could too: the reviewer decides (see
    docs/identity-rules.md). The sex typed wrong, or one digit of the birth year, 30 years off."""
    day = copy.birth_date
    if index % 2 == 1 and day and 1900 <= day.year <= 1969 and not (day.month == 2 and day.day == 29):
        copy.birth_date = day.replace(year=day.year + 30)  # 1955 → 1985: the tens digit
    elif copy.sex:
        copy.sex = "M" if copy.sex == "F" else "F"


def _legacy_copy(rng: random.Random, original: Person, heavy: bool) -> Person:
    copy = Person(
        birth_name=original.birth_name, usage_name=original.usage_name, first_names=original.first_names, sex=original.sex,
        birth_date=original.birth_date, birth_place=original.birth_place, address=original.address,
        postcode=original.postcode, city=original.city, commune_code=original.commune_code,
    )  # fmt: skip
    if rng.random() < 0.6:
        copy.birth_name, copy.usage_name, copy.first_names = (
            _shout(v) for v in (copy.birth_name, copy.usage_name, copy.first_names)
        )
    if rng.random() < 0.5:
        copy.first_names = copy.first_names.split(",")[0].strip()
    if copy.sex == "F" and not copy.usage_name and rng.random() < 0.3:
        copy.usage_name = pick_surname(rng)  # married since the other base last saw her
    if heavy:
        # What makes a reviewer necessary: a move, a missing or swapped birth date, a typo.
        copy.address = f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
        copy.city, copy.postcode, copy.commune_code = "", "", ""
        day = copy.birth_date
        if day and day.day <= 12 and day.day != day.month and rng.random() < 0.5:
            copy.birth_date = dt.date(day.year, day.day, day.month)
        else:
            copy.birth_date = None  # the old base never asked
        if len(copy.birth_name) > 5 and rng.random() < 0.5:
            i = rng.randrange(2, len(copy.birth_name) - 1)
            copy.birth_name = copy.birth_name[:i] + copy.birth_name[i + 1 :]
    return copy


DOUBTFUL = 12  # among the first copies, every third (a light one) gets a doubtful error: four in all


def build_duplicates(rng: random.Random, world: World, people: list[DemoPerson], count: int = 100) -> dict[str, int]:
    adults = [entry for entry in people if entry.age >= 18 and entry.person.birth_date]
    chosen = rng.sample(adults, min(count, len(adults)))
    copies: list[tuple[Person, DemoPerson]] = []
    for index, entry in enumerate(chosen):
        copy = _legacy_copy(rng, entry.person, heavy=index % 3 != 0)
        if index < DOUBTFUL and index % 3 == 0:
            _doubtful(copy, index // 3)
        copies.append((person_build(person_data_of(copy)), entry))  # a legacy copy obeys the same rules
    Person.objects.bulk_create([copy for copy, _ in copies])
    person_index([copy for copy, _ in copies], replace=False)
    contact_points, links, sources = [], [], []
    for index, (copy, entry) in enumerate(copies, start=1):
        other = "78" if entry.department == "92" else "92"
        if entry.phones and index % 3 == 1:  # the light copies; heavy ones lost the phone too
            contact_points.append(ContactPoint(person=copy, kind=ContactPoint.Kind.PHONE, value=entry.phones[0], position=0))
        links.append(PersonOrganisation(person=copy, organisation=world.organisations[other]))
        sources.append(SourceRecord(person=copy, source=f"GRC{other}", source_id=f"{other}-H{index:05d}"))
    ContactPoint.objects.bulk_create(contact_points)
    PersonOrganisation.objects.bulk_create(links)
    SourceRecord.objects.bulk_create(sources)
    job = persons_link(lower=0.5, upper=0.99)
    return {"duplicates": len(copies), "auto_merged": job.auto_merged, "to_review": job.to_review}
