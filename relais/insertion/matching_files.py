"""The CSV files of `relais match` (issue 13, item 5): candidates and offers in, proposals out.

Read leniently, checked strictly. Accepted: UTF-8 with or without BOM (or Windows-1252), `;`, `,` or
tab as separator, columns in any order (matched by name, case and surrounding spaces ignored), blank
lines, spaces around values, decimal commas ("7,5"), booleans as 0/1, oui/non, o/n, true/false,
vrai/faux, yes/no, dates as YYYY-MM-DD (or DD/MM/YYYY). Columns the format does not name are
ignored (another tool's export often carries a name or a comment: they do not stop the matching,
the summary names them); a missing or repeated column stops the file. Every wrong value is
reported as the person import reports it ("ligne N, colonne « x » : message"), and when one line is
wrong the whole file is refused.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.fr import siret as stdnum_siret

from relais.core.csv_reading import (
    BadValue,
    CsvFile,
    parse_bool,
    parse_date,
    parse_fields,
    parse_id,
    parse_integer,
    parse_number,
    read_csv_file,
)
from relais.core.csv_report import Report
from relais.insertion.matching import CandidateRow, OfferRow, Proposal

CANDIDATE_COLUMNS = [
    "candidate_id", "commune_code", "rome_codes", "education_level", "driving_licence", "vehicle", "max_km",
    "hours_min", "hours_max", "available_from", "nights", "weekends",
]  # fmt: skip
OFFER_COLUMNS = [
    "offer_id", "siret", "commune_code", "rome_code", "education_level", "driving_licence", "vehicle", "hours",
    "nights", "weekends", "positions", "start_date",
]  # fmt: skip
PROPOSAL_COLUMNS = ["candidate_id", "offer_id", "rank", "score", "reasons"]
REASON_SEPARATOR = " ; "

EDUCATION_LEVELS = {0, 3, 4, 5, 6, 7, 8}  # national nomenclature: 0 none, 3 CAP/BEP, 4 bac … 8 doctorate
WEEK_HOURS = 168
ROME_CODE = re.compile(r"[A-Z]\d{4}")


MatchingFile = CsvFile


# --- values ----------------------------------------------------------------------------------------


def parse_hours(value: str) -> float:
    hours = parse_number(value)
    if hours > WEEK_HOURS:
        raise BadValue(f"« {value} » : plus de {WEEK_HOURS} heures par semaine.")
    return hours


def parse_positions(value: str) -> int:
    positions = parse_integer(value)
    if positions < 1:
        raise BadValue(f"« {value} » : au moins 1 poste ouvert.")
    return positions


def parse_education(value: str) -> int:
    try:
        level = parse_integer(value)
    except BadValue:
        level = -1
    if level not in EDUCATION_LEVELS:
        raise BadValue(f"« {value} » : niveau de formation attendu 0 (aucun diplôme) ou de 3 (CAP, BEP) à 8 (doctorat).")
    return level


def parse_rome(value: str) -> str:
    code = value.upper()
    if not ROME_CODE.fullmatch(code):
        raise BadValue(f"« {value} » : code ROME attendu, une lettre et quatre chiffres (ex. G1602).")
    return code


def parse_rome_list(value: str) -> tuple[str, ...]:
    codes = [code for code in re.split(r"[\s,|/]+", value) if code]
    if not codes:
        raise BadValue("au moins un code ROME attendu (séparés par des espaces).")
    bad = [code for code in codes if not ROME_CODE.fullmatch(code.upper())]
    if bad:
        raise BadValue(f"« {' '.join(bad)} » : code ROME attendu, une lettre et quatre chiffres (ex. G1602).")
    return tuple(dict.fromkeys(code.upper() for code in codes))


def parse_siret(value: str) -> str:
    try:
        return str(stdnum_siret.validate(value))
    except InvalidChecksum:
        raise BadValue(f"« {value} » : SIRET invalide (clé de contrôle fausse).") from None
    except InvalidLength:
        raise BadValue(f"« {value} » : un SIRET compte 14 chiffres.") from None
    except InvalidFormat:
        raise BadValue(f"« {value} » : un SIRET ne contient que des chiffres.") from None


def commune_parser(coordinates: Mapping[str, tuple[float, float]]) -> Callable[[str], str]:
    def parse_commune(value: str) -> str:
        code = value.upper()
        if code not in coordinates:
            raise BadValue(f"« {value} » : code INSEE de commune inconnu (communes des Yvelines et des Hauts-de-Seine).")
        return code

    return parse_commune


# --- files -----------------------------------------------------------------------------------------


def read_candidates(path: Path, coordinates: Mapping[str, tuple[float, float]]) -> MatchingFile:
    parsers: dict[str, Callable[[str], Any]] = {
        "candidate_id": parse_id, "commune_code": commune_parser(coordinates), "rome_codes": parse_rome_list,
        "education_level": parse_education, "driving_licence": parse_bool, "vehicle": parse_bool, "max_km": parse_number,
        "hours_min": parse_hours, "hours_max": parse_hours, "available_from": parse_date, "nights": parse_bool,
        "weekends": parse_bool,
    }  # fmt: skip

    def parse_line(number: int, values: dict[str, str], report: Report) -> CandidateRow | None:
        parsed = parse_fields(number, values, parsers, report)
        if parsed is None:
            return None
        if parsed["hours_min"] > parsed["hours_max"]:
            report.add(number, "hours_min", f"{values['hours_min']} h : minimum supérieur au maximum ({values['hours_max']} h).")
            return None
        return CandidateRow(**parsed)

    return read_csv_file(path, CANDIDATE_COLUMNS, parse_line, key_of=_candidate_key, key_column="candidate_id", key_label=_quoted)


def read_offers(path: Path, coordinates: Mapping[str, tuple[float, float]]) -> MatchingFile:
    parsers: dict[str, Callable[[str], Any]] = {
        "offer_id": parse_id, "siret": parse_siret, "commune_code": commune_parser(coordinates), "rome_code": parse_rome,
        "education_level": parse_education, "driving_licence": parse_bool, "vehicle": parse_bool, "hours": parse_hours,
        "nights": parse_bool, "weekends": parse_bool, "positions": parse_positions, "start_date": parse_date,
    }  # fmt: skip

    def parse_line(number: int, values: dict[str, str], report: Report) -> OfferRow | None:
        parsed = parse_fields(number, values, parsers, report)
        return OfferRow(**parsed) if parsed is not None else None

    return read_csv_file(path, OFFER_COLUMNS, parse_line, key_of=_offer_key, key_column="offer_id", key_label=_quoted)


def _candidate_key(row: CandidateRow) -> str:
    return row.candidate_id


def _offer_key(row: OfferRow) -> str:
    return row.offer_id


def _quoted(key: str) -> str:
    return f"« {key} »"


def write_proposals(path: Path, proposals: Iterable[Proposal]) -> None:
    """UTF-8, comma-separated, reasons joined by " ; ". Written beside the target then renamed, so
    that a reader never sees half a file and a failed run leaves none."""
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PROPOSAL_COLUMNS)
        for p in proposals:
            writer.writerow([p.candidate_id, p.offer_id, p.rank, f"{p.score:.3f}", REASON_SEPARATOR.join(p.reasons)])
    partial.replace(path)
