"""Importing a legacy contact base (the person CSV of PRODUCT.md).

Two passes. The first reads the whole file and validates every line (encoding, delimiter, header,
dates, phones, e-mails, duplicate source ids, and the person's own rules, the same as the person
form's: `building.person_data_clean`) into a French report; nothing is written if it finds an error. A phone or an e-mail that cannot be used is not an error but a warning (legacy bases
are dirty, and one bad number must not keep a person out): the person is imported without it, the
raw value stays in the source record, and the person's file asks for a correction. `strict` makes
such values errors again. The second imports: in one transaction for the whole file by default, or in
batches that each record a checkpoint, so an interrupted run started again continues where it
stopped. Either way a (source, source id) already imported is skipped: a run is idempotent.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from relais.core.bulk import analyze_tables, insert_rows, reserve_ids
from relais.core.csv_reading import decoded_text
from relais.core.csv_report import Report, header_problem, width_problem
from relais.core.processes import this_process
from relais.people.building import NIR_SEX_MISMATCH, PersonData, person_data_clean
from relais.people.csvformat import COLUMNS, detect_delimiter
from relais.people.models import (
    ContactPoint,
    ImportJob,
    NameToken,
    Person,
    PersonOrganisation,
    SourceRecord,
    TokenCount,
    TokenVariant,
)
from relais.people.normalization import (
    SEX_CODES,
    contact_search_keys,
    is_unknown_date_written,
    normalize_email,
    parse_french_date,
    phone_to_e164,
)
from relais.people.search import TokenCounts, person_index_new, token_counts_add, vocabulary_words
from relais.territory.models import Organisation

REQUIRED = {"source_id"}
SOURCE_ID_MAX_LENGTH = SourceRecord._meta.get_field("source_id").max_length or 64
CONTACT_MAX_LENGTH = ContactPoint._meta.get_field("value").max_length or 254


@dataclass
class ParsedRow:
    line: int
    source_id: str
    values: dict  # the Person's cleaned fields
    phones: list[str]
    emails: list[str]
    raw: dict[str, str]
    # Contact values set aside: [{"column": "phone", "value": "071 23 45 67 89"}].
    contact_warnings: list[dict[str, str]] = field(default_factory=list)


CONTACT_COLUMNS: dict[str, Callable[[str], str]] = {"phone": phone_to_e164, "email": normalize_email}


def _parse_row(
    number: int, values: dict[str, str], report: Report, strict: bool = False, today: dt.date | None = None
) -> ParsedRow | None:
    errors_before = report.error_count

    def attempt(column: str, func: Callable, value: str):  # type: ignore[no-untyped-def]
        try:
            return func(value)
        except ValidationError as exc:
            report.add(number, column, " ".join(exc.messages))
            return None

    # A NUL byte is refused by PostgreSQL (text and jsonb): reported here, not a crash mid-import.
    for column, value in values.items():
        if "\x00" in value:
            report.add(number, column, "la valeur contient un caractère nul (octet 0) : fichier corrompu ou binaire ?")
    source_id = values.get("source_id", "").strip()
    if len(source_id) > SOURCE_ID_MAX_LENGTH:
        report.add(
            number,
            "source_id",
            f"{len(source_id)} caractères : l'identifiant d'origine en compte {SOURCE_ID_MAX_LENGTH} au plus.",
        )
    if not source_id:
        report.add(number, "source_id", "l'identifiant d'origine est vide.")
    sex = SEX_CODES.get(values.get("sex", "").strip().upper())
    if sex is None:
        report.add(number, "sex", f"« {values.get('sex')} » : sexe attendu F ou M (ou vide).")
    raw_date = values.get("birth_date", "").strip()
    if raw_date and is_unknown_date_written(raw_date):
        # A base's convention for "unknown", not a date: the person comes without one (the raw value
        # stays in the source record), rather than stopping the file or storing 1900 as true.
        report.warn(number, "birth_date", f"« {raw_date} » : date conventionnelle pour une date inconnue, laissée vide.")
        birth_date = None
    else:
        birth_date = attempt("birth_date", parse_french_date, raw_date)
    contacts: dict[str, str] = {}
    set_aside: list[dict[str, str]] = []
    for column, normalize in CONTACT_COLUMNS.items():
        raw = values.get(column, "").strip()
        if not raw:
            continue
        if strict:
            contacts[column] = attempt(column, normalize, raw) or ""
            continue
        try:
            contacts[column] = normalize(raw)
        except ValidationError as exc:
            report.warn(number, column, " ".join(exc.messages) + " Valeur laissée de côté, à corriger sur la fiche.")
            set_aside.append({"column": column, "value": raw})
    phone, email = contacts.get("phone", ""), contacts.get("email", "")
    # The person's own rules, as for every other way a person is created (building.py); a base
    # without a birth name gives the usage name as the birth name.
    data = PersonData(
        birth_name=values.get("birth_name", "").strip() or values.get("usage_name", ""),
        usage_name=values.get("usage_name", ""), first_names=values.get("first_names", ""), sex=sex or "",
        birth_date=birth_date, birth_place=values.get("birth_place", "").strip()[:100], nir=values.get("nir", ""),
        address=values.get("address", "").strip()[:255], postcode=values.get("postcode", ""),
        city=values.get("city", "").strip()[:100],
    )  # fmt: skip
    try:
        person_data_clean(data, today=today)
    except ValidationError as exc:
        problems = exc.message_dict
        if not strict and problems.get("nir") == [NIR_SEX_MISMATCH]:
            # Legacy bases often carry a parent's NIR on a child's record: the line comes without
            # it (the value stays in the source record only, never in the report) rather than
            # stopping the whole file.
            report.warn(number, "nir", NIR_SEX_MISMATCH + " NIR non repris (souvent celui d'un parent), à vérifier.")
            data.nir = ""
            problems = {}
            try:
                person_data_clean(data, today=today)
            except ValidationError as again:
                problems = again.message_dict
        for column, messages in problems.items():
            for message in messages:
                report.add(number, column, message)
    for column, value in (("email", email), ("phone", phone)):
        if len(value) > CONTACT_MAX_LENGTH:
            report.add(number, column, f"{len(value)} caractères : {CONTACT_MAX_LENGTH} au plus pour cette colonne.")
    if report.error_count > errors_before:
        return None
    person = {name: getattr(data, name) for name in PERSON_IDENTITY_COLUMNS}
    person.update(data.search)  # computed by person_data_clean (building.search_fields)
    return ParsedRow(number, source_id, person, [phone] if phone else [], [email] if email else [], values, set_aside)


def read_file(path: Path, report: Report, strict: bool = False) -> Iterator[ParsedRow]:
    """Validate and parse; problems go to the report. Rows are yielded only while no error was found."""
    text = decoded_text(path, report)
    lines = io.StringIO(text, newline="")
    header_line = text.split("\n", 1)[0]
    report.delimiter = detect_delimiter(header_line)
    reader = csv.reader(lines, delimiter=report.delimiter)
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        report.add(1, "", "le fichier est vide.")
        return
    if problem := header_problem(header, COLUMNS, REQUIRED):
        report.add(1, "", problem)
        return
    seen: dict[str, int] = {}
    today = timezone.localdate()
    for number, values in enumerate(reader, start=2):
        report.lines += 1
        if not any(value.strip() for value in values):
            continue
        if problem := width_problem(values, len(header), report.delimiter):
            report.add(number, "", problem)
            continue
        row = _parse_row(number, dict(zip(header, values, strict=True)), report, strict, today)
        if row is None:
            continue
        if row.source_id in seen:
            report.add(number, "source_id", f"« {row.source_id} » figure déjà ligne {seen[row.source_id]}.")
            continue
        seen[row.source_id] = number
        if report.ok:
            yield row


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_batch(
    rows: list[ParsedRow], source: str, organisation: Organisation, known_words: set[str], counts: TokenCounts
) -> tuple[int, int]:
    """Insert the rows not imported yet from this source; returns (imported, skipped). Persons go
    through the ORM (their ids are needed); everything hanging from them is written raw."""
    existing = set(
        SourceRecord.objects.filter(source=source, source_id__in=[r.source_id for r in rows]).values_list("source_id", flat=True)
    )
    fresh = [row for row in rows if row.source_id not in existing]
    ids = reserve_ids(Person, len(fresh))
    now = timezone.now()
    insert_rows(
        Person, ["id", "public_id", *PERSON_COLUMNS, "commune_code", "address_complement", "created_at", "updated_at", "version", "field_sources"],
        [(pk, uuid.uuid4(), *(row.values[c] for c in PERSON_COLUMNS), "", "", now, now, 1, "{}") for pk, row in zip(ids, fresh, strict=True)],
    )  # fmt: skip
    insert_rows(SourceRecord, ["person_id", "source", "source_id", "imported_at", "data", "contact_warnings"],
                [(pk, source, row.source_id, now, json.dumps(row.raw, ensure_ascii=False), json.dumps(row.contact_warnings, ensure_ascii=False))
                 for pk, row in zip(ids, fresh, strict=True)])  # fmt: skip
    insert_rows(PersonOrganisation, ["person_id", "organisation_id", "since"], [(pk, organisation.pk, now) for pk in ids])
    points = [(pk, kind, value, position) for pk, row in zip(ids, fresh, strict=True)
              for kind, values in (("phone", row.phones), ("email", row.emails)) for position, value in enumerate(values)]  # fmt: skip
    insert_rows(
        ContactPoint, ["person_id", "kind", "value", "label", "position", "search_key", "search_key_reversed"],
        [(pk, kind, value, "", position, *contact_search_keys(kind, value)) for pk, kind, value, position in points],
    )  # fmt: skip
    person_index_new(
        [
            (
                pk,
                row.values["birth_name"],
                row.values["usage_name"],
                row.values["first_names"],
                row.values["city"],
                row.values["postcode"],
            )
            for pk, row in zip(ids, fresh, strict=True)
        ],
        known_words,
        counts,
    )
    return len(fresh), len(rows) - len(fresh)


PERSON_IDENTITY_COLUMNS = [
    "birth_name", "usage_name", "first_names", "sex", "birth_date", "birth_place", "nir", "address", "postcode", "city",
]  # fmt: skip
PERSON_COLUMNS = [*PERSON_IDENTITY_COLUMNS, "search_birth_name", "search_usage_name", "search_names"]


WRITE_CHUNK = 5000
# The tables an import fills: their statistics are refreshed when it ends and as it grows.
FILLED_TABLES = [Person, SourceRecord, PersonOrganisation, ContactPoint, NameToken, TokenVariant, TokenCount]


def run_import(
    *,
    path: Path,
    source: str,
    organisation: Organisation,
    dry_run: bool = False,
    batch_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    created_by=None,  # type: ignore[no-untyped-def]
    strict: bool = False,
) -> ImportJob:
    """Validate the whole file (first pass), then import it (second pass): in one transaction, or
    in checkpointed batches of `batch_size` lines. The file is streamed twice rather than held in
    memory, so a file of millions of lines needs no more memory than one batch. `strict` refuses the
    file for an unusable phone or e-mail too, instead of importing the person without it."""
    digest = file_digest(path)
    job = (
        ImportJob.objects.filter(source=source, file_sha256=digest, status=ImportJob.Status.INTERRUPTED).first()
        if batch_size
        else None
    )
    if job is None:
        job = ImportJob.objects.create(
            source=source, organisation=organisation, file_name=path.name, file_sha256=digest, dry_run=dry_run, batch_size=batch_size or 0,
            created_by=created_by, process=this_process(),
        )  # fmt: skip
    else:
        job.process = this_process()
        job.save(update_fields=["process"])
    try:
        return _run(job, path, source, organisation, dry_run, batch_size, progress, strict)
    except Exception as exc:
        # Whatever crashed (the database, the disk), the job must not stay "running" forever.
        job.refresh_from_db()
        resumable = job.status == ImportJob.Status.INTERRUPTED
        job.finish(
            ImportJob.Status.INTERRUPTED if resumable else ImportJob.Status.FAILED,
            problems=[f"Erreur pendant l'import : {type(exc).__name__} : {exc}"[:1000]],
        )
        raise


def _run(
    job: ImportJob,
    path: Path,
    source: str,
    organisation: Organisation,
    dry_run: bool,
    batch_size: int | None,
    progress: Callable[[int, int], None] | None,
    strict: bool,
) -> ImportJob:
    if not batch_size and not dry_run:
        return _import_in_one_transaction(job, path, source, organisation, progress, strict)
    report = Report()
    valid_rows = sum(1 for _ in read_file(path, report, strict))
    job.total_lines, job.encoding, job.delimiter = report.lines, report.encoding, report.delimiter
    job.warnings, job.warning_count = [str(w) for w in report.warnings], report.warning_count
    if not report.ok:
        job.finish(ImportJob.Status.REFUSED, problems=[str(p) for p in report.problems], error_count=report.error_count)
        return job
    if dry_run:
        imported = skipped = 0
        for chunk in _chunks(read_file(path, Report(), strict), WRITE_CHUNK):
            known = set(
                SourceRecord.objects.filter(source=source, source_id__in=[r.source_id for r in chunk]).values_list(
                    "source_id", flat=True
                )
            )
            skipped += len(known)
            imported += len(chunk) - len(known)
        job.imported, job.skipped = imported, skipped
        job.finish(ImportJob.Status.CHECKED)
        return job
    # Batches: the file was validated as a whole above; each batch then commits with its checkpoint.
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status", "total_lines", "encoding", "delimiter", "warnings", "warning_count"])
    known_words = vocabulary_words()
    counts: TokenCounts = {}  # written once at the end (an interrupted import is recounted daily)
    done = 0
    analyzed_at = 0
    rows = (row for row in read_file(path, Report(), strict) if row.line > job.checkpoint_line)
    for chunk in _chunks(rows, batch_size or WRITE_CHUNK):
        with transaction.atomic():
            imported, skipped = _write_batch(chunk, source, organisation, known_words, counts)
            job.imported += imported
            job.skipped += skipped
            job.checkpoint_line = chunk[-1].line
            job.status = ImportJob.Status.INTERRUPTED  # until the last batch: a crash leaves a resumable job
            job.save(update_fields=["imported", "skipped", "checkpoint_line", "status"])
        done += len(chunk)
        # At a checkpoint, once the rows written since the last ANALYZE are as many as those written
        # before it (after 1, 2, 4, 8… batches): an interrupted import leaves statistics at most a
        # factor two behind, for a total cost of about two ANALYZEs.
        if done >= 2 * analyzed_at:
            analyze_tables(FILLED_TABLES)
            analyzed_at = done
        if progress:
            progress(done, valid_rows)
    token_counts_add(counts)
    analyze_tables(FILLED_TABLES)
    job.finish(ImportJob.Status.DONE)
    return job


class _Refused(Exception):
    pass


def _import_in_one_transaction(
    job: ImportJob,
    path: Path,
    source: str,
    organisation: Organisation,
    progress: Callable[[int, int], None] | None,
    strict: bool,
) -> ImportJob:
    """All or nothing in a single pass: rows are written as they are validated, and the whole
    transaction is rolled back at the end if any line was wrong (the report lists them all)."""
    report = Report()
    known_words = vocabulary_words()
    counts: TokenCounts = {}
    try:
        with transaction.atomic():
            for chunk in _chunks(read_file(path, report, strict), WRITE_CHUNK):
                imported, skipped = _write_batch(chunk, source, organisation, known_words, counts)
                job.imported, job.skipped = job.imported + imported, job.skipped + skipped
                if progress:
                    progress(report.lines, report.lines)
            if not report.ok:
                raise _Refused
            token_counts_add(counts)
        analyze_tables(FILLED_TABLES)  # after the commit: searches right after the import are planned right
    except _Refused:
        job.imported = job.skipped = 0
    job.total_lines, job.encoding, job.delimiter = report.lines, report.encoding, report.delimiter
    job.warnings, job.warning_count = [str(w) for w in report.warnings], report.warning_count
    if not report.ok:
        job.finish(ImportJob.Status.REFUSED, problems=[str(p) for p in report.problems], error_count=report.error_count)
    else:
        job.finish(ImportJob.Status.DONE)
    return job


def _chunks(rows: Iterator[ParsedRow], size: int) -> Iterator[list[ParsedRow]]:
    chunk: list[ParsedRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def print_progress(done: int, total: int) -> None:
    percent = 100 * done // max(total, 1)
    bar = "█" * (percent // 4) + "·" * (25 - percent // 4)
    sys.stderr.write(f"\r  {bar} {percent:3d} % ({done:,} / {total:,} lignes)".replace(",", " "))
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
