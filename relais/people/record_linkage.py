"""Record linkage of French person records with Splink: which records of two bases are one person.

The model is the Fellegi–Sunter model Splink implements, trained without labels (u by random
sampling, m by expectation maximisation), with comparisons written for French civil identity:

- family names compared crosswise (a married woman appears under her birth name in one base and
  her spouse's name in the other), compound names matching on one part, particles ignored, a French
  phonetic key and a typo level, with term-frequency adjustment (a shared "Martin" proves less than
  a shared "Kerguelen");
- first names as sets ("Marie" against "Anne, Marie"), phonetic key, typo level;
- birth dates exact, with day and month swapped, one typed character wrong, or the same year;
- commune, postcode and département; address; phone; e-mail; NIR (or any national identifier).

Features are computed in pandas (`prepare_frame`, memoised per distinct value: a million records
hold a few tens of thousands of names) and the comparisons are plain SQL run by DuckDB — or by
Spark when `LINKAGE_BACKEND = "spark"` (see docs/scaling.md). `link_frames` is the whole pipeline;
`relais link-files` and `relais link` are thin commands over it.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from relais.people import identity_rules
from relais.people.csvformat import COLUMNS, detect_delimiter, detect_encoding
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

if TYPE_CHECKING:
    from splink import Linker

BACKENDS = ("duckdb", "spark")
logger = logging.getLogger(__name__)


class LinkageInputError(ValueError):
    """A person file that cannot be linked, with a French message for the user."""


# --- Features -----------------------------------------------------------------------------------


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
    path = Path(__file__).resolve().parent.parent / "territory" / "data" / "communes_78_92.csv"
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


def read_person_csv(path: Path) -> pd.DataFrame:
    """A person file in the CSV format of PRODUCT.md: comma or semicolon, UTF-8 or Windows-1252."""
    raw = path.read_bytes()
    encoding, broken = detect_encoding(raw)
    if broken:
        lines = ", ".join(map(str, broken[:10])) + (" …" if len(broken) > 10 else "")
        raise LinkageInputError(f"{path.name} : caractères illisibles (UTF-8 invalide) aux lignes {lines}.")
    text = raw.decode(encoding)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=detect_delimiter(text.split("\n", 1)[0]), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise LinkageInputError(f"{path.name} : le fichier est vide.") from None
    except pd.errors.ParserError as error:
        raise LinkageInputError(
            f"{path.name} : fichier CSV mal formé{_near_line(str(error))} "
            "(guillemet non refermé ou nombre de colonnes différent de l'en-tête)."
        ) from None
    frame.columns = [column.strip().lower() for column in frame.columns]
    if "source_id" not in frame.columns:
        raise LinkageInputError(f"{path.name} : la colonne « source_id » manque dans l'en-tête.")
    unknown = [column for column in frame.columns if column not in COLUMNS]
    if unknown:
        raise LinkageInputError(
            f"{path.name} : {'colonne inconnue' if len(unknown) == 1 else 'colonnes inconnues'} {', '.join(unknown)}."
        )
    if frame.empty:
        raise LinkageInputError(f"{path.name} : aucune personne après la ligne d'en-tête.")
    return frame


def _near_line(parser_message: str) -> str:
    """The file line pandas' parser names: "line N" is a line of the file, "row N" counts from the header."""
    if found := re.search(r"line (\d+)", parser_message):
        return f" à la ligne {found.group(1)}"
    if found := re.search(r"row (\d+)", parser_message):
        return f" à la ligne {int(found.group(1)) + 1}"
    return ""


# --- The model ----------------------------------------------------------------------------------


