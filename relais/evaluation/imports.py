"""The evaluation kit's two files (`relais import-survey-answers`, `relais import-visit-counts`):
read with the shared lenient reader, checked line by line, applied all or nothing.

Each import is idempotent on its identifiers: a survey answer by its `answer_id`, a count by its
cell (site, ISO week, partner, kind). Importing a file again changes nothing; importing a corrected
file corrects the rows it names (a count replaces the cell's count, it never adds to it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from relais.core.csv_reading import (
    BadValue,
    CsvFile,
    code_of,
    parse_bool,
    parse_date,
    parse_fields,
    parse_id,
    parse_integer,
    read_csv_file,
)
from relais.core.csv_report import Report
from relais.evaluation.models import (
    Expectation,
    Reason,
    Satisfaction,
    SurveyChannel,
    SurveyResponse,
    VisitCount,
    VisitKind,
    WeekClosure,
    week_monday,
)
from relais.evaluation.policies import partner_organisations, service_points
from relais.territory.models import Organisation, Site

SURVEY_COLUMNS = [
    "answer_id", "site_code", "partner_code", "answered_on", "satisfaction", "expectation", "recommend", "reason", "comment",
]  # fmt: skip
SURVEY_REQUIRED = ["answer_id", "site_code", "answered_on"]
VISIT_COLUMNS = ["site_code", "week", "partner_code", "kind", "count"]
VISIT_REQUIRED = ["site_code", "week", "kind", "count"]
COMMENT_MAX_LENGTH = 2000
MAX_WEEKLY_COUNT = 100_000

# Other spellings met in spreadsheets for the grid's kinds of help.
KIND_ALIASES = {
    "info": VisitKind.INFORMATION, "information_orientation": VisitKind.INFORMATION, "orientation": VisitKind.INFORMATION,
    "accueil": VisitKind.INFORMATION,
    "online": VisitKind.ONLINE_PROCEDURE, "demarche": VisitKind.ONLINE_PROCEDURE, "demarche_en_ligne": VisitKind.ONLINE_PROCEDURE,
    "aide_demarche": VisitKind.ONLINE_PROCEDURE, "aide_demarche_en_ligne": VisitKind.ONLINE_PROCEDURE,
    "aide_a_une_demarche_en_ligne": VisitKind.ONLINE_PROCEDURE, "online_help": VisitKind.ONLINE_PROCEDURE,
    "visio_guichet": VisitKind.VISIO, "visioguichet": VisitKind.VISIO, "visioconference": VisitKind.VISIO,
    "video": VisitKind.VISIO,
    "print": VisitKind.PRINTING, "printing_scanning": VisitKind.PRINTING, "impression": VisitKind.PRINTING,
    "impression_numerisation": VisitKind.PRINTING, "numerisation": VisitKind.PRINTING, "scan": VisitKind.PRINTING,
    "scanning": VisitKind.PRINTING,
    "autre": VisitKind.OTHER,
}  # fmt: skip
REASON_ALIASES = {"proximity": Reason.PROXIMITY, "support": Reason.SUPPORT, "hours": Reason.HOURS, "other": Reason.OTHER}
WEEK = re.compile(r"(\d{4})-?W(\d{1,2})(?:-?[1-7])?", re.IGNORECASE)


@dataclass
class ImportOutcome:
    report: Report
    ignored_columns: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed_weeks: list[str] = field(default_factory=list)  # "78-FS-MUREAUX 2026-W48", changed though closed

    @property
    def ok(self) -> bool:
        return self.report.ok


# --- values ----------------------------------------------------------------------------------------


def _choice(choices: Any, aliases: Mapping[str, str] | None = None) -> Callable[[str], str]:
    """A code among `choices` (TextChoices), read from its code or its French label, any case or accent."""
    by_code = {code_of(value): value for value in choices.values}
    by_code.update({code_of(label): value for value, label in choices.choices})
    by_code.update(aliases or {})
    expected = ", ".join(choices.values)

    def parse(value: str) -> str:
        if not value:
            return ""
        code = by_code.get(code_of(value))
        if code is None:
            raise BadValue(f"« {value} » : valeur inconnue ; attendu : {expected} (ou vide).")
        return str(code)

    return parse


def _parse_reasons(value: str) -> list[str]:
    parse_one = _choice(Reason, REASON_ALIASES)
    return list(dict.fromkeys(parse_one(part) for part in re.split(r"[|+/]", value) if part.strip()))


def _parse_comment(value: str) -> str:
    if len(value) > COMMENT_MAX_LENGTH:
        raise BadValue(f"{len(value)} caractères : {COMMENT_MAX_LENGTH} au plus.")
    return value


EARLIEST = dt.date(2000, 1, 1)  # older than any service point of the network: a typing mistake


def _past_and_recent(day: dt.date, value: str, noun: str) -> dt.date:
    """A day (or week) to come, or before 2000, is a typing mistake; `noun` is « date » or « semaine »."""
    if day > timezone.localdate():
        raise BadValue(f"« {value} » : {noun} à venir.")
    if day < EARLIEST:
        raise BadValue(f"« {value} » : {noun} antérieure à l'an 2000 (faute de frappe ?).")
    return day


def _parse_answered_on(value: str) -> dt.date:
    return _past_and_recent(parse_date(value), value, "date")


def _parse_recommend(value: str) -> bool | None:
    if not value:
        return None
    try:
        return parse_bool(value)
    except BadValue:
        raise BadValue(f"« {value} » : oui ou non attendu (ou vide).") from None


def parse_week(value: str) -> dt.date:
    """An ISO week as 2026-W48 (or 2026W48, 2026-W48-1), or any date of it; its Monday."""
    if match := WEEK.fullmatch(value.strip()):
        year, week = int(match[1]), int(match[2])
        try:
            return dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            raise BadValue(f"« {value} » : l'année {year} n'a pas de semaine {week}.") from None
    try:
        return week_monday(parse_date(value))
    except BadValue:
        raise BadValue(
            f"« {value} » : semaine attendue au format AAAA-Wss (ex. 2026-W48), ou une date de cette semaine."
        ) from None


def _parse_past_week(value: str) -> dt.date:
    """A week that has begun: the counts of a week to come are a typing mistake."""
    return _past_and_recent(parse_week(value), value, "semaine")


def week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _parse_count(value: str) -> int:
    if not value:
        raise BadValue("le nombre de visites est vide (0 si aucune).")
    if not re.fullmatch(r"\d[\d\s\u202f]*", value):
        raise BadValue(f"« {value} » : nombre entier de visites attendu (ex. 12).")
    count = parse_integer(value)
    if count > MAX_WEEKLY_COUNT:
        raise BadValue(f"« {value} » : plus de {MAX_WEEKLY_COUNT} visites en une semaine.")
    return count


def _code_parser(known: Mapping[str, Any], what: str, *, optional: bool) -> Callable[[str], Any]:
    sample = ", ".join(sorted(known)[:12]) + (" …" if len(known) > 12 else "")

    def parse(value: str) -> Any:
        if not value:
            if optional:
                return None
            raise BadValue(f"le code du {what} est vide.")
        found = known.get(value.strip().upper())
        if found is None:
            raise BadValue(f"« {value} » : {what} inconnu. Codes connus : {sample or 'aucun'}.")
        return found

    return parse


def _sites_by_code() -> dict[str, Site]:
    """The active service points: a partner's office or a closed point has no grid and no answers."""
    return {site.code.upper(): site for site in service_points().exclude(code="")}


