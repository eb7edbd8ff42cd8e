"""French identity normalisation: names, phones, e-mails, NIR and dates, in one place.

Used by forms, the API, imports, search and duplicate detection, so that "DUPONT-MARTIN",
"Dupont Martin" and "dupont--martin" are the same name everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nir as stdnum_nir

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_SEPARATORS = re.compile(r"[\s\-‐‑–—_.,;/'’‘`´]+")
NAME_PARTICLES = frozenset(
    {"de", "du", "des", "le", "la", "les", "d", "l", "van", "von", "der", "den", "da", "di", "del", "della", "dos", "das"}
)


# Names repeat a lot (a few thousand family names cover most people): the pure functions below are
# memoised, which makes imports of millions of rows several times faster.
@lru_cache(maxsize=300_000)
def strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=300_000)
def normalize_name(value: str) -> str:
    """Lower case, no accents, every separator (hyphen, double hyphen, apostrophe, space) as one space."""
    return _SEPARATORS.sub(" ", strip_accents(value or "").lower()).strip()


def name_tokens(value: str) -> list[str]:
    return normalize_name(value).split()


@lru_cache(maxsize=300_000)
def clean_name(value: str) -> str:
    """Tidy a name as typed, keeping its accents: trimmed, single spaces, '--' kept as civil registers write it."""
    value = re.sub(r"\s+", " ", (value or "").strip())
    return re.sub(r"\s*-\s*", "-", value).replace("- -", "--")


def split_first_names(value: str) -> list[str]:
    """First names in civil order. Commas separate them; without commas, spaces do ("Jean-Pierre" stays one)."""
    return list(_split_first_names(value or ""))


@lru_cache(maxsize=300_000)
def _split_first_names(value: str) -> tuple[str, ...]:
    value = value.strip()
    if not value:
        return ()
    parts = value.split(",") if "," in value else value.split()
    return tuple(clean_name(part) for part in parts if part.strip())


def join_first_names(names: list[str]) -> str:
    return ", ".join(names)


# ARCEP's numbering plan: the overseas départements' numbers are dialled from mainland France like
# French ones (0692 12 34 56) but belong to their own country codes. Keyed by the national number's
# first three digits (the 0 dropped); fixed lines then mobiles.
OVERSEAS_PREFIXES = {
    "590": 590, "594": 594, "596": 596, "262": 262, "263": 262, "269": 262,  # GP, GF, MQ, RE, RE, YT
    "690": 590, "691": 590, "694": 594, "696": 596, "697": 596, "692": 262, "693": 262, "639": 262,
}  # fmt: skip


@lru_cache(maxsize=2_000_000)
def phone_to_e164(raw: str, region: str = "FR") -> str:
    """A phone number as +33612345678; an overseas number dialled from France (0692 12 34 56) as the
    international number it is (+262692123456). Raises ValidationError with a French message when
    it is not a number, or not one that was ever allocated (071…)."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"« {raw} » n'est pas un numéro de téléphone.", code="invalid_phone") from exc
    national = str(number.national_number)
    if number.country_code == 33 and len(national) == 9 and national[:3] in OVERSEAS_PREFIXES:
        # phonenumbers would read 0596… or 0269… as a mainland fixed line: the plan says otherwise.
        number = phonenumbers.PhoneNumber(country_code=OVERSEAS_PREFIXES[national[:3]], national_number=int(national))
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(f"« {raw} » n'est pas un numéro de téléphone valide.", code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(e164: str) -> str:
    """+33612345678 → 06 12 34 56 78 (French numbers in national form, others international)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_OVERSEAS = ("+262", "+590", "+594", "+596")  # Réunion and Mayotte, Guadeloupe, Guyane, Martinique


def phone_search_key(e164: str) -> str:
    """A stored number as agents type it, digits only: French numbers in national form (+33612345678 →
    0612345678), others with the international prefix (+441632960000 → 00441632960000). Partial
    numbers are searched as the beginning or the end of this key."""
    if e164.startswith("+33"):
        return "0" + e164[3:]
    if e164.startswith(_OVERSEAS):  # dialled like a number of mainland France: 0692 12 34 56
        return "0" + e164[4:]
    return "00" + e164[1:] if e164.startswith("+") else re.sub(r"\D", "", e164)


def phone_search_digits(query: str) -> str:
    """What an agent typed of a phone number, as digits comparable with phone_search_key:
    '06 12 34' → '061234', '+33 6 12' → '0612', '0033 6 12' → '0612', '+44 16' → '004416'."""
    query = (query or "").strip()
    digits = re.sub(r"\D", "", query)
    if digits.startswith("0033"):
        return "0" + digits[4:]
    if query.startswith("+"):
        if digits.startswith("33"):
            return "0" + digits[2:]
        return "0" + digits[3:] if ("+" + digits).startswith(_OVERSEAS) else "00" + digits
    if digits.startswith("33") and len(digits) >= 11:  # +33 typed without the plus
        return "0" + digits[2:]
    return digits


def contact_search_keys(kind: str, value: str) -> tuple[str, str]:
    """The keys a contact point is searched by: a phone's digits (phone_search_key) or an e-mail as
    stored, and that key reversed, so that the end of a number is searched as a prefix too."""
    key = phone_search_key(value) if kind == "phone" else (value or "").lower()
    return key, key[::-1]


def search_words(words: list[str]) -> list[str]:
    """Normalised words to look for: a lone letter joins the next word ("N'Diaye" typed "n diaye" →
    "ndiaye"), particles are dropped when another word remains ("de la Fontaine" → "fontaine")."""
    merged: list[str] = []
    pending = ""
    for word in words:
        if len(word) == 1:
            pending += word
            continue
        merged.append(pending + word)
        pending = ""
    if pending:
        merged.append(pending)
    return [word for word in merged if word not in NAME_PARTICLES] or merged


_PLACE_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


def place_words(words: list[str]) -> list[str]:
    """Normalised words of a commune's name, "St" and "Ste" written in full."""
    return [_PLACE_ABBREVIATIONS.get(word, word) for word in words]


@lru_cache(maxsize=100_000)
def place_key(city: str) -> str:
    """A commune's name as searched: "Saint-Germain-en-Laye", "ST GERMAIN EN LAYE" and "saint germain
    en laye" give the same key; so do "Le Chesnay" and "le chesnay"."""
    return " ".join(place_words(search_words(name_tokens(city))))


# La Poste's abbreviations of street types, as legacy bases type them.
_STREET_TYPES = {
    "r": "rue", "av": "avenue", "ave": "avenue", "bd": "boulevard", "bld": "boulevard", "bvd": "boulevard",
    "boul": "boulevard", "ch": "chemin", "che": "chemin", "chem": "chemin", "pl": "place", "imp": "impasse",
    "all": "allee", "rte": "route", "fbg": "faubourg", "sq": "square", "crs": "cours", "qu": "quai", "pas": "passage",
    "res": "residence", "sen": "sentier", "prom": "promenade", "lot": "lotissement", "st": "saint", "ste": "sainte",
}  # fmt: skip
_ADDRESS_COMPLEMENTS = frozenset({"bat", "batiment", "apt", "appt", "appartement", "esc", "escalier", "etage", "bal"})


@lru_cache(maxsize=300_000)
def address_key(value: str) -> str:
    """A street address as compared between bases: the line with the street number (a complement
    after a comma, "Bât. D", "Apt 4" left out), street types written in full ("av" → avenue),
    case, accents and punctuation ignored. "1 AV BERTIN" and "1 avenue Bertin, Bât. D" agree."""
    parts = [part for part in re.split(r"[,;]", value or "") if part.strip()]
    if not parts:
        return ""
    main = next((part for part in parts if re.match(r"\s*\d", part)), parts[0])
    tokens = normalize_name(main).split()
    for position, token in enumerate(tokens):
        if position >= 2 and token in _ADDRESS_COMPLEMENTS:
            tokens = tokens[:position]
            break
    return " ".join(_STREET_TYPES.get(token, token) for token in tokens)


def normalize_email(raw: str) -> str:
    value = (raw or "").strip()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError(f"« {value} » n'est pas une adresse e-mail valide.", code="invalid_email") from exc
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}".lower()


