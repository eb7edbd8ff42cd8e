"""The French line/column report of the CSV files Relais reads (the person import, the insertion
matching's files): one `Problem` per wrong value, "ligne N, colonne « x » : message", and the
header and width checks every such file shares."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from relais.core.wording import plural_suffix

MAX_REPORTED = 1000  # problems kept for display; the count goes on


@dataclass
class Problem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"ligne {self.line}" + (f", colonne « {self.column} »" if self.column else "")
        return f"{where} : {self.message}"


@dataclass
class Report:
    encoding: str = ""
    delimiter: str = ""
    lines: int = 0
    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warnings: list[Problem] = field(default_factory=list)
    warning_count: int = 0

    def add(self, line: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.problems) < MAX_REPORTED:
            self.problems.append(Problem(line, column, message))

    def warn(self, line: int, column: str, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_REPORTED:
            self.warnings.append(Problem(line, column, message))

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def header_problem(
    header: Sequence[str], columns: Sequence[str], required: Collection[str], *, unknown_allowed: bool = False
) -> str | None:
    """What is wrong with a header row (already stripped and lower-cased), or None: required columns
    missing, unknown columns (unless `unknown_allowed`: then named only to explain a missing one,
    often the same misspelt), a column given twice."""
    unknown = [column for column in header if column not in columns]
    missing = set(required) - set(header)
    repeated = len(set(header)) != len(header)
    if not (missing or repeated or (unknown and not unknown_allowed)):
        return None
    parts = []
    if missing:
        parts.append(f"colonne(s) obligatoire(s) absente(s) : {', '.join(sorted(missing))}")
    if unknown:
        parts.append(f"colonne(s) inconnue(s) : {', '.join(unknown)}")
    if repeated:
        parts.append("une colonne est répétée")
    return "en-tête incorrect — " + " ; ".join(parts) + f". Colonnes attendues : {', '.join(columns)}."


def width_problem(values: Sequence[str], width: int, delimiter: str) -> str | None:
    """A line that has not as many values as the header has columns, with a hint when the other
    separator shows (a file whose lines were saved by two different tools)."""
    if len(values) == width:
        return None
    other = ";" if delimiter == "," else ","
    hint = f" (le séparateur « {other} » apparaît : séparateurs mélangés ?)" if other in "".join(values) else ""
    return f"{len(values)} colonnes au lieu de {width}{hint}."


def report_lines(title: str, report: Report, ignored_columns: Sequence[str] = ()) -> list[str]:
    """What a command prints about a file it read: the columns it ignored, then (when there were
    errors) the file's encoding and separator and one line per problem."""
    lines = []
    if ignored_columns:
        columns = "colonne ignorée" if len(ignored_columns) == 1 else "colonnes ignorées"
        lines.append(f"{title} : {columns} : {', '.join(ignored_columns)}.")
    if report.ok:
        return lines
    lines.append(f"{title} ({report.encoding}, séparateur « {report.delimiter} ») :")
    lines.extend(f"  - {problem}" for problem in report.problems)
    if (more := report.error_count - len(report.problems)) > 0:
        lines.append(f"  … et {more} autre{plural_suffix(more)} erreur{plural_suffix(more)} non listée{plural_suffix(more)}.")
    return lines
