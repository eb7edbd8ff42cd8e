"""Reading the CSV files people bring (the person import, the insertion matching's files, the
evaluation kit): read leniently, checked strictly.

Accepted: UTF-8 with or without BOM (or Windows-1252), `;`, `,` or tab as separator, columns in any
order (matched by name, case, spaces and hyphens ignored), blank lines, spaces around values,
trailing separators. Columns the format does not name are ignored and named in the summary; a
missing or repeated column stops the file. Every wrong value becomes a `Problem` of the French line
report ("ligne N, colonne « x » : message"). No Django here: Spark executors read person files.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from relais.core.csv_report import MAX_REPORTED, Report, header_problem, width_problem

ID_MAX_LENGTH = 64
TRUE = {"1", "oui", "o", "true", "vrai", "yes", "y", "x"}
FALSE = {"0", "non", "n", "false", "faux", "no"}
DATE_FORMATS = ((re.compile(r"\d{4}-\d{1,2}-\d{1,2}"), "%Y-%m-%d"), (re.compile(r"\d{1,2}/\d{1,2}/\d{4}"), "%d/%m/%Y"))


class BadValue(ValueError):
    """A value that cannot be used; its message is the French text of the report."""


@dataclass
class CsvFile:
    rows: list[Any] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    ignored_columns: list[str] = field(default_factory=list)


def detect_encoding(raw: bytes) -> tuple[str, list[int]]:
    """UTF-8 (with or without BOM) when every line decodes as UTF-8; Windows-1252 when no line holds
    valid non-ASCII UTF-8 (a file saved by an old Excel); otherwise UTF-8 with the broken lines listed."""
    broken: list[int] = []
    utf8_non_ascii = False
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            broken.append(number)
        else:
            utf8_non_ascii = utf8_non_ascii or any(byte > 127 for byte in line)
    if not broken:
        return "utf-8-sig", []
    if not utf8_non_ascii:
        return "cp1252", []
    return "utf-8-sig", broken


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


def parse_integer(value: str) -> int:
    number = parse_number(value)
    if number != int(number):
        raise BadValue(f"« {value} » : nombre entier attendu.")
    return int(number)


def parse_date(value: str) -> date:
    for shape, pattern in DATE_FORMATS:
        if shape.fullmatch(value):
            try:
                return datetime.strptime(value, pattern).date()  # noqa: DTZ007 — a calendar date, no time
            except ValueError:
                raise BadValue(f"« {value} » : date impossible.") from None
    raise BadValue(f"« {value} » : date attendue au format AAAA-MM-JJ.")


def code_of(value: str) -> str:
    """A code as files spell it, made comparable: lower case, no accents, spaces and hyphens as "_"
    ("Très satisfait" and "tres-satisfait" both give "tres_satisfait")."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[\s\-']+", "_", plain.strip().lower()).strip("_")


def parse_fields(
    number: int, values: Mapping[str, str], parsers: Mapping[str, Callable[[str], Any]], report: Report
) -> dict[str, Any] | None:
    """Each column through its parser; the problems go to the report, None when there was one."""
    parsed: dict[str, Any] = {}
    for column, parse in parsers.items():
        try:
            parsed[column] = parse(values.get(column, ""))
        except BadValue as error:
            report.add(number, column, str(error))
    return parsed if len(parsed) == len(parsers) else None


# --- files -----------------------------------------------------------------------------------------


def decoded_text(path: Path, report: Report) -> str:
    """The file's text; its encoding goes to the report, and each line that is not UTF-8 in a UTF-8
    file is a problem of the report."""
    raw = path.read_bytes()
    encoding, broken = detect_encoding(raw)
    report.encoding = "UTF-8" if encoding == "utf-8-sig" else "Windows-1252"
    for number in broken[:MAX_REPORTED]:
        report.add(number, "", "caractères illisibles en UTF-8 (fichier mal encodé ou mélangé).")
    return raw.decode(encoding, errors="replace")


def delimiter_of(header: str) -> str:
    counts = {delimiter: header.count(delimiter) for delimiter in (";", ",", "\t")}
    return max(counts, key=lambda delimiter: counts[delimiter]) if any(counts.values()) else ","


def header_name(column: str) -> str:
    return re.sub(r"[\s-]+", "_", column.strip().strip('"').strip().lower())


def read_csv_file(
    path: Path,
    columns: list[str],
    parse_line: Callable[[int, dict[str, str], Report], Any],
    *,
    required: Collection[str] | None = None,
    key_of: Callable[[Any], Any] | None = None,
    key_column: str = "",
    key_label: Callable[[Any], str] = str,
) -> CsvFile:
    """Every line of a CSV file through `parse_line` (which reports its problems and returns None, or
    a row). Columns outside `required` (all of them by default) may be absent: their values read as
    empty. With `key_of`, two lines with the same key are refused, the second naming the first."""
    result = CsvFile()
    report = result.report
    text = decoded_text(path, report)
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        report.add(1, "", "le fichier est vide.")
        return result
    report.delimiter = delimiter_of(lines[first])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=report.delimiter)
    for _ in range(first):  # blank lines before the header
        next(reader)
    header = [header_name(column) for column in next(reader)]
    while header and not header[-1]:  # a trailing separator on the header line
        header.pop()
    if problem := header_problem(header, columns, columns if required is None else required, unknown_allowed=True):
        report.add(first + 1, "", problem)
        return result
    result.ignored_columns = [column for column in header if column not in columns]
    seen: dict[Any, int] = {}
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error:  # a field over the csv module's limit (128 Ko), or a stray NUL byte
            report.add(
                reader.line_num, "", "ligne illisible : une valeur de plus de 128 Ko ou un caractère nul (est-ce bien un CSV ?)"
            )
            break
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
        if key_of is not None:
            key = key_of(row)
            if key in seen:
                report.add(number, key_column, f"{key_label(key)} figure déjà ligne {seen[key]}.")
                continue
            seen[key] = number
        result.rows.append(row)
    return result