def clean_nir(raw: str) -> str:
    """A NIR (15 characters, key checked, Corsica 2A/2B handled). Raises ValidationError in French."""
    value = re.sub(r"[\s.\-]", "", (raw or "")).upper()
    if not value:
        return ""
    try:
        return stdnum_nir.validate(value)
    except InvalidLength as exc:
        raise ValidationError("Le NIR compte 15 caractères (13 chiffres et une clé de 2 chiffres).", code="invalid_nir") from exc
    except InvalidChecksum as exc:
        raise ValidationError("La clé du NIR ne correspond pas au numéro : vérifiez la saisie.", code="invalid_nir") from exc
    except (InvalidFormat, InvalidComponent, StdnumError) as exc:
        raise ValidationError("Ce NIR n'a pas un format valide.", code="invalid_nir") from exc


# How bases write a person's sex, upper-cased: codes, words, civilities. Anything else is unknown.
SEX_CODES = {
    "": "", "F": "F", "M": "M", "H": "M", "2": "F", "1": "M", "FEMME": "F", "HOMME": "M", "FEMININ": "F",
    "FÉMININ": "F", "MASCULIN": "M", "MME": "F", "MLLE": "F", "MADAME": "F", "MADEMOISELLE": "F", "MR": "M", "M.": "M",
    "MONSIEUR": "M",
}  # fmt: skip


