"""Identity rules: the evidence that two person records are two people, whatever else they share.

The linkage model (`record_linkage/model.py`) adds up how much two records agree, field by field, as if each
agreement were separate evidence. Within a family it is not: a parent and a child share a family
name, an address, a phone, often an e-mail, sometimes their first names; twins share the birth
date as well. What tells them apart is what *disagrees*, and a model trained without labels on
bases full of families learns that a disagreement hardly matters. So the disagreements are
written here by hand, each with its reason, and apply wherever two records are compared:
`relais link-files`, `relais link` (two bases, one base, or everyone) and the duplicate warning
when an agent creates a person. docs/identity-rules.md explains them to the people who review pairs.

Every rule reads the features `record_linkage.prepare_frame` computes, for both records of many pairs
at once (columns `<feature>_l` and `<feature>_r`, as Splink names them), and may find:

- VETO: near-certain evidence of two people; the pair's weight loses VETO_BITS.
- AGAINST: strong evidence; the pair loses up to AGAINST_BITS (see `calibrate`), and what the two
  records share as a household (address, phone, a family e-mail) stops counting for them.
- DOUBT: a difference that a typing error may explain but two people may too; the score stays,
  but the pair is never merged without a reviewer.

How strong AGAINST is depends on the files: in French civil data one person's first names almost
never change altogether between two bases; in files where a data-entry process replaced first
names or dates at random (FEBRL's test files), they often do. So each AGAINST rule is weighed on
the files being linked (`calibrate`), by how often it fires among pairs that surely are one person
(they share a usable identifier); never less than MIN_AGAINST_BITS, never more than AGAINST_BITS.

A pair is merged without review only when its identity agrees (`identity_agrees`): no finding at
all, and either the same trusted NIR, or agreeing family name, first name and full birth date.

Nothing here imports Django's models or settings: Spark executors run it (see `record_linkage/backends.py`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from relais.core.wording import count_of
from relais.people.normalization import damerau_levenshtein, french_phonetic_key

VETO, AGAINST, DOUBT = "veto", "against", "doubt"
DAYS_EPOCH = dt.date(1900, 1, 1)  # `dob_days` counts from it

# Weights are in bits (log2 of a likelihood ratio), like the model's. AGAINST_BITS outweighs what
# twins, or a parent and a child named alike, share beyond their home once its address, phone and
# e-mail stop counting — a rare family name, the birth date or the first names, the birth place,
# the sex: about 30 bits between them — so that such a pair falls below any review threshold unless
# something personal (the same NIR) vouches for it. VETO_BITS makes a pair whose NIRs are both
# valid and different as unlikely as a random pair, whatever else agrees.
VETO_BITS = 40.0
AGAINST_BITS = 30.0
MIN_AGAINST_BITS = 2.0

# Two birth dates this close are one date mistyped (a day off, a week off), not two people.
FEW_DAYS = 31
# A one-digit difference in the year is a typing error, unless it makes a generation of
# difference: then it may be a parent and a child born on the same day of the year.
GENERATION_YEARS = 10

# The comparisons of the model that a household shares (the `place` comparison is the address,
# the commune and the département). Their weight stops counting when identity disagrees.
HOUSEHOLD_COMPARISONS = ("place", "phone", "email")

FEATURES = (
    "surname", "surname_given", "usage", "first", "first_written", "given", "sex", "dob", "dob_swapped", "dob_year", "dob_month", "dob_day",
    "dob_days", "birth_dept", "nir", "nir_trusted", "nir_foreign", "email", "email_personal",
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "message": self.message}


# --- Helpers over columns ----------------------------------------------------------------------


def _pair(pairs: pd.DataFrame, feature: str) -> tuple[pd.Series, pd.Series]:
    return pairs[f"{feature}_l"], pairs[f"{feature}_r"]


def _known(series: pd.Series) -> np.ndarray:
    return series.notna().to_numpy() & (series.astype(object) != "").to_numpy()


def _flag(series: pd.Series) -> np.ndarray:
    """A column of booleans that may hold None (unknown counts as false)."""
    return series.to_numpy(dtype=object) == True  # noqa: E712 (elementwise, None is not True)


def _hashable(value: Any) -> Any:
    if isinstance(value, list | np.ndarray):
        return tuple(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _per_distinct(function: Callable[..., Any], columns: Iterable[pd.Series], rows: np.ndarray) -> dict[int, Any]:
    """function(*values) for the given rows, computed once per distinct combination of values."""
    columns = [column.to_numpy(dtype=object) for column in columns]
    cache: dict[tuple, Any] = {}
    results = {}
    for row in rows.tolist():
        key = tuple(_hashable(column[row]) for column in columns)
        if key not in cache:
            cache[key] = function(*key)
        results[row] = cache[key]
    return results


def _one_typo_apart(left: pd.Series, right: pd.Series, rows: np.ndarray, width: int) -> np.ndarray:
    """For fixed-width strings: one character replaced, or two neighbours exchanged."""
    if not len(rows):
        return np.zeros(0, dtype=bool)
    a = np.array(left.to_numpy(dtype=object)[rows].astype(str), dtype=f"S{width}").view(np.uint8).reshape(-1, width)
    b = np.array(right.to_numpy(dtype=object)[rows].astype(str), dtype=f"S{width}").view(np.uint8).reshape(-1, width)
    differ = a != b
    count = differ.sum(axis=1)
    exchanged = np.zeros(len(rows), dtype=bool)
    for i in range(width - 1):
        exchanged |= differ[:, i] & differ[:, i + 1] & (a[:, i] == b[:, i + 1]) & (a[:, i + 1] == b[:, i])
    return (count == 1) | ((count == 2) & exchanged)


def _gap(first: str, second: str) -> str:
    """The gap between two ISO birth dates as a reviewer reads it: "33 ans", "14 mois", "45 jours"."""
    early, late = sorted((dt.date.fromisoformat(first), dt.date.fromisoformat(second)))
    months = (late.year - early.year) * 12 + late.month - early.month - (late.day < early.day)
    if months >= 24:
        return f"{months // 12} ans"
    if months >= 2:
        return f"{months} mois"
    return f"{(late - early).days} jours"


def _shown(name: Any) -> str:
    """A name for the reviewer: as written, unless written all in capitals or all in lower case."""
    name = str(name or "")
    return name.title() if name.isupper() or name.islower() else name


def _shown_list(names: Any) -> str:
    return ", ".join(_shown(name) for name in (names if names is not None else ()))


# --- The rules ----------------------------------------------------------------------------------


class Vouching:
    """What, on a pair, outweighs a disagreement: the same identifier (`identifier_agrees`), for
    every rule; or the same personal e-mail (`_personal_email_agrees`), for the first names and the
    sex. The e-mail is looked at only on the pairs a rule asks about (`prepare`): few, where the
    pairs are millions. Calibration judges pairs with `Vouching.nothing`."""

    def __init__(self, pairs: pd.DataFrame, *, nothing: bool = False) -> None:
        self.pairs = pairs
        self.identifier = np.zeros(len(pairs), dtype=bool) if nothing else identifier_agrees(pairs)
        self.nothing = nothing
        self._email: dict[int, bool] = {}

    @classmethod
    def of(cls, pairs: pd.DataFrame) -> Vouching:
        return cls(pairs)

    @classmethod
    def nothing_for(cls, pairs: pd.DataFrame) -> Vouching:
        return cls(pairs, nothing=True)

    def prepare(self, rows: list[int]) -> None:
        """Look at the e-mails of these pairs (once each)."""
        rows = [row for row in rows if row not in self._email]
        if rows and not self.nothing:
            agrees = _personal_email_agrees(self.pairs.iloc[rows])
            self._email.update(zip(rows, agrees.tolist(), strict=True))

    def personal(self, row: int) -> bool:
        return bool(self.identifier[row]) or self._email.get(row, False)


def nir_rules(pairs: pd.DataFrame, vouching: Vouching) -> list[tuple[int, Finding]]:
    """Two trusted NIRs that differ: two people. A NIR is given once, for life; a trusted one
    (valid key, a permanent number, consistent with its own record's sex and birth date: see
    `linkage.nir_trusted`) that differs from the other record's belongs to someone else. Even by
    one character: a typo leaves a valid key once in 97, whereas twins born in one commune get
    NIRs one order number apart. Untrusted NIRs say nothing either way: legacy bases often hold
    the insured parent's NIR on a child's record.

    A trusted NIR also encodes its holder's birth year and month, and département of birth: when
    it contradicts what the *other* record says of these, the two records describe two people
    (the other record's date may carry the typing errors `birth_date_rules` allows)."""
    found: list[tuple[int, Finding]] = []
    trusted_l, trusted_r = (_flag(series) for series in _pair(pairs, "nir_trusted"))
    nir_l, nir_r = _pair(pairs, "nir")
    both = np.flatnonzero(trusted_l & trusted_r & (nir_l.to_numpy(dtype=object) != nir_r.to_numpy(dtype=object)))
    for row in both.tolist():
        found.append((row, Finding("nir_differ", VETO, "NIR différents")))
    year_l, year_r = (series.to_numpy(dtype=object) for series in _pair(pairs, "dob_year"))
    month_l, month_r = (series.to_numpy(dtype=object) for series in _pair(pairs, "dob_month"))
    day_l, day_r = (series.to_numpy(dtype=object) for series in _pair(pairs, "dob_day"))
    days_l, days_r = (series.to_numpy(dtype=object) for series in _pair(pairs, "dob_days"))
    dept_l, dept_r = (series.to_numpy(dtype=object) for series in _pair(pairs, "birth_dept"))
    sides = (
        (trusted_l, nir_l.to_numpy(dtype=object), year_r, month_r, day_r, days_r, dept_r),
        (trusted_r, nir_r.to_numpy(dtype=object), year_l, month_l, day_l, days_l, dept_l),
    )
    same = _same_trusted_nir(pairs)  # both consistent with their own records: nothing to contradict
    for trusted, nir, year, month, day, days, dept in sides:
        for row in np.flatnonzero(trusted & ~same).tolist():
            said = _nir_contradiction(nir[row], year[row], month[row], day[row], days[row], dept[row])
            if said:
                found.append((row, Finding("nir_contradicts", AGAINST, f"le NIR de l'une des fiches ne correspond pas {said}")))
    return found


def _nir_contradiction(nir: str, year: Any, month: Any, day: Any, days: Any, dept: Any) -> str:
    """What in a trusted NIR contradicts another record's birth year and month, or département,
    in words that give away nothing of the NIR (agents without the right to see it read them).
    (The sex a NIR encodes is its own record's sex: `first_name_rules` compares the sexes.)"""
    said = []
    if _text(year) and not nir_date_consistent(nir, year, _text(month), _text(day), days):
        said.append("à la date de naissance de l'autre")
    if _text(dept) and not birth_areas_agree(nir[5:7], dept):
        said.append("au lieu de naissance de l'autre")
    return " ni ".join(said)


def _text(value: Any) -> str | None:
    """A feature's text, None for a missing value (None, or NaN from a frame's round trip)."""
    return value if isinstance(value, str) and value else None


# Before 1968 the communes of today's 91, 92, 93, 94 and 95 belonged to the Seine (75) or the
# Seine-et-Oise (78), and a NIR keeps the département of its day; Corsica was 20 until 1976.
_OLD_SEINE = frozenset({"75", "78", "91", "92", "93", "94", "95"})
_CORSICA = frozenset({"20", "2A", "2B"})


def birth_areas_agree(nir_department: str, department: str) -> bool:
    """Whether a NIR's département of birth can be a birth place's (today's) département."""
    if nir_department == department[:2]:
        return True
    return any({nir_department, department[:2]} <= area for area in (_OLD_SEINE, _CORSICA))


def nir_date_consistent(nir: str, year: str, month: Any, day: Any, days: Any) -> bool:
    """Whether a NIR's birth year and month (…YY, MM) can be the other record's birth date, allowing
    that date the typing errors `birth_date_rules` allows: a few days off, day and month exchanged,
    one character wrong. A month outside 01–12 in the NIR (unknown month) is not compared."""
    nir_year, nir_month = nir[1:3], nir[3:5]
    month, day = _text(month), _text(day)
    if not month or (month == "01" and day == "01") or not "01" <= nir_month <= "12":
        return damerau_levenshtein(nir_year, year[2:4], limit=1) <= 1
    possible = {(year[2:4], month)}
    if days is not None and not pd.isna(days):
        for shift in (-FEW_DAYS, FEW_DAYS):
            near = DAYS_EPOCH + dt.timedelta(days=int(days) + shift)
            possible.add((f"{near.year % 100:02d}", f"{near.month:02d}"))
    if (nir_year, nir_month) in possible or (nir_year == year[2:4] and nir_month == day):
        return True
    if nir_month == month:
        return damerau_levenshtein(nir_year, year[2:4], limit=1) <= 1
    return nir_year == year[2:4] and damerau_levenshtein(nir_month, month, limit=1) <= 1


def birth_date_rules(pairs: pd.DataFrame, vouching: Vouching) -> list[tuple[int, Finding]]:
    """Birth dates that differ in a way no typing error explains: two people. A typing error
    explains day and month exchanged, one character wrong or two neighbours exchanged, a date a few
    days off, a missing part (only the year known, or 01/01 written for an unknown day and month),
    or the century mistaken. Everything else (a parent and a child, namesakes years apart) is
    strong evidence against. A one-digit error in the year that makes a generation of difference
    may be either: it is a doubt, left to a reviewer. The same identifier on both records (a
    trusted NIR, another country's number) outweighs a date typed wrong: then it is a doubt too."""
    found: list[tuple[int, Finding]] = []
    vouched = vouching.identifier
    dob_l, dob_r = _pair(pairs, "dob")
    swapped_l, swapped_r = _pair(pairs, "dob_swapped")
    year_l, year_r = _pair(pairs, "dob_year")
    full = _known(dob_l) & _known(dob_r)
    # A date of 01/01 is often written for "born that year": then only the years can be compared.
    placeholder = (_pair(pairs, "dob_month")[0].to_numpy(dtype=object) == "01") & (
        _pair(pairs, "dob_day")[0].to_numpy(dtype=object) == "01"
    )
    placeholder |= (_pair(pairs, "dob_month")[1].to_numpy(dtype=object) == "01") & (
        _pair(pairs, "dob_day")[1].to_numpy(dtype=object) == "01"
    )
    differ = np.flatnonzero(full & (dob_l.to_numpy(dtype=object) != dob_r.to_numpy(dtype=object)) & ~placeholder)
    if len(differ):
        days_l, days_r = (series.to_numpy(dtype=object)[differ].astype(int) for series in _pair(pairs, "dob_days"))
        days = np.abs(days_l - days_r)
        one_typo = _one_typo_apart(dob_l, dob_r, differ, 10)
        swapped = (swapped_l.to_numpy(dtype=object)[differ] == dob_r.to_numpy(dtype=object)[differ]) | (
            swapped_r.to_numpy(dtype=object)[differ] == dob_l.to_numpy(dtype=object)[differ]
        )
        century = dob_l.str[2:].to_numpy(dtype=object)[differ] == dob_r.str[2:].to_numpy(dtype=object)[differ]
        for position, row in enumerate(differ.tolist()):
            gap = int(days[position])
            shown = _gap(dob_l.iloc[row], dob_r.iloc[row])
            if swapped[position] or gap <= FEW_DAYS:
                continue
            if (one_typo[position] or century[position]) and gap < GENERATION_YEARS * 365:
                continue
            if one_typo[position] or century[position]:
                message = f"dates de naissance à {shown} d'écart, pour un seul chiffre : faute de frappe ou deux personnes ?"
                found.append((row, Finding("birth_year_typo", DOUBT, message)))
            else:
                finding = Finding("birth_dates_differ", AGAINST, f"dates de naissance à {shown} d'écart")
                found.append((row, _vouched(finding) if vouched[row] else finding))
    # Only the years to compare (a year alone, or 01/01 on one side).
    years = np.flatnonzero(_known(year_l) & _known(year_r) & (~full | placeholder))
    years = years[year_l.to_numpy(dtype=object)[years] != year_r.to_numpy(dtype=object)[years]]
    one_typo = _one_typo_apart(year_l, year_r, years, 4)
    for position, row in enumerate(years.tolist()):
        first, second = int(year_l.iloc[row]), int(year_r.iloc[row])
        gap = abs(first - second)
        if gap <= 1:  # 31/12 and 01/01 of the next year, or a date of the year typed 01/01
            continue
        if one_typo[position] or first % 100 == second % 100:
            if gap >= GENERATION_YEARS:
                message = f"années de naissance {min(first, second)} et {max(first, second)}, pour un seul chiffre : faute de frappe ou deux personnes ?"
                found.append((row, Finding("birth_year_typo", DOUBT, message)))
            continue
        message = f"années de naissance différentes ({min(first, second)} et {max(first, second)})"
        finding = Finding("birth_dates_differ", AGAINST, message)
        found.append((row, _vouched(finding) if vouched[row] else finding))
    return found


def _vouched(finding: Finding) -> Finding:
    """A contradiction that the same identifier (or personal e-mail) on both records outweighs: no
    longer evidence of two people, but never merged without a reviewer (a NIR or an e-mail copied
    from a brother's record happens)."""
    return Finding(finding.code, DOUBT, f"{finding.message}, pourtant même NIR ou même e-mail personnel : à vérifier")


def _compact(name: str) -> str:
    return name.replace(" ", "")


def first_names_related(given_a: tuple[str, ...] | None, given_b: tuple[str, ...] | None) -> bool:
    """Whether two lists of first names (normalised, in civil order) may name the same person: the
    usual first names differ by a typo (`_one_typo`), a sound, a short form ("Alex" for "Alexandre"), an
    initial or one part of a compound ("Jean" for "Jean-Pierre"), or one's usual first name is
    among the other's first names (the list cut or reordered). Two compounds sharing a part
    ("Jean-Pierre", "Jean-Didier") are two names, and a second first name in common ("Jade,
    Nadia" and "Eva, Nadia") is what brothers and sisters often share, not evidence."""
    if not given_a or not given_b:
        return True  # nothing to compare
    usual_a, usual_b = _compact(given_a[0]), _compact(given_b[0])
    names_a = {_compact(name) for name in given_a} | {part for name in given_a for part in name.split()}
    names_b = {_compact(name) for name in given_b} | {part for name in given_b for part in name.split()}
    if usual_a in names_b or usual_b in names_a:
        return True
    short, long = sorted((usual_a, usual_b), key=len)
    if long.startswith(short) and (len(short) == 1 or len(short) >= 3):
        return True
    if _initials(given_a[0], given_b[0]):
        return True
    return bool(_sounds(usual_a) & _sounds(usual_b)) or _one_typo(usual_a, usual_b) or _transliterated(usual_a, usual_b)


def _initials(a: str, b: str) -> bool:
    """A compound written with initials: "Jean-Pierre" as "J.-Pierre", "J-P" or "JP"."""
    parts_a, parts_b = a.split(), b.split()
    if len(parts_a) == 1 and len(parts_b) > 1 and len(a) == len(parts_b):
        parts_a = list(a)  # "jp" for "jean pierre"
    elif len(parts_b) == 1 and len(parts_a) > 1 and len(b) == len(parts_a):
        parts_b = list(b)
    if len(parts_a) != len(parts_b) or len(parts_a) < 2:
        return False
    return all(x == y or (min(len(x), len(y)) == 1 and x[0] == y[0]) for x, y in zip(parts_a, parts_b, strict=True))


_VOWELS = str.maketrans("", "", "aeiou")


def _transliterated(a: str, b: str) -> bool:
    """Two spellings of one name written from another alphabet ("Mohamed", "Muhammad"; "Youssef",
    "Yusuf"): the same consonants, vowels and doubled letters aside. At least three consonants, so
    that short names ("Léa", "Léo") are not confused."""
    skeleton_a = re.sub(r"(.)\1+", r"\1", a.translate(_VOWELS))
    skeleton_b = re.sub(r"(.)\1+", r"\1", b.translate(_VOWELS))
    return len(skeleton_a) >= 3 and skeleton_a == skeleton_b


_SCANNER_READINGS = (("rn", "m"), ("li", "h"), ("cl", "d"), ("vv", "w"))


def _one_typo(a: str, b: str) -> bool:
    """One character typed wrong, missing, extra or exchanged — or read wrong by a scanner ("rn"
    read for "m", "h" for "li" in "Nathalie")."""
    if damerau_levenshtein(a, b, 1) <= 1:
        return True
    for seen, meant in _SCANNER_READINGS:
        a, b = a.replace(seen, meant), b.replace(seen, meant)
    return damerau_levenshtein(a, b, 1) <= 1


def _sounds(name: str) -> set[str]:
    """The French phonetic key of a normalised name, also read with its "c" as "ç" (normalised
    names lost the cedilla: "francoise" may be typed "fransoise")."""
    return {french_phonetic_key(name), french_phonetic_key(name.replace("c", "s"))}


def gendered_forms(a: str, b: str) -> bool:
    """A masculine first name and its feminine form: Louis/Louise, Jean/Jeanne, Frédéric/Frédérique."""
    short, long = sorted((a, b), key=len)
    return (bool(short) and long in (short + "e", short + short[-1] + "e")) or (
        short.endswith("c") and long == short[:-1] + "que"
    )


def _close_to_any(name: str, pool: set[str]) -> bool:
    if name in pool:
        return True
    sounds = _sounds(name)
    return any(sounds & _sounds(other) or _one_typo(name, other) for other in pool)


def first_name_lists_agree(given_a: tuple[str, ...] | None, given_b: tuple[str, ...] | None) -> bool:
    """Whether two lists of several first names can be one person's: one list within the other
    (in any order, a typo allowed, a compound written as its parts). A base may keep only some of
    a person's first names, or another order, but not other ones: "Paul, Killian" and "Paul, Guy"
    are a father and a son named alike, not one person."""
    if not given_a or not given_b or len(given_a) < 2 or len(given_b) < 2:
        return True

    def within(small: tuple[str, ...], big: tuple[str, ...]) -> bool:
        pool = {_compact(name) for name in big} | {part for name in big for part in name.split()}
        return all(_close_to_any(_compact(name), pool) for name in small)

    return within(given_a, given_b) or within(given_b, given_a)


def _swapped(first: pd.Series, surname: pd.Series, usage: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Whether each first name (of the rows given) is in fact the other record's family name
    (birth or usage name, a part of a compound, or with a typo): the two fields typed the wrong
    way round."""

    def is_family_name(name: str, birth: str | None, usage_name: str | None) -> bool:
        for family in filter(None, (birth, usage_name)):
            if name == family or _one_typo(name, family) or (len(name) >= 3 and family.startswith(name)):
                return True
        return False

    rows = rows[_known(first)[rows]]
    swapped = np.zeros(len(first), dtype=bool)
    for row, value in _per_distinct(is_family_name, [first, surname, usage], rows).items():
        swapped[row] = value
    return swapped


def first_name_rules(pairs: pd.DataFrame, vouching: Vouching) -> list[tuple[int, Finding]]:
    """First names with nothing in common: two people, even with the same family name, birth
    date, address and phone (twins, brothers and sisters). One person's first names differ between
    bases by a typo, a sound, a short form, an initial, the list cut or reordered (all allowed here),
    rarely altogether; and a list of several first names does not turn into other ones. Unless
    something personal says otherwise: the same trusted NIR, or the same personal e-mail (not one a
    household shares, see `linkage.email_personal`).

    A masculine first name and its feminine form ("Louis" and "Louise"), or two close first names
    ("Liam" and "Lina"), with two sexes are two people too: twins of both sexes are often named so.
    Two sexes for one first name (one that sounds the same: "Marine", "Maryne"; one among the
    other's first names) is more likely a typing error of the sex, and left to a reviewer."""
    found: list[tuple[int, Finding]] = []
    given_l, given_r = _pair(pairs, "given")
    first_l, first_r = _pair(pairs, "first")
    surname_l, surname_r = _pair(pairs, "surname")
    # Most pairs share the usual first name: nothing to look at (and millions of pairs to skip).
    typed = np.flatnonzero(_known(first_l) & _known(first_r) & (first_l.to_numpy(dtype=object) != first_r.to_numpy(dtype=object)))
    # The family name typed in the first-name field and the first name in the family name's: a
    # classic of paper forms. Then the first name to compare is in the other column. (Looked for
    # only where the first names are unrelated as typed: few pairs, and the look is costly.)
    usage_l, usage_r = _pair(pairs, "usage")
    unrelated = np.array(
        [row for row, value in _per_distinct(first_names_related, [given_l, given_r], typed).items() if not value], dtype=int
    )
    swapped_r = _swapped(first_r, surname_l, usage_l, unrelated)
    swapped_l = _swapped(first_l, surname_r, usage_r, unrelated)
    # Both look swapped: take the record to read the other way by its content, not its side, so
    # that the rules say the same whichever record comes first.
    for row in np.flatnonzero(swapped_l & swapped_r).tolist():
        left_first = (first_l.iloc[row], surname_l.iloc[row]) > (first_r.iloc[row], surname_r.iloc[row])
        swapped_l[row], swapped_r[row] = left_first, not left_first
    if swapped_l.any() or swapped_r.any():
        given_l = given_l.where(~swapped_l, pairs["surname_given_l"])
        given_r = given_r.where(~swapped_r, pairs["surname_given_r"])
        first_l = first_l.where(~swapped_l, given_l.map(lambda names: _compact(names[0]) if names else None))
        first_r = first_r.where(~swapped_r, given_r.map(lambda names: _compact(names[0]) if names else None))
    written_l = pairs["first_written_l"].where(~swapped_l, surname_l)
    written_r = pairs["first_written_r"].where(~swapped_r, surname_r)
    related = _per_distinct(first_names_related, [given_l, given_r], unrelated)
    # Lists of several first names that differ (the usual ones agreeing or not).
    several = np.flatnonzero(
        (given_l.map(lambda names: len(names or ()) >= 2) & given_r.map(lambda names: len(names or ()) >= 2)).to_numpy()
        & (given_l.to_numpy(dtype=object) != given_r.to_numpy(dtype=object))
    )
    lists_agree = _per_distinct(first_name_lists_agree, [given_l, given_r], several)
    contradicted = sorted(
        {row for row, value in related.items() if not value} | {row for row, value in lists_agree.items() if not value}
    )
    vouching.prepare(contradicted)
    twins = _family_name_agrees(pairs) & _same_full_date(pairs)
    for row in contradicted:
        if not related.get(row, True):
            names = f"{_shown(written_l.iloc[row])} / {_shown(written_r.iloc[row])}"
            if twins[row]:
                message = f"même nom et même date de naissance, prénoms sans rapport ({names}) : des jumeaux ?"
            else:
                message = f"prénoms sans rapport ({names})"
            finding = Finding("first_names_differ", AGAINST, message)
        elif not lists_agree.get(row, True):
            lists = f"{_shown_list(given_l.iloc[row])} / {_shown_list(given_r.iloc[row])}"
            finding = Finding("other_first_names_differ", AGAINST, f"autres prénoms différents ({lists})")
        else:
            continue
        found.append((row, _vouched(finding) if vouching.personal(row) else finding))
    sex_l, sex_r = _pair(pairs, "sex")
    differ = np.flatnonzero(_known(sex_l) & _known(sex_r) & (sex_l.to_numpy(dtype=object) != sex_r.to_numpy(dtype=object)))
    vouching.prepare(differ.tolist())
    for row in differ.tolist():
        a, b = first_l.iloc[row], first_r.iloc[row]
        among = a in {_compact(name) for name in given_r.iloc[row] or ()} or b in {
            _compact(name) for name in given_l.iloc[row] or ()
        }
        if not a or not b:
            found.append((row, Finding("sex_differs", DOUBT, "sexe différent : erreur de saisie ?")))
        elif not gendered_forms(a, b) and (a == b or among or _sounds(a) & _sounds(b)):
            # Even when an identifier vouches for the person, which sex is right is for a reviewer.
            found.append((row, Finding("sex_differs", DOUBT, "sexe différent pour un même prénom : erreur de saisie ?")))
        else:
            names = f"{_shown(written_l.iloc[row])} / {_shown(written_r.iloc[row])}"
            finding = Finding("sex_differs", AGAINST, f"sexe différent ({names})")
            found.append((row, _vouched(finding) if vouching.personal(row) else finding))
    return found


RULES: list[Callable[[pd.DataFrame, Vouching], list[tuple[int, Finding]]]] = [nir_rules, birth_date_rules, first_name_rules]


# --- Agreement ----------------------------------------------------------------------------------


def _family_name_agrees(pairs: pd.DataFrame) -> np.ndarray:
    """The same family name, birth and usage names compared crosswise (compact, particles dropped)."""
    surname_l, surname_r = (series.to_numpy(dtype=object) for series in _pair(pairs, "surname"))
    usage_l, usage_r = (series.to_numpy(dtype=object) for series in _pair(pairs, "usage"))
    agree = np.zeros(len(pairs), dtype=bool)
    for a, b in ((surname_l, surname_r), (surname_l, usage_r), (usage_l, surname_r), (usage_l, usage_r)):
        agree |= pd.notna(a) & (a == b)
    return agree


def _same_full_date(pairs: pd.DataFrame) -> np.ndarray:
    dob_l, dob_r = _pair(pairs, "dob")
    return _known(dob_l) & (dob_l.to_numpy(dtype=object) == dob_r.to_numpy(dtype=object))


def _same_trusted_nir(pairs: pd.DataFrame) -> np.ndarray:
    trusted_l, trusted_r = (_flag(series) for series in _pair(pairs, "nir_trusted"))
    nir_l, nir_r = _pair(pairs, "nir")
    return trusted_l & trusted_r & (nir_l.to_numpy(dtype=object) == nir_r.to_numpy(dtype=object))


def identifier_agrees(pairs: pd.DataFrame) -> np.ndarray:
    """The same identifier on both records: a trusted NIR, or another national identifier (a
    value of the NIR column that is not shaped like a NIR: another country's number), taken as given."""
    foreign_l, foreign_r = (_flag(series) for series in _pair(pairs, "nir_foreign"))
    nir_l, nir_r = _pair(pairs, "nir")
    same = _known(nir_l) & (nir_l.to_numpy(dtype=object) == nir_r.to_numpy(dtype=object))
    return _same_trusted_nir(pairs) | (same & foreign_l & foreign_r)


def _personal_email_agrees(pairs: pd.DataFrame) -> np.ndarray:
    """The same e-mail, personal on both sides (see `linkage.email_personal`), that names a first
    name both records bear. A child's record often carries a parent's address ("davidleroux@…"
    on the twins Hugo and Louis Leroux): an e-mail that names neither, or only one, is the
    household's, not evidence that two records are one person."""
    email_l, email_r = _pair(pairs, "email")
    personal_l, personal_r = (_flag(series) for series in _pair(pairs, "email_personal"))
    same = _known(email_l) & (email_l.to_numpy(dtype=object) == email_r.to_numpy(dtype=object)) & personal_l & personal_r
    given_l, given_r = _pair(pairs, "given")

    def names_both(email: str, names_a: tuple[str, ...] | None, names_b: tuple[str, ...] | None) -> bool:
        local = email.split("@")[0]
        shared = {_compact(name) for name in names_a or ()} & {_compact(name) for name in names_b or ()}
        return any(len(name) >= 3 and name in local for name in shared)

    for row, named in _per_distinct(names_both, [email_l, given_l, given_r], np.flatnonzero(same)).items():
        same[row] = named
    return same


def _first_name_agrees(pairs: pd.DataFrame) -> np.ndarray:
    """The same usual first name, or one's usual first name among the other's first names."""
    first_l, first_r = _pair(pairs, "first")
    given_l, given_r = _pair(pairs, "given")
    same = first_l.to_numpy(dtype=object) == first_r.to_numpy(dtype=object)
    agree = _known(first_l) & same
    rows = np.flatnonzero(_known(first_l) & _known(first_r) & ~same)

    def agrees(first_a: str, first_b: str, list_a: tuple, list_b: tuple) -> bool:
        names_a, names_b = {_compact(name) for name in list_a or ()}, {_compact(name) for name in list_b or ()}
        return first_a == first_b or first_a in names_b or first_b in names_a

    for row, value in _per_distinct(agrees, [first_l, first_r, given_l, given_r], rows).items():
        agree[row] = value
    return agree


# --- Judging pairs ------------------------------------------------------------------------------


LIST_FEATURES = ("given", "surname_given")


def _lists_as_tuples(pairs: pd.DataFrame) -> pd.DataFrame:
    """Name lists as tuples, whether prepared by pandas (lists) or read back from Spark (arrays)."""
    pairs = pairs.copy()
    for name in LIST_FEATURES:
        for side in ("_l", "_r"):
            pairs[name + side] = [
                tuple(value) if isinstance(value, list | tuple | np.ndarray) else None for value in pairs[name + side]
            ]
    return pairs


def findings_of(pairs: pd.DataFrame, vouching: Vouching | None = None) -> list[list[Finding]]:
    """What every rule finds on every pair. `pairs` holds the FEATURES of both records (`_l`, `_r`)."""
    return _findings(_lists_as_tuples(pairs.reset_index(drop=True)), vouching)


def _findings(pairs: pd.DataFrame, vouching: Vouching | None = None) -> list[list[Finding]]:
    vouching = vouching or Vouching.of(pairs)
    findings: list[list[Finding]] = [[] for _ in range(len(pairs))]
    for rule in RULES:
        for row, finding in rule(pairs, vouching):
            findings[row].append(finding)
    return findings


@dataclass(frozen=True)
class Calibration:
    """How many bits each AGAINST rule weighs in one linkage, and on how many sure pairs it was measured."""

    bits: dict[str, float]
    sure_pairs: int

    def weight(self, finding: Finding) -> float:
        if finding.severity == VETO:
            return VETO_BITS
        if finding.severity == DOUBT:
            return 0.0
        return self.bits.get(finding.code, AGAINST_BITS)

    def household_share(self, finding: Finding) -> float:
        """How much of what a household shares stops counting when this finding is made: all of it
        for a veto or a rule at full strength, little for a rule these files show one person often
        breaks (then its finding is no sign of a look-alike family member), nothing for a doubt."""
        if finding.severity == DOUBT:
            return 0.0
        return (
            (self.weight(finding) - MIN_AGAINST_BITS) / (AGAINST_BITS - MIN_AGAINST_BITS) if finding.severity == AGAINST else 1.0
        )

    def describe(self) -> str:
        """In French, for the job report: the rules weighed below their maximum."""
        weaker = {code: bits for code, bits in self.bits.items() if bits < AGAINST_BITS}
        if not weaker:
            return f"règles d'identité à leur plein poids ({count_of(self.sure_pairs, 'paire partageant', 'paires partageant')} un identifiant pour les mesurer)"
        listed = ", ".join(f"{RULE_NAMES.get(code, code)} {bits:.0f} bits" for code, bits in sorted(weaker.items()))
        return f"règles d'identité allégées d'après {count_of(self.sure_pairs, 'paire partageant', 'paires partageant')} un identifiant : {listed}"


FULL_STRENGTH = Calibration(bits={}, sure_pairs=0)
RULE_NAMES = {
    "first_names_differ": "prénoms sans rapport",
    "other_first_names_differ": "autres prénoms différents",
    "birth_dates_differ": "dates de naissance différentes",
    "sex_differs": "sexe différent",
    "nir_contradicts": "NIR contredisant l'autre fiche",
}
# A rule is lightened only when the sure pairs show, at 95 % confidence, that one person breaks it
# at least this often: a few odd records (a first name typed two ways) do not lighten it.
COMMON_SHARE = 0.01
CONFIDENCE_Z = 1.645
# Below this many sure pairs nothing is measured: the rules keep their full weight.
MIN_SURE_PAIRS = 200


def _lower_bound(hits: int, total: int) -> float:
    """The lower end of the one-sided 95 % Wilson interval of a proportion."""
    if not total:
        return 0.0
    share, z2 = hits / total, CONFIDENCE_Z**2
    spread = CONFIDENCE_Z * math.sqrt(share * (1 - share) / total + z2 / (4 * total**2))
    return max(0.0, (share + z2 / (2 * total) - spread) / (1 + z2 / total))


def calibrate(sure: pd.DataFrame) -> Calibration:
    """Weigh each AGAINST rule on pairs that surely are one person (they share a usable identifier:
    a trusted NIR, another country's number). A rule keeps its full weight (AGAINST_BITS) unless
    there are MIN_SURE_PAIRS of them at least and they show that one person breaks it often
    (COMMON_SHARE); then a rule broken by a share m of them weighs log2(1/m) bits — how much rarer its finding is for one person than for two, taking
    it as near-certain for two — and never less than MIN_AGAINST_BITS."""
    if len(sure) < MIN_SURE_PAIRS:
        return Calibration(bits={}, sure_pairs=len(sure))
    findings = findings_of(sure, Vouching.nothing_for(sure))
    counts: dict[str, int] = {}
    for found in findings:
        for code in {finding.code for finding in found if finding.severity == AGAINST}:
            counts[code] = counts.get(code, 0) + 1
    bits = {}
    for code in RULE_NAMES:
        hits = counts.get(code, 0)
        if _lower_bound(hits, len(sure)) < COMMON_SHARE:
            bits[code] = AGAINST_BITS
        else:
            bits[code] = float(min(AGAINST_BITS, max(MIN_AGAINST_BITS, -math.log2(hits / len(sure)))))
    return Calibration(bits=bits, sure_pairs=len(sure))


@dataclass
class Judgement:
    """For each pair (in the order given): what the rules found, the bits they take off, whether
    the household's shared evidence stops counting, and whether identity agrees strongly enough
    for a merge without review."""

    findings: list[list[Finding]]
    penalty_bits: np.ndarray
    household_discount: np.ndarray  # the share (0 to 1) of the household's shared evidence that stops counting
    identity_agrees: np.ndarray


def judge(pairs: pd.DataFrame, calibration: Calibration = FULL_STRENGTH) -> Judgement:
    """Apply every rule to every pair. `pairs` holds the FEATURES of both records (`_l`, `_r`)."""
    pairs = _lists_as_tuples(pairs.reset_index(drop=True))
    findings = _findings(pairs)
    penalty = np.array([sum(calibration.weight(f) for f in found) for found in findings], dtype=float)
    discount = np.array([max((calibration.household_share(f) for f in found), default=0.0) for found in findings], dtype=float)
    clean = np.array([not found for found in findings], dtype=bool)
    strong = _same_trusted_nir(pairs) | (_family_name_agrees(pairs) & _first_name_agrees(pairs) & _same_full_date(pairs))
    return Judgement(findings=findings, penalty_bits=penalty, household_discount=discount, identity_agrees=clean & strong)


def identity_gaps(pairs: pd.DataFrame) -> list[list[str]]:
    """For each pair, in French, what keeps its identity from agreeing strongly enough for a merge
    without review (`Judgement.identity_agrees`), contradictions aside."""
    pairs = pairs.reset_index(drop=True)
    same_nir = _same_trusted_nir(pairs)
    family, first, date = _family_name_agrees(pairs), _first_name_agrees(pairs), _same_full_date(pairs)
    dob_l, dob_r = _pair(pairs, "dob")
    complete = _known(dob_l) & _known(dob_r)
    gaps: list[list[str]] = []
    for row in range(len(pairs)):
        said = []
        if not same_nir[row]:
            if not family[row]:
                said.append("noms de famille différents")
            if not first[row]:
                said.append("prénoms différents")
            if not complete[row]:
                said.append("date de naissance absente ou incomplète")
            elif not date[row]:
                said.append("dates de naissance différentes")
        gaps.append(said)
    return gaps


def adjusted_weights(weights: np.ndarray, household_bits: np.ndarray, judgement: Judgement) -> np.ndarray:
    """The model's match weights once the rules have spoken (never higher than the model's)."""
    return weights - judgement.penalty_bits - judgement.household_discount * household_bits


def probability(weights: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.clip(weights, -1000, 1000)))


def side_by_side(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Two frames of prepared features, row i of one against row i of the other, as `judge` takes them."""
    columns = {f"{name}_l": left[name].to_numpy(dtype=object) for name in FEATURES}
    columns.update({f"{name}_r": right[name].to_numpy(dtype=object) for name in FEATURES})
    return pd.DataFrame(columns)