def _partners_by_code() -> dict[str, Organisation]:
    return {organisation.code.upper(): organisation for organisation in partner_organisations()}


# --- survey answers --------------------------------------------------------------------------------


def read_survey_answers(path: Path) -> CsvFile:
    parsers: dict[str, Callable[[str], Any]] = {
        "answer_id": parse_id,
        "site_code": _code_parser(_sites_by_code(), "site", optional=False),
        "partner_code": _code_parser(_partners_by_code(), "partenaire", optional=True),
        "answered_on": _parse_answered_on,
        "satisfaction": _choice(Satisfaction),
        "expectation": _choice(Expectation),
        "recommend": _parse_recommend,
        "reason": _parse_reasons,
        "comment": _parse_comment,
    }

    def parse_line(number: int, values: dict[str, str], report: Report) -> dict[str, Any] | None:
        return parse_fields(number, values, parsers, report)

    return read_csv_file(
        path, SURVEY_COLUMNS, parse_line, required=SURVEY_REQUIRED,
        key_of=lambda row: row["answer_id"], key_column="answer_id", key_label=lambda key: f"« {key} »",
    )  # fmt: skip


RESPONSE_FIELDS = ["site", "partner", "answered_on", "satisfaction", "expectation", "recommend", "reasons", "comment"]


def _response_values(row: Mapping[str, Any]) -> dict[str, Any]:
    site = row["site_code"]
    return {
        "site": site, "partner": row["partner_code"], "answered_on": row["answered_on"],
        "satisfaction": row["satisfaction"], "expectation": row["expectation"], "recommend": row["recommend"],
        "reasons": row["reason"], "comment": row["comment"],
    }  # fmt: skip