def nir_key(body13: str) -> int:
    """The key of a 13-character NIR body: 97 − (body mod 97), Corsica 2A → 19, 2B → 18."""
    digits = body13.upper().replace("2A", "19").replace("2B", "18")
    return 97 - int(digits) % 97


EARLIEST_BIRTH_YEAR = 1900


def birth_date_problems(value: dt.date | None, today: dt.date) -> list[str]:
    """What is wrong with a birth date, in French: the one rule of the person form and the import."""
    if value is None:
        return []
    if value > today:
        return ["La date de naissance ne peut pas être dans le futur."]
    if value.year < EARLIEST_BIRTH_YEAR:
        return [f"La date de naissance est antérieure à {EARLIEST_BIRTH_YEAR} : vérifiez la saisie."]
    return []


# Legacy bases write an unknown birth date 00/00/0000, 01/01/0001, 01/01/1900 or 30/12/1899 (a
# spreadsheet's day zero): no date at all. Before 1850 no living person and hardly any archived file
# was born; a real date of 1898 (a deceased person's record) stays a date for the linkage.
PLACEHOLDER_YEAR = 1850
PLACEHOLDER_DAYS = {dt.date(1900, 1, 1), dt.date(1899, 12, 30), dt.date(1899, 12, 31)}


def is_placeholder_date(day: dt.date) -> bool:
    return day.year < PLACEHOLDER_YEAR or day in PLACEHOLDER_DAYS


def is_unknown_date_written(raw: str) -> bool:
    """Whether a birth date as written is a base's way of saying "unknown" (00/00/0000, 01/01/1900…)."""
    digits = re.sub(r"\D", "", raw)
    if digits and set(digits) == {"0"}:
        return True
    try:
        day = parse_french_date(raw)
    except ValidationError:
        return False
    return day is not None and is_placeholder_date(day)


def parse_french_date(raw: str) -> dt.date | None:
    """Accepts YYYY-MM-DD and DD/MM/YYYY (also DD-MM-YYYY, DD.MM.YYYY). Raises ValidationError in French."""
    value = (raw or "").strip()
    if not value:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", value)
        if not match:
            raise ValidationError(f"« {value} » n'est pas une date (attendu JJ/MM/AAAA ou AAAA-MM-JJ).", code="invalid_date")
        day, month, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValidationError(f"Le {value} n'existe pas dans le calendrier.", code="invalid_date") from exc


# --- Comparing French names -------------------------------------------------------------------


def name_without_particles(value: str) -> str:
    """'de La Fontaine' → 'fontaine' (particles de, du, le, d'…); the name itself if it is only particles."""
    tokens = name_tokens(value)
    kept = [token for token in tokens if token not in NAME_PARTICLES]
    return " ".join(kept or tokens)


@lru_cache(maxsize=300_000)
def name_keys(value: str) -> frozenset[str]:
    """Every form under which a family name may have been typed: with and without particles, with or
    without its separators, and each part of a compound name ('martin-dupont' → 'martin', 'dupont')."""
    full = normalize_name(value)
    if not full:
        return frozenset()
    bare = name_without_particles(value)
    keys = {full, full.replace(" ", ""), bare, bare.replace(" ", "")}
    tokens = full.split()
    if len(tokens) > 2 and tokens[0] in {"de", "d"} and tokens[1] in {"la", "le", "l", "les"}:
        keys.add("".join(tokens[1:]))  # 'de La Fontaine' is often typed 'Lafontaine'
    keys.update(part for part in bare.split() if len(part) > 1)
    return frozenset(keys)


