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
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.fr import siret as stdnum_siret

from relais.core.csv_report import MAX_REPORTED, Report, header_problem, width_problem
from relais.insertion.matching import CandidateRow, OfferRow, Proposal
from relais.people.csvformat import detect_encoding

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

ID_MAX_LENGTH = 64
EDUCATION_LEVELS = {0, 3, 4, 5, 6, 7, 8}  # national nomenclature: 0 none, 3 CAP/BEP, 4 bac … 8 doctorate
WEEK_HOURS = 168
ROME_CODE = re.compile(r"[A-Z]\d{4}")
TRUE = {"1", "oui", "o", "true", "vrai", "yes", "y", "x"}
FALSE = {"0", "non", "n", "false", "faux", "no"}


class BadValue(ValueError):
    """A value that cannot be used; its message is the French text of the report."""


@dataclass
class MatchingFile:
    rows: list[Any] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    ignored_columns: list[str] = field(default_factory=list)


# --- values ----------------------------------------------------------------------------------------


def parse_id(value: str) -> str:
    if not value:
        raise BadValue("l'identifiant est vide.")
    if len(value) > ID_MAX_LENGTH:
        raise BadValue(f"{len(value)} caractères : {ID_MAX_LENGTH} au plus.")
    return value


def parse_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise BadValue(f"« {value} » : 0 ou 1 attendu (ou oui/non).")


def parse_number(value: str) -> float:
    """A non-negative decimal, with a comma or a point."""
    try:
        number = float(value.replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except ValueError:
        raise BadValue(f"« {value} » : nombre attendu (ex. 7,5).") from None
    if not math.isfinite(number) or number < 0:
        raise BadValue(f"« {value} » : nombre positif ou nul attendu.")
    return number


def parse_hours(value: str) -> float:
    hours = parse_number(value)
    if hours > WEEK_HOURS:
        raise BadValue(f"« {value} » : plus de {WEEK_HOURS} heures par semaine.")
    return hours


def parse_integer(value: str) -> int:
    number = parse_number(value)
    if number != int(number):
        raise BadValue(f"« {value} » : nombre entier attendu.")
    return int(number)


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


DATE_FORMATS = ((re.compile(r"\d{4}-\d{1,2}-\d{1,2}"), "%Y-%m-%d"), (re.compile(r"\d{1,2}/\d{1,2}/\d{4}"), "%d/%m/%Y"))


def parse_date(value: str) -> date:
    for shape, pattern in DATE_FORMATS:
        if shape.fullmatch(value):
            try:
                return datetime.strptime(value, pattern).date()  # noqa: DTZ007 — a calendar date, no time
            except ValueError:
                raise BadValue(f"« {value} » : date impossible.") from None
    raise BadValue(f"« {value} » : date attendue au format AAAA-MM-JJ.")


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


def _delimiter(header: str) -> str:
    counts = {delimiter: header.count(delimiter) for delimiter in (";", ",", "\t")}
    return max(counts, key=lambda delimiter: counts[delimiter]) if any(counts.values()) else ","


def _header_name(column: str) -> str:
    return re.sub(r"[\s-]+", "_", column.strip().strip('"').strip().lower())


def _read(
    path: Path, columns: list[str], id_column: str, parse_line: Callable[[int, dict[str, str], Report], Any]
) -> MatchingFile:
    result = MatchingFile()
    report = result.report
    raw = path.read_bytes()
    encoding, broken = detect_encoding(raw)
    report.encoding = "UTF-8" if encoding == "utf-8-sig" else "Windows-1252"
    for number in broken[:MAX_REPORTED]:
        report.add(number, "", "caractères illisibles en UTF-8 (fichier mal encodé ou mélangé).")
    text = raw.decode(encoding, errors="replace")
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        report.add(1, "", "le fichier est vide.")
        return result
    report.delimiter = _delimiter(lines[first])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=report.delimiter)
    for _ in range(first):  # blank lines before the header
        next(reader)
    header = [_header_name(column) for column in next(reader)]
    while header and not header[-1]:  # a trailing separator on the header line
        header.pop()
    if problem := header_problem(header, columns, columns, unknown_allowed=True):
        report.add(first + 1, "", problem)
        return result
    result.ignored_columns = [column for column in header if column not in columns]
    seen: dict[str, int] = {}
    for values in reader:
        number = reader.line_num
        if not any(value.strip() for value in values):
            continue
        report.lines += 1
        while len(values) > len(header) and not values[-1].strip():  # trailing separators
            values = values[:-1]
        if problem := width_problem(values, len(header), report.delimiter):
            report.add(number, "", problem)
            continue
        row = parse_line(number, {column: value.strip() for column, value in zip(header, values, strict=True)}, report)
        if row is None:
            continue
        row_id = getattr(row, id_column)
        if row_id in seen:
            report.add(number, id_column, f"« {row_id} » figure déjà ligne {seen[row_id]}.")
            continue
        seen[row_id] = number
        result.rows.append(row)
    return result


def _parse_fields(
    number: int, values: dict[str, str], parsers: dict[str, Callable[[str], Any]], report: Report
) -> dict[str, Any] | None:
    parsed: dict[str, Any] = {}
    for column, parse in parsers.items():
        try:
            parsed[column] = parse(values[column])
        except BadValue as error:
            report.add(number, column, str(error))
    return parsed if len(parsed) == len(parsers) else None


def read_candidates(path: Path, coordinates: Mapping[str, tuple[float, float]]) -> MatchingFile:
    parsers: dict[str, Callable[[str], Any]] = {
        "candidate_id": parse_id, "commune_code": commune_parser(coordinates), "rome_codes": parse_rome_list,
        "education_level": parse_education, "driving_licence": parse_bool, "vehicle": parse_bool, "max_km": parse_number,
        "hours_min": parse_hours, "hours_max": parse_hours, "available_from": parse_date, "nights": parse_bool,
        "weekends": parse_bool,
    }  # fmt: skip

    def parse_line(number: int, values: dict[str, str], report: Report) -> CandidateRow | None:
        parsed = _parse_fields(number, values, parsers, report)
        if parsed is None:
            return None
        if parsed["hours_min"] > parsed["hours_max"]:
            report.add(number, "hours_min", f"{values['hours_min']} h : minimum supérieur au maximum ({values['hours_max']} h).")
            return None
        return CandidateRow(**parsed)

    return _read(path, CANDIDATE_COLUMNS, "candidate_id", parse_line)


def read_offers(path: Path, coordinates: Mapping[str, tuple[float, float]]) -> MatchingFile:
    parsers: dict[str, Callable[[str], Any]] = {
        "offer_id": parse_id, "siret": parse_siret, "commune_code": commune_parser(coordinates), "rome_code": parse_rome,
        "education_level": parse_education, "driving_licence": parse_bool, "vehicle": parse_bool, "hours": parse_hours,
        "nights": parse_bool, "weekends": parse_bool, "positions": parse_positions, "start_date": parse_date,
    }  # fmt: skip

    def parse_line(number: int, values: dict[str, str], report: Report) -> OfferRow | None:
        parsed = _parse_fields(number, values, parsers, report)
        return OfferRow(**parsed) if parsed is not None else None

    return _read(path, OFFER_COLUMNS, "offer_id", parse_line)


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