def import_survey_answers(path: Path) -> ImportOutcome:
    """Check the whole file, then create or correct its answers in one transaction (nothing when a
    line is wrong)."""
    read = read_survey_answers(path)
    outcome = ImportOutcome(report=read.report, ignored_columns=read.ignored_columns)
    if not read.report.ok:
        return outcome
    with transaction.atomic():
        ids = [row["answer_id"] for row in read.rows]
        existing = {
            response.external_id: response
            for start in range(0, len(ids), 500)
            for response in SurveyResponse.objects.select_for_update().filter(external_id__in=ids[start : start + 500])
        }
        new, changed = [], []
        for row in read.rows:
            values = _response_values(row)
            response = existing.get(row["answer_id"])
            if response is None:
                new.append(SurveyResponse(external_id=row["answer_id"], channel=SurveyChannel.IMPORT, **values))
            elif any(getattr(response, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(response, name, value)
                changed.append(response)
        SurveyResponse.objects.bulk_create(new, batch_size=500)
        SurveyResponse.objects.bulk_update(changed, RESPONSE_FIELDS, batch_size=500)
    outcome.created, outcome.updated = len(new), len(changed)
    outcome.unchanged = len(read.rows) - len(new) - len(changed)
    return outcome


# --- weekly counts ---------------------------------------------------------------------------------


def read_visit_counts(path: Path, *, sites: Iterable[Site] | None = None) -> CsvFile:
    """`sites`: those the importer may count for (the web import: a manager's sites); any other
    site's code reads as unknown, so a file never tells which codes exist elsewhere."""
    known = _sites_by_code() if sites is None else {site.code.upper(): site for site in sites if site.code}
    parsers: dict[str, Callable[[str], Any]] = {
        "site_code": _code_parser(known, "site", optional=False),
        "week": _parse_past_week,
        "partner_code": _code_parser(_partners_by_code(), "partenaire", optional=True),
        "kind": _choice(VisitKind, KIND_ALIASES),
        "count": _parse_count,
    }

    def parse_line(number: int, values: dict[str, str], report: Report) -> dict[str, Any] | None:
        parsed = parse_fields(number, values, parsers, report)
        if parsed is not None and not parsed["kind"]:
            report.add(number, "kind", "la nature de l'aide est vide.")
            return None
        return parsed

    def key_of(row: Mapping[str, Any]) -> tuple:
        return (row["site_code"].pk, row["week"], row["partner_code"].pk if row["partner_code"] else None, row["kind"])

    def key_label(key: tuple) -> str:
        return "Cette case (même site, semaine, partenaire et nature)"

    return read_csv_file(
        path, VISIT_COLUMNS, parse_line, required=VISIT_REQUIRED, key_of=key_of, key_column="", key_label=key_label
    )


def import_visit_counts(path: Path, *, agent: Any = None, sites: Iterable[Site] | None = None) -> ImportOutcome:
    """Check the whole file, then set each cell's count in one transaction. A file is the
    administration's record: it may change a closed week, and the outcome names such weeks.
    With `sites`, lines of any other site are refused (see `read_visit_counts`)."""
    read = read_visit_counts(path, sites=sites)
    outcome = ImportOutcome(report=read.report, ignored_columns=read.ignored_columns)
    if not read.report.ok:
        return outcome
    with transaction.atomic():
        sites = {row["site_code"].pk for row in read.rows}
        # The sites' rows locked as the grid's save and closure lock them: one writer of a week at a time.
        list(Site.objects.select_for_update().filter(pk__in=sorted(sites)).values_list("pk", flat=True))
        weeks = {row["week"] for row in read.rows}
        existing = {
            (cell.site_id, cell.week, cell.partner_id, cell.kind): cell
            for cell in VisitCount.objects.select_for_update().filter(site__in=sites, week__in=weeks)
        }
        closed = set(WeekClosure.objects.filter(site__in=sites, week__in=weeks).values_list("site_id", "week"))
        new, changed, closed_changed = [], [], set()
        for row in read.rows:
            site, partner = row["site_code"], row["partner_code"]
            key = (site.pk, row["week"], partner.pk if partner else None, row["kind"])
            cell = existing.get(key)
            if cell is None:
                new.append(VisitCount(site=site, week=row["week"], partner=partner, kind=row["kind"], count=row["count"],
                                      source=VisitCount.Source.IMPORT, updated_by=agent))  # fmt: skip
            elif cell.count != row["count"]:
                cell.count, cell.source, cell.updated_by = row["count"], VisitCount.Source.IMPORT, agent
                cell.updated_at = timezone.now()
                changed.append(cell)
            else:
                continue
            if (site.pk, row["week"]) in closed:
                closed_changed.add(f"{site.code} {week_label(row['week'])}")
        VisitCount.objects.bulk_create(new, batch_size=500)
        VisitCount.objects.bulk_update(changed, ["count", "source", "updated_by", "updated_at"], batch_size=500)
    outcome.created, outcome.updated = len(new), len(changed)
    outcome.unchanged = len(read.rows) - len(new) - len(changed)
    outcome.closed_weeks = sorted(closed_changed)
    return outcome


def visit_counts_rows(queryset: Any) -> list[list[str]]:
    """The grid as the import reads it (for the CSV export: what goes out comes back in)."""
    return [
        [cell.site.code, week_label(cell.week), cell.partner.code if cell.partner else "", cell.kind, str(cell.count)]
        for cell in queryset.select_related("site", "partner").order_by("site__code", "week", "partner__code", "kind")
    ]