# French labels of each comparison's levels, from the most to the least similar (Splink numbers
# the non-null levels from the top: the first label is the highest gamma).
LEVEL_LABELS: dict[str, tuple[str, list[str]]] = {
    "names": (
        "Nom de famille",
        ["identique", "nom d'usage et de naissance croisés", "une partie du nom commune", "même son", "une faute de frappe",
         "proche", "nom et prénom inversés", "différent"],
    ),
    "first_names": (
        "Prénoms",
        ["identique", "un prénom en commun", "même son", "une faute de frappe", "proche", "nom et prénom inversés", "sans rapport"],
    ),
    "birth_date": (
        "Date de naissance",
        ["identique", "jour et mois inversés", "un chiffre différent", "à quelques jours près", "année seule, la même",
         "même année", "différente"],
    ),
    "birth_place": ("Lieu de naissance", ["identique", "différent"]),
    "place": ("Lieu de résidence", ["même adresse", "même commune", "même département", "ailleurs"]),
    "phone": ("Téléphone", ["identique", "différent"]),
    "email": ("Courriel", ["identique", "différent"]),
    "nir": ("NIR", ["identique", "un chiffre différent", "différent", "différent, l'un douteux"]),
    "sex": ("Sexe", ["identique", "différent"]),
}  # fmt: skip


# What disagrees — first names without any relation, birth dates or sexes that differ, two usable
# NIRs apart — is weighed by the identity rules (identity_rules.py), which know the typing errors
# that explain a difference and the households that explain an agreement. In the model these levels
# weigh nothing (m = u): learnt without labels on bases full of families, they would say that
# disagreeing hardly matters. Their labels still show on the review page.
def neutral(level: Any) -> Any:
    return level.configure(m_probability=0.5, u_probability=0.5, fix_m_probability=True, fix_u_probability=True)


# A near-zero probability the EM may produce for a level the training pairs never show (see
# `_clamp_em_underflow`).
UNSEEN = 1e-12


# An identifier that can be taken as its record's own: see `nir_trusted` and `looks_like_nir`.
USABLE_ID = '("nir_trusted_{side}" OR "nir_foreign_{side}")'

# The family name typed in the first-name field and the reverse: a classic of paper forms.
SWAPPED_NAMES = '"surname_l" = "first_r" OR "first_l" = "surname_r"'