def names_match_crosswise(birth_a: str, usage_a: str, birth_b: str, usage_b: str) -> bool:
    """Birth and usage names compared crosswise: a woman registered under her spouse's name in one
    base and her birth name in the other is the same family name."""
    keys_a = name_keys(birth_a) | name_keys(usage_a)
    keys_b = name_keys(birth_b) | name_keys(usage_b)
    return bool(keys_a & keys_b)


def first_name_set(value: str) -> list[str]:
    """First names as a list of normalised tokens: 'Jean-Pierre, Marie' → ['jean pierre', 'marie'].
    Compound first names stay whole; their parts are added too (an agent may type only 'Jean')."""
    names = [normalize_name(name) for name in split_first_names(value)]
    parts = [part for name in names if " " in name for part in name.split()]
    return [name for name in names if name] + [part for part in parts if part not in names]


_NOT_VOWEL = r"(?![AEIOUY])"
_PHONETIC_RULES = [
    # Order matters: most specific groups first. Written for French surnames and first names.
    (r"SCH|CH|SH", "X"), (r"PH", "F"), (r"TH", "T"), (r"GH", "G"), (r"CK", "K"), (r"QU?", "K"),
    (r"GU(?=[EIY])", "G"), (r"G(?=[EIY])", "J"), (r"C(?=[EIY])", "S"), (r"C", "K"), (r"GN", "NI"),
    (r"(AULT|AUD|AUT|AUX|EAUX|EAU)$", "O"), (r"EAU|AU", "O"), (r"OU", "U"), (r"O[IY]", "UA"),
    (r"[AE]IN" + _NOT_VOWEL, "IN"), (r"AI|EI", "E"), (r"[AE][NM]" + _NOT_VOWEL, "A"), (r"O[NM]" + _NOT_VOWEL, "O"),
    (r"[IY][NM]" + _NOT_VOWEL, "IN"), (r"(ER|EZ|ET)$", "E"), (r"Y", "I"), (r"W", "V"), (r"Z", "S"), (r"BV", "V"), (r"H", ""),
]  # fmt: skip
_PHONETIC_PATTERNS = [(re.compile(pattern), target) for pattern, target in _PHONETIC_RULES]


@lru_cache(maxsize=300_000)
def french_phonetic_key(value: str) -> str:
    """A phonetic key for French names: 'Lefèvre' and 'Lefebvre', 'Dupont' and 'Dupond', 'Philippe'
    and 'Filipe', 'Renaud' and 'Renault' get the same key. Letters only, accents removed, French
    spelling groups reduced (nasals only before a consonant), doubled letters and silent endings dropped."""
    letters = re.sub(r"[^A-Z]", "", strip_accents(value or "").upper())
    if not letters:
        return ""
    for pattern, target in _PHONETIC_PATTERNS:
        letters = pattern.sub(target, letters)
    letters = re.sub(r"(.)\1+", r"\1", letters)  # doubled letters: 'Pelletier' ≈ 'Peletier'
    letters = re.sub(r"(?<=.)[STDXP]$", "", letters)  # silent final consonants: 'Dupont', 'Thomas'
    letters = letters.replace("EU", "E").replace("OE", "E")
    return re.sub(r"(?<=..)E$", "", letters)  # mute final e: 'Fontaine' ≈ 'Fontène'


def damerau_levenshtein(a: str, b: str, limit: int = 2) -> int:
    """Edit distance with transpositions, stopping early above `limit` (names are short)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def deletion_variants(token: str) -> set[str]:
    """The token and every string obtained by deleting one character: two tokens within one edit
    (insertion, deletion, substitution or transposition) share at least one variant."""
    variants = {token}
    if len(token) > 3:
        variants.update(token[:i] + token[i + 1 :] for i in range(len(token)))
    return variants


def swapped_day_month(day: dt.date) -> dt.date | None:
    """The date with day and month exchanged (04/12 typed for 12/04), when that is a real date."""
    if day.day > 12 or day.day == day.month:
        return None
    return dt.date(day.year, day.day, day.month)
