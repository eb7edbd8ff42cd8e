"""The features the linkage compares, computed in pandas from the Relais person columns
(`prepare_frame`): name keys and phonetics, first names, birth dates, whether a NIR can be trusted,
the département of birth, whether an e-mail is its person's own."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from relais.people import identity_rules
from relais.people.csvformat import COLUMNS
from relais.people.normalization import (
    PLACEHOLDER_YEAR,
    SEX_CODES,
    address_key,
    french_phonetic_key,
    is_placeholder_date,
    name_keys,
    name_without_particles,
    nir_key,
    normalize_name,
    parse_french_date,
    split_first_names,
    swapped_day_month,
)
from relais.people.record_linkage.files import LinkageInputError


def _per_distinct(series: pd.Series, function: Callable[[str], Any]) -> pd.Series:
    """Apply a pure function once per distinct value: names repeat, so this is where the time goes."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    results = np.empty(len(uniques), dtype=object)
    results[:] = [function(value) for value in uniques]
    return pd.Series(results[codes], index=series.index)


def _per_distinct_parts(series: pd.Series, function: Callable[[str], tuple], parts: int) -> list[pd.Series]:
    """Like `_per_distinct` for a function returning a tuple: one Series per element of the tuple."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    results = [function(value) for value in uniques]
    columns = []
    for i in range(parts):
        part = np.empty(len(uniques), dtype=object)
        part[:] = [result[i] for result in results]
        columns.append(pd.Series(part[codes], index=series.index))
    return columns


def _compact_name(value: str) -> str | None:
    """'de La Fontaine' → 'fontaine', 'Martin-Dupont' → 'martindupont', '' → None."""
    return name_without_particles(value).replace(" ", "") or None


def _phonetic(value: str) -> str | None:
    return french_phonetic_key(name_without_particles(value)) or None


def _name_keys(birth_and_usage: str) -> list[str]:
    birth, _, usage = birth_and_usage.partition("\x1f")
    return sorted(name_keys(birth) | name_keys(usage))


def _first_name_features(value: str) -> tuple[str | None, list[str], list[str], str | None, str | None]:
    """The usual first name (compact), every first name and their parts (compact), the first names
    alone in civil order (normalised: "jean pierre"), the usual one's phonetic key, and the usual
    first name as written (for the reviewer)."""
    written = split_first_names(value)
    given = [name for name in map(normalize_name, written) if name]
    if not given:
        return None, [], [], None, None
    parts = [part for name in given if " " in name for part in name.split() if part not in given]
    compact = [name.replace(" ", "") for name in given + parts]  # first_name_set's, without splitting twice
    return compact[0], compact, given, french_phonetic_key(given[0]) or None, written[0]


_PARTIAL_DATES = [
    re.compile(r"(?P<year>\d{4})(?:-(?P<month>\d{1,2}))?(?:-0{1,2})?"),  # 1985, 1985-04, 1985-04-00, 1985-00-00
    re.compile(r"(?:0{1,2}[/.\-])?(?:(?P<month>\d{1,2})[/.\-])?(?P<year>\d{4})"),  # 04/1985, 00/04/1985, 00/00/1985
]


# Year first, as other software exports it: 1985/04/12, 1985.04.12, 19850412 (read as 1985-04-12).
_OTHER_ORDERS = re.compile(r"^(\d{4})(?:[/.]?)(\d{2})(?:[/.]?)(\d{2})$")


def _dates(value: str) -> tuple[str | None, str | None, str | None, str | None, str | None, int | None]:
    """A birth date as written → (ISO date, the same with day and month exchanged, year, month, day,
    days since 1900).
    A partial date ("1985", "00/04/1985") gives its year and month only; a malformed one, nothing:
    for linkage a date that cannot be read is a missing date, not a failure."""
    try:
        day = parse_french_date(_OTHER_ORDERS.sub(r"\1-\2-\3", value))
    except Exception:
        for pattern in _PARTIAL_DATES:
            if (found := pattern.fullmatch(value)) and int(found.group("year")) >= PLACEHOLDER_YEAR:
                month = found.group("month")
                month = f"{int(month):02d}" if month and 1 <= int(month) <= 12 else None
                return None, None, found.group("year"), month, None, None
        return None, None, None, None, None, None
    if day is None or is_placeholder_date(day):
        return None, None, None, None, None, None
    swapped = swapped_day_month(day)
    iso_swapped = swapped.isoformat() if swapped else None
    return (
        day.isoformat(),
        iso_swapped,
        f"{day.year:04d}",
        f"{day.month:02d}",
        f"{day.day:02d}",
        (day - identity_rules.DAYS_EPOCH).days,
    )


# Sex digit (1, 2; 3, 4, 7, 8 for other registrations), year, month, département (2A/2B for
# Corsica), commune and order number.
_NIR_BODY = re.compile(r"[1-478]\d{4}(?:\d{2}|2[AB])\d{6}")


def nir_trusted(
    nir: str, sex: str | None, year: str | None, month: str | None, day: str | None, days: int | None, dept: str | None
) -> bool:
    """Whether a NIR (cleaned) can be taken as its record's own: 15 characters with a valid key, a
    permanent number (sex digit 1 or 2), consistent with what the record says of the person's sex,
    birth year and month (a typing error in the record's date allowed, as between two records) and
    département of birth. Legacy bases often hold another NIR on a record (the insured parent's on
    a child's): such a NIR says nothing of the record's person, for or against."""
    if len(nir) != 15 or nir[0] not in "12" or not _NIR_BODY.fullmatch(nir[:13]):
        return False
    if not nir[13:].isdigit() or nir_key(nir[:13]) != int(nir[13:]):
        return False
    if sex and {"1": "M", "2": "F"}[nir[0]] != sex:
        return False
    if year and not identity_rules.nir_date_consistent(nir, year, month, day, days):
        return False
    return not dept or identity_rules.birth_areas_agree(nir[5:7], dept)


def looks_like_nir(value: str) -> bool:
    """Whether an identifier has the shape of a French NIR (13 characters or more, a sex digit,
    digits or Corsica's 2A/2B); anything else in that column is another national identifier."""
    return len(value) >= 13 and bool(_NIR_BODY.fullmatch(value[:13]))


def _birth_departments() -> dict[str, str]:
    """Communes whose département of birth can be told from their name alone: those of the 78 and
    the 92 (vendored), and Paris. Elsewhere a birth place says its département only as "(29)"."""
    departments = {"paris": "75"}
    path = Path(__file__).resolve().parents[2] / "territory" / "data" / "communes_78_92.csv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            departments[normalize_name(row["name"]).replace(" ", "")] = row["department"]
    return departments


_BIRTH_DEPARTMENTS: dict[str, str] = {}
_DEPARTMENT_IN_PLACE = re.compile(r"\((\d{2,3}|2[AB])\)\s*$", re.IGNORECASE)


def birth_department(place: str) -> str | None:
    """The département of a birth place ("Nanterre" → 92, "Brest (29)" → 29, "Paris 15e" → 75)."""
    if found := _DEPARTMENT_IN_PLACE.search(place):
        return found.group(1).upper()
    if not _BIRTH_DEPARTMENTS:
        _BIRTH_DEPARTMENTS.update(_birth_departments())
    name = normalize_name(place)
    if name.startswith("paris"):
        return "75" if re.fullmatch(r"paris(?: \d{1,2}(?:e|er|eme)?)?(?: arrondissement)?", name) else None
    return _BIRTH_DEPARTMENTS.get(name.replace(" ", ""))


# A family mailbox is household evidence, not identity evidence (see identity_rules.py).
_FAMILY_MAILBOX = re.compile(r"famille|family|foyer|parents|maison|home|fam[._-]")


def email_personal(features: pd.DataFrame) -> pd.Series:
    """Whether each record's e-mail is its person's own: not a family mailbox by its name, and not
    given in the same file for records with other first names (a household's shared address)."""
    given = features.loc[features["email"].notna(), ["email", "first"]].dropna().drop_duplicates()
    shared_emails = given["email"].value_counts()
    shared = features["email"].isin(shared_emails.index[shared_emails.to_numpy() > 1])
    family = features["email"].fillna("").str.split("@").str[0].str.contains(_FAMILY_MAILBOX)
    return features["email"].notna() & ~shared & ~family


def _none_if_empty(series: pd.Series) -> pd.Series:
    return series.where(series != "", None)


def prepare_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The Relais person columns (strings, "" when unknown) → the features the model compares."""
    frame = frame.reindex(columns=COLUMNS).fillna("").astype(str)
    if frame.empty:  # pandas' string methods need a value to know the type: prepare one, keep none
        return prepare_frame(pd.DataFrame([dict(dict.fromkeys(COLUMNS, ""), source_id="-")])).iloc[:0]
    if frame["source_id"].eq("").any():
        raise LinkageInputError("Chaque ligne doit avoir un identifiant (colonne source_id).")
    if frame["source_id"].duplicated().any():
        duplicated = frame.loc[frame["source_id"].duplicated(), "source_id"].iloc[0]
        raise LinkageInputError(f"L'identifiant « {duplicated} » apparaît deux fois dans le même fichier.")
    dob, dob_swapped, dob_year, dob_month, dob_day, dob_days = _per_distinct_parts(frame["birth_date"].str.strip(), _dates, 6)
    first, firsts, given, first_phon, first_written = _per_distinct_parts(frame["first_names"], _first_name_features, 5)
    phone_digits = frame["phone"].str.replace(r"\D", "", regex=True)
    email = frame["email"].str.strip().str.lower()
    nir_full = frame["nir"].str.upper().str.replace(r"[^0-9AB]", "", regex=True)
    nir = nir_full.str[:13]
    postcode = frame["postcode"].str.replace(r"\s", "", regex=True)
    sex = frame["sex"].str.strip().str.upper().map(SEX_CODES).replace("", None)
    birth_dept = _per_distinct(frame["birth_place"].str.strip(), birth_department)
    features = pd.DataFrame(
        {
            "unique_id": frame["source_id"],
            "surname": _per_distinct(frame["birth_name"], _compact_name),
            # The family name's field read as first names: some forms have the two swapped.
            "surname_given": _per_distinct(
                frame["birth_name"], lambda value: [normalize_name(n) for n in split_first_names(value)]
            ),
            "usage": _per_distinct(frame["usage_name"], _compact_name),
            "surname_phon": _per_distinct(frame["birth_name"], _phonetic),
            "usage_phon": _per_distinct(frame["usage_name"], _phonetic),
            "name_keys": _per_distinct(frame["birth_name"] + "\x1f" + frame["usage_name"], _name_keys),
            "first": first,
            "firsts": firsts,
            "given": given,
            "first_phon": first_phon,
            "first_written": first_written,
            "sex": sex,
            "dob": dob,
            "dob_swapped": dob_swapped,
            "dob_year": dob_year,
            "dob_month": dob_month,
            "dob_day": dob_day,
            "dob_days": dob_days,
            "birth_place": _per_distinct(frame["birth_place"], lambda value: normalize_name(value) or None),
            "birth_dept": birth_dept,
            "postcode": _none_if_empty(postcode),
            "dept": _none_if_empty(postcode.str[:2]),
            "city": _per_distinct(frame["city"], lambda value: normalize_name(value).replace(" ", "") or None),
            "address": _per_distinct(frame["address"], lambda value: address_key(value) or None),
            "phone": phone_digits.str[-9:].where(phone_digits.str.len() >= 9, None),
            "email": _none_if_empty(email),
            "nir": nir.where(nir.str.len() >= 7, None),
        }
    )
    features = features.astype(object).where(features.notna(), None)
    features["nir_trusted"] = [
        len(values[0]) == 15 and nir_trusted(*values)  # most records have no NIR: no call for them
        for values in zip(
            nir_full,
            features["sex"],
            dob_year,
            features["dob_month"],
            features["dob_day"],
            features["dob_days"],
            birth_dept,
            strict=True,
        )
    ]
    # A record without its sex takes the one its trusted NIR encodes.
    nir_sex = nir_full.str[:1].map({"1": "M", "2": "F"})
    features["sex"] = features["sex"].where(features["sex"].notna() | ~features["nir_trusted"], nir_sex)
    # Another country's identifier: not a NIR, nor a NIR with digits missing ("1 60 04 75 123 45").
    nir_shaped = nir.str.fullmatch(_NIR_BODY.pattern) | nir.str.fullmatch(r"[1-478]\d{9,12}")
    features["nir_foreign"] = features["nir"].notna() & ~nir_shaped.fillna(False).to_numpy()
    features["email_personal"] = email_personal(features)
    usable = features["nir_trusted"] | features["nir_foreign"]
    features["nir_usable"] = features["nir"].where(usable, None)
    features["email_own"] = features["email"].where(features["email_personal"], None)
    return features