def comparisons() -> list:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def both_missing(*columns: str) -> Any:
        left = " AND ".join(f'"{c}_l" IS NULL' for c in columns)
        right = " AND ".join(f'"{c}_r" IS NULL' for c in columns)
        return cll.CustomLevel(f"({left}) OR ({right})", "absent", base_dialect_str="duckdb").configure(is_null_level=True)

    def custom(condition: str, label: str) -> Any:
        # Written in DuckDB's SQL; Splink translates it for Spark.
        return cll.CustomLevel(condition, label, base_dialect_str="duckdb")

    return [
        cl.CustomComparison(
            output_column_name="names",
            comparison_levels=[
                both_missing("surname", "usage"),
                cll.ExactMatchLevel("surname", term_frequency_adjustments=True),
                custom('"usage_l" = "surname_r" OR "surname_l" = "usage_r" OR "usage_l" = "usage_r"', "croisés"),
                cll.ArrayIntersectLevel("name_keys", 1),
                custom(
                    '"surname_phon_l" = "surname_phon_r" OR "usage_phon_l" = "surname_phon_r" '
                    'OR "surname_phon_l" = "usage_phon_r" OR "usage_phon_l" = "usage_phon_r"',
                    "même son",
                ),
                cll.DamerauLevenshteinLevel("surname", 1),
                cll.JaroWinklerLevel("surname", 0.88).configure(m_probability=0.005),
                custom(SWAPPED_NAMES, "nom et prénom inversés").configure(m_probability=0.002),
                cll.ElseLevel().configure(m_probability=1e-5),
            ],
        ),
        cl.CustomComparison(
            output_column_name="first_names",
            comparison_levels=[
                cll.NullLevel("first"),
                cll.ExactMatchLevel("first", term_frequency_adjustments=True),
                cll.ArrayIntersectLevel("firsts", 1),
                cll.ExactMatchLevel("first_phon"),
                cll.DamerauLevenshteinLevel("first", 1),
                cll.JaroWinklerLevel("first", 0.88).configure(m_probability=0.005),
                custom(SWAPPED_NAMES, "nom et prénom inversés").configure(m_probability=0.002),
                neutral(cll.ElseLevel()),
            ],
        ),
        cl.CustomComparison(
            output_column_name="birth_date",
            comparison_levels=[
                cll.NullLevel("dob_year"),
                cll.ExactMatchLevel("dob"),
                custom('"dob_swapped_l" = "dob_r"', "jour et mois inversés"),
                cll.DamerauLevenshteinLevel("dob", 1),
                custom(f'abs("dob_days_l" - "dob_days_r") <= {identity_rules.FEW_DAYS}', "à quelques jours près"),
                # Only the year known on one side: "1985", or 01/01/1985 written for an unknown day and month.
                custom(
                    '("dob_l" IS NULL OR "dob_r" IS NULL OR "dob_l" LIKE \'%-01-01\' OR "dob_r" LIKE \'%-01-01\') '
                    'AND "dob_year_l" = "dob_year_r"',
                    "année seule, la même",
                ),
                custom('"dob_year_l" = "dob_year_r"', "même année"),
                neutral(cll.ElseLevel()),
            ],
        ),
        cl.CustomComparison(
            output_column_name="birth_place",
            comparison_levels=[cll.NullLevel("birth_place"), cll.ExactMatchLevel("birth_place"), cll.ElseLevel()],
        ),
        cl.CustomComparison(
            output_column_name="place",
            comparison_levels=[
                both_missing("city", "postcode"),
                cll.ExactMatchLevel("address"),
                custom('"city_l" = "city_r" OR "postcode_l" = "postcode_r"', "même commune"),
                cll.ExactMatchLevel("dept"),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="phone",
            comparison_levels=[cll.NullLevel("phone"), cll.ExactMatchLevel("phone"), cll.ElseLevel()],
        ),
        cl.CustomComparison(
            output_column_name="email",
            comparison_levels=[
                cll.NullLevel("email"),
                cll.ExactMatchLevel("email"),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="nir",
            comparison_levels=[
                cll.NullLevel("nir"),
                cll.ExactMatchLevel("nir"),
                cll.DamerauLevenshteinLevel("nir", 1).configure(m_probability=0.01),
                # Two identifiers more than a typo apart, both usable (a trusted NIR, another
                # country's number): rarely one person's.
                custom(f"{USABLE_ID.format(side='l')} AND {USABLE_ID.format(side='r')}", "différent").configure(
                    m_probability=1e-4
                ),
                neutral(cll.ElseLevel()),  # a NIR that may not be the record's own (a parent's) says nothing
            ],
        ),
        cl.CustomComparison(
            output_column_name="sex",
            comparison_levels=[
                cll.NullLevel("sex"),
                cll.ExactMatchLevel("sex"),
                neutral(cll.ElseLevel()),
            ],
        ),
    ]


# Candidate pairs: records agreeing on at least one of these. Together they catch a person whose
# family name changed (marriage), whose first name or family name has a typo, whose birth date was
# typed with day and month swapped, or who moved — while keeping the number of comparisons near
# linear in the size of the files.
BLOCKING_RULES = [
    ("surname_phon", "first_phon"),
    ("dob", "first_phon"),
    ("dob", "surname_phon"),
    'l."usage_phon" = r."surname_phon" AND l."first_phon" = r."first_phon"',
    'l."surname_phon" = r."usage_phon" AND l."first_phon" = r."first_phon"',
    'l."dob_swapped" = r."dob" AND l."surname_phon" = r."surname_phon"',
    'l."surname_phon" = r."first_phon" AND l."first_phon" = r."surname_phon"',
    ("dob", "postcode"),
    # Someone whose family name changed (a marriage the base did not record as a usage name) stays
    # in their postcode with their first name; the birth year (when both records have one) keeps
    # the common first names of a big commune from making tens of millions of pairs.
    'l."first_phon" = r."first_phon" AND l."postcode" = r."postcode" '
    'AND (l."dob_year" = r."dob_year" OR l."dob_year" IS NULL OR r."dob_year" IS NULL)',
    ("address", "city"),
    ("phone",),
    ("email",),
    ("nir",),
]


def settings(link_type: Literal["link_only", "dedupe_only"]) -> Any:
    from splink import SettingsCreator, block_on
    from splink.blocking_rule_library import CustomRule

    rules: list[Any] = [
        CustomRule(rule, sql_dialect="duckdb") if isinstance(rule, str) else block_on(*rule) for rule in BLOCKING_RULES
    ]
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        additional_columns_to_retain=[],
    )


SPARK_MISSING = (
    "Le moteur Spark demande pyspark, absent de cette installation : installez « relais[spark] » "
    '(pip install "relais[spark]", ou uv sync --extra spark) et Java 17, ou employez le moteur duckdb.'
)


def require_spark() -> None:
    """pyspark is an extra (`relais[spark]`): asking for the Spark backend without it says so in French."""
    try:
        import pyspark  # noqa: F401
    except ImportError as error:
        raise LinkageInputError(SPARK_MISSING) from error


def _db_api(backend: str) -> Any:
    if backend == "spark":
        require_spark()
        from splink import SparkAPI

        return SparkAPI(spark_session=spark_session())
    from splink import DuckDBAPI

    return DuckDBAPI()


def spark_session() -> Any:
    """The Spark session: the cluster of SPARK_MASTER when set, else Spark in local mode."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    builder = SparkSession.builder.appName("relais-linkage").master(os.environ.get("SPARK_MASTER", "local[2]"))
    # Splink's string-similarity functions (Jaro-Winkler, Damerau-Levenshtein) for Spark SQL.
    builder = builder.config("spark.jars", similarity_jar_location())
    builder = builder.config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "8"))
    builder = builder.config("spark.ui.enabled", "false").config("spark.driver.memory", "2g")
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    logging.getLogger("py4j").setLevel(logging.ERROR)  # its INFO lines at exit go to closed streams
    checkpoints = os.environ.get("SPARK_CHECKPOINT_DIR") or str(Path(tempfile.gettempdir()) / "relais-spark-checkpoints")
    session.sparkContext.setCheckpointDir(checkpoints)
    return session


def default_backend() -> str:
    """LINKAGE_BACKEND from the settings; DuckDB when used without Django settings (Spark executors)."""
    from django.conf import settings as django_settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        return getattr(django_settings, "LINKAGE_BACKEND", "duckdb")
    except ImproperlyConfigured:
        return "duckdb"


EM_MAX_PAIRS = 2e6  # a sample is enough to learn m; all the pairs of 3 M records would take minutes
MIN_SHARED_IDENTIFIERS = 100
# Personal identifiers only: a usable NIR (trusted, or another country's number) and a personal
# e-mail. Never the phone, nor a family e-mail: a household shares them, twins with the birth date.
IDENTIFIERS = ("nir_usable", "email_own")


def identifier_for_training(frames: list[pd.DataFrame]) -> str | None:
    """The personal identifier that the most records share, with their birth date, across the
    files (or within the one file): pairs sharing both are one person."""

    def shared(column: str) -> int:
        values = [(frame[column] + "|" + frame["dob"]).dropna() for frame in frames]
        return len(set(values[0]) & set(values[1])) if len(values) == 2 else int(values[0].duplicated().sum())

    return _most_shared(shared)


def _most_shared(shared: Callable[[str], int]) -> str | None:
    counts = {column: shared(column) for column in IDENTIFIERS}
    best = max(IDENTIFIERS, key=lambda column: counts[column])
    return best if counts[best] >= MIN_SHARED_IDENTIFIERS else None


def _clamp_em_underflow() -> None:
    """Edge cases of Splink 5.0's EM for levels that have (almost) no weight in the training pairs:
    m comes out as 0.0 or a subnormal float (which Splink then refuses: below 1e-300 raises), or as
    0/0 = NaN (written into the SQL as `nan`). An m below UNSEEN is read as "never seen": UNSEEN,
    the same near-veto for every such level; a NaN as "not observed", so the starting value stays."""
    from splink.internals import expectation_maximisation

    original = expectation_maximisation.populate_m_u_from_lookup
    if getattr(original, "relais_clamped", False):
        return

    def populate(fixed, level, column, lookup):  # type: ignore[no-untyped-def]
        for record in lookup.get(column, {}).values():
            for key, floor in (("m_probability", UNSEEN), ("u_probability", 1e-300)):
                value = record.get(key)
                if isinstance(value, float) and math.isnan(value):
                    del record[key]
                elif value is not None and value < floor:
                    record[key] = floor
        return original(fixed, level, column, lookup)

    populate.relais_clamped = True  # type: ignore[attr-defined]
    expectation_maximisation.populate_m_u_from_lookup = populate


def train(linker: Linker, *, records: int, identifier: str | None) -> None:
    """Unsupervised training: the prior from near-certain rules, u by sampling, m by EM.

    Names are learnt from pairs that share a personal identifier (a usable NIR, a personal
    e-mail) and the birth date, when the files have enough of them: pairs blocked on the birth
    date alone, or on a household's phone, are full of twins and siblings."""
    from splink import block_on

    _clamp_em_underflow()
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("nir_usable"), block_on("surname", "first", "dob"), block_on("email_own")], recall=0.7
    )
    training.estimate_u_using_random_sampling(max_pairs=min(5e6, max(1e6, records * 2.0)), seed=1)
    # Each session trains every comparison but the ones its blocking fixes.
    rules = [block_on(identifier, "dob") if identifier else block_on("dob"), block_on("surname_phon", "first_phon")]
    for rule in rules:
        training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True, max_pairs=EM_MAX_PAIRS
        )


def explanation(row: dict) -> dict:
    """Per-field levels and weights (in bits, term frequencies included) of a scored pair, in French."""
    items = []
    for name, (label, levels) in LEVEL_LABELS.items():
        gamma = row.get(f"gamma_{name}")
        if gamma is None or _missing(gamma) or int(gamma) < 0:
            continue
        weight = float(row.get(f"mw_{name}") or 0.0)
        adjustment = row.get(f"mw_tf_adj_{name}")
        if adjustment is not None and not _missing(adjustment):
            weight += float(adjustment)
        index = max(0, len(levels) - 1 - int(gamma))
        items.append({"label": label, "level": levels[index], "weight": round(weight, 1)})
    return {"comparisons": items}


def _missing(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def link_frames(
    frame_a: pd.DataFrame,
    frame_b: pd.DataFrame | None = None,
    *,
    threshold: float = 0.5,
    backend: str | None = None,
    explain: bool = False,
    calibrate: bool = True,
) -> pd.DataFrame:
    """Pairs of records that are probably one person: (id_a, id_b, match_probability[, explanation]).

    With two frames, records of A are compared with records of B; with one, the frame is
    deduplicated (each pair once). Both hold the Relais person columns as strings. Without
    `calibrate`, the identity rules keep their full weight whatever the files show.
    """
    backend = backend or default_backend()
    if backend not in BACKENDS:
        raise LinkageInputError(f"Moteur de rapprochement inconnu : {backend} (duckdb ou spark).")
    db_api = _db_api(backend)
    clock = _Stages()
    prepared = [prepare_frame(frame_a)] + ([prepare_frame(frame_b)] if frame_b is not None else [])
    identifier = identifier_for_training(prepared)
    records = sum(len(frame) for frame in prepared)
    tables = prepared
    if backend == "spark":
        tables = [db_api.spark.createDataFrame(frame, schema=feature_schema()) for frame in prepared]
    clock.lap("features")
    scored = _score(db_api, tables, identifier=identifier, records=records, threshold=threshold, explain=explain, clock=clock)
    if backend == "spark":
        result = scored.as_pandas_dataframe()
    else:  # only the columns the rules and the explanation read: a large link holds millions of pairs
        columns = "*" if explain else "unique_id_l, unique_id_r, match_weight, " + ", ".join(HOUSEHOLD_WEIGHTS)
        result = scored.query_sql(f"SELECT {columns} FROM {{this}}").as_pandas_dataframe()  # noqa: S608 (our own column names)
    features = [frame.set_index("unique_id")[[*identity_rules.FEATURES, "nir_usable"]] for frame in prepared]
    calibration = (
        identity_rules.calibrate(sure_pairs(features[0], features[-1], dedupe=frame_b is None))
        if calibrate
        else identity_rules.FULL_STRENGTH
    )
    chunks = [
        judged_pairs(
            result.iloc[start : start + JUDGE_CHUNK], features[0], features[-1], calibration, threshold=threshold, explain=explain
        )
        for start in range(0, max(len(result), 1), JUDGE_CHUNK)
    ]
    pairs = pd.concat(chunks, ignore_index=True)
    pairs = pairs.sort_values(["id_a", "match_probability"], ascending=[True, False], ignore_index=True)
    pairs.attrs["calibration"] = calibration
    clock.lap("identity rules")
    logger.info("linkage of %s records, %s pairs scored: %s", records, len(result), clock)
    return pairs


class _Stages:
    """Wall time of each stage of a linkage, for the log (where a large link spends its time)."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.laps: list[tuple[str, float]] = []

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append((name, now - self.last))
        self.last = now

    def __str__(self) -> str:
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.laps) + f" (in all {self.last - self.started:.1f} s)"


# The features the model compares and blocks on (the others are for the identity rules).
MODEL_COLUMNS = [
    "unique_id", "surname", "usage", "surname_phon", "usage_phon", "name_keys", "first", "firsts", "first_phon", "sex",
    "dob", "dob_swapped", "dob_year", "dob_days", "birth_place", "postcode", "dept", "city", "address", "phone", "email",
    "nir", "nir_trusted", "nir_foreign", "nir_usable", "email_own",
]  # fmt: skip
SURE_PAIRS_MAX = 100_000
# An identifier this frequent in one file is a placeholder ("0000000"), not a person's.
SURE_ID_MAX_RECORDS = 5


def sure_pairs(left: pd.DataFrame, right: pd.DataFrame, *, dedupe: bool) -> pd.DataFrame:
    """Pairs of records sharing a usable identifier (a trusted NIR, another country's number):
    surely one person, whatever else they say. They measure the identity rules (`calibrate`)."""

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        keys = frame["nir_usable"].dropna()
        keys = keys[keys.map(keys.value_counts()) <= SURE_ID_MAX_RECORDS]
        return keys.rename_axis("unique_id").reset_index()

    merged = keyed(left).merge(keyed(right), on="nir_usable", suffixes=("_l", "_r"))
    if dedupe:
        merged = merged[merged["unique_id_l"] < merged["unique_id_r"]]
    if len(merged) > SURE_PAIRS_MAX:
        merged = merged.sample(SURE_PAIRS_MAX, random_state=1)
    return identity_rules.side_by_side(left.loc[merged["unique_id_l"]], right.loc[merged["unique_id_r"]])


JUDGE_CHUNK = 500_000
# The model's per-comparison weights of what a household shares (identity_rules.HOUSEHOLD_COMPARISONS).
HOUSEHOLD_WEIGHTS = [f"mw_{name}" for name in identity_rules.HOUSEHOLD_COMPARISONS]


def judged_pairs(
    scored: pd.DataFrame,
    left: pd.DataFrame,
    right: pd.DataFrame,
    calibration: identity_rules.Calibration,
    *,
    threshold: float,
    explain: bool = False,
) -> pd.DataFrame:
    """The model's scored pairs once the identity rules have spoken: (id_a, id_b, match_probability,
    model_probability, identity_agrees, findings[, explanation]), those still at or above the
    threshold. `left` and `right` are the prepared features indexed by unique_id."""
    ids_l, ids_r = scored["unique_id_l"].astype(str), scored["unique_id_r"].astype(str)
    sides = identity_rules.side_by_side(left.loc[ids_l], right.loc[ids_r])
    pairs, judgement = judge_scored(sides, scored, calibration)
    if explain:
        pairs["explanation"] = [
            explanation(row)
            | {"findings": found, "household_discount": round(float(discount), 2), "rules_weight": round(-float(bits), 1)}
            for row, found, discount, bits in zip(
                scored.to_dict("records"), pairs["findings"], judgement.household_discount, pairs["rules_bits"], strict=True
            )
        ]
    return pairs[pairs["match_probability"] >= threshold]


def judge_scored(
    sides: pd.DataFrame, scored: pd.DataFrame, calibration: identity_rules.Calibration
) -> tuple[pd.DataFrame, identity_rules.Judgement]:
    """Scored pairs (ids, match weight and household weights in `scored`, the features of both
    records in `sides`, row by row) judged by the identity rules."""
    judgement = identity_rules.judge(sides, calibration)
    weights = scored["match_weight"].to_numpy(dtype=float)
    household = np.zeros(len(scored))
    personal = sides["email_personal_l"].to_numpy(dtype=bool) & sides["email_personal_r"].to_numpy(dtype=bool)
    for column in HOUSEHOLD_WEIGHTS:
        weight = np.clip(scored[column].fillna(0.0).to_numpy(dtype=float), 0.0, None)
        household += np.where(personal, 0.0, weight) if column == "mw_email" else weight
    adjusted = identity_rules.adjusted_weights(weights, household, judgement)
    pairs = pd.DataFrame(
        {
            "id_a": scored["unique_id_l"].astype(str).to_numpy(),
            "id_b": scored["unique_id_r"].astype(str).to_numpy(),
            "match_probability": identity_rules.probability(adjusted),
            "model_probability": identity_rules.probability(weights),
            "rules_bits": weights - adjusted,  # what the identity rules took off the model's weight
            "identity_agrees": judgement.identity_agrees,
            "findings": [[finding.as_dict() for finding in found] for found in judgement.findings],
        }
    )
    return pairs, judgement


def _score(
    db_api: Any,
    prepared: list[Any],
    *,
    identifier: str | None,
    records: int,
    threshold: float,
    explain: bool,
    clock: _Stages | None = None,
) -> Any:
    """Train the model on the prepared tables (pandas or Spark) and score the candidate pairs."""
    from splink import Linker

    run = uuid.uuid4().hex[:8]  # a Spark session outlives one linkage: its tables need their own names
    # Only what the model reads: the rules' own features (name lists above all) would make the
    # engine copy millions of Python objects it never uses.
    model_only = [frame[MODEL_COLUMNS] if isinstance(frame, pd.DataFrame) else frame.select(*MODEL_COLUMNS) for frame in prepared]
    tables = [
        db_api.register(frame, table_name=f"relais_{name}_{run}") for frame, name in zip(model_only, ("a", "b"), strict=False)
    ]
    model_settings = settings("link_only" if len(tables) > 1 else "dedupe_only")
    model_settings.retain_intermediate_calculation_columns = True  # the per-comparison weights the rules read
    if explain:
        model_settings.retain_matching_columns = True
    linker = Linker(tables if len(tables) > 1 else tables[0], model_settings, log_level=logging.ERROR)
    train(linker, records=records, identifier=identifier)
    if clock:
        clock.lap("training")
    scored = linker.inference.predict(threshold_match_probability=threshold)
    if clock:
        clock.lap("scoring")
    return scored


def feature_schema() -> Any:
    """The Spark schema of `prepare_frame`'s output: strings, arrays of strings for the name sets,
    the number of days since 1900 and the flags."""
    from pyspark.sql.types import ArrayType, BooleanType, DataType, LongType, StringType, StructField, StructType

    columns = prepare_frame(pd.DataFrame({"source_id": ["x"]})).columns
    types: dict[str, DataType] = dict.fromkeys(("name_keys", "firsts", "given", "surname_given"), ArrayType(StringType()))
    types.update(dob_days=LongType(), nir_trusted=BooleanType(), nir_foreign=BooleanType(), email_personal=BooleanType())
    return StructType([StructField(name, types.get(name, StringType()), True) for name in columns])


def link_files_on_spark(path_a: str, path_b: str, out: str, *, threshold: float = 0.5) -> int:
    """Link two person files of any size on a Spark cluster: the files are read, prepared (on the
    executors, with the same `prepare_frame`), linked and written by Spark, never on the driver.
    `out` is a directory of CSV parts (id_a,id_b,match_probability). See docs/scaling.md."""
    require_spark()
    from pyspark.sql import functions as F

    db_api = _db_api("spark")
    spark = db_api.spark
    schema = feature_schema()

    def features(path: str) -> Any:
        raw = spark.read.csv(path, header=True, sep=_spark_separator(path), encoding="UTF-8", inferSchema=False)
        raw = raw.select([F.col(name).alias(name.strip().lower()) for name in raw.columns])
        if "source_id" not in raw.columns:
            raise LinkageInputError(f"{path} : la colonne « source_id » manque dans l'en-tête.")
        return raw.mapInPandas(lambda batches: (prepare_frame(batch) for batch in batches), schema=schema).persist()

    prepared = [features(path_a), features(path_b)]
    duplicated = prepared[0].groupBy("unique_id").count().where("count > 1").limit(1).collect()
    duplicated += prepared[1].groupBy("unique_id").count().where("count > 1").limit(1).collect()
    if duplicated:
        raise LinkageInputError(f"L'identifiant « {duplicated[0]['unique_id']} » apparaît deux fois dans le même fichier.")

    def shared(column: str) -> int:
        keys = [frame.select(column, "dob").dropna().distinct() for frame in prepared]
        return keys[0].join(keys[1], [column, "dob"]).count()

    identifier = _most_shared(shared)
    records = prepared[0].count() + prepared[1].count()
    scored = _score(db_api, prepared, identifier=identifier, records=records, threshold=threshold, explain=False)
    calibration = identity_rules.calibrate(_sure_pairs_on_spark(prepared))
    # The identity rules run on the executors, on the scored pairs joined to both records' features.
    columns = list(identity_rules.FEATURES)
    left = prepared[0].select(F.col("unique_id").alias("unique_id_l"), *(F.col(c).alias(f"{c}_l") for c in columns))
    right = prepared[1].select(F.col("unique_id").alias("unique_id_r"), *(F.col(c).alias(f"{c}_r") for c in columns))
    weights = scored.as_spark_dataframe().select("unique_id_l", "unique_id_r", "match_weight", *HOUSEHOLD_WEIGHTS)
    joined = weights.join(left, "unique_id_l").join(right, "unique_id_r")

    def judge(batches: Any) -> Any:
        for batch in batches:
            judged, _ = judge_scored(batch, batch, calibration)
            yield judged[["id_a", "id_b", "match_probability"]]

    pairs = joined.mapInPandas(judge, schema="id_a string, id_b string, match_probability double")
    pairs = pairs.where(F.col("match_probability") >= threshold).withColumn("match_probability", F.round("match_probability", 6))
    pairs.write.mode("overwrite").csv(out, header=True)
    return spark.read.csv(out, header=True).count()


def _sure_pairs_on_spark(prepared: list[Any]) -> pd.DataFrame:
    """`sure_pairs` computed by Spark: records of both files sharing a usable identifier."""
    from pyspark.sql import functions as F

    columns = list(identity_rules.FEATURES)

    def keyed(frame: Any, side: str) -> Any:
        usable = frame.where(F.col("nir_usable").isNotNull())
        placeholders = usable.groupBy("nir_usable").count().where(F.col("count") > SURE_ID_MAX_RECORDS).select("nir_usable")
        usable = usable.join(placeholders, "nir_usable", "left_anti")
        return usable.select("nir_usable", *(F.col(c).alias(f"{c}_{side}") for c in columns))

    sure = keyed(prepared[0], "l").join(keyed(prepared[1], "r"), "nir_usable").limit(SURE_PAIRS_MAX).toPandas()
    return sure.drop(columns=["nir_usable"])


def _spark_separator(path: str) -> str:
    """The separator of a CSV file, from its first line (local or mounted files only)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            first = handle.readline()
    except OSError:
        return ","  # a cluster path (hdfs://, s3a://): comma, the default of the person CSV
    return detect_delimiter(first)


def link_files(
    path_a: Path, path_b: Path, out: Path, *, threshold: float = 0.5, backend: str | None = None
) -> tuple[int, identity_rules.Calibration]:
    """`relais link-files`: write id_a,id_b,match_probability for every pair at or above the threshold;
    return their number and how the identity rules were weighed on these files.
    (On Spark, for files too large for one machine, see `link_files_on_spark`.)"""
    pairs = link_frames(read_person_csv(path_a), read_person_csv(path_b), threshold=threshold, backend=backend)
    pairs["match_probability"] = pairs["match_probability"].round(6)
    pairs.to_csv(out, index=False, columns=["id_a", "id_b", "match_probability"])
    return len(pairs), pairs.attrs["calibration"]
