"""What the evaluation kit's commands share: reading a file argument and printing an import's outcome."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relais.core.csv_report import report_lines
from relais.core.wording import count_of, plural_suffix
from relais.evaluation.imports import ImportOutcome


def existing_file(name: str) -> Path:
    path = Path(name)
    if not path.is_file():
        raise CommandError(f"Fichier introuvable : {path}")
    return path


def print_outcome(command: BaseCommand, path: Path, outcome: ImportOutcome, *, what: str, plural: str) -> None:
    """`what` is a feminine noun (réponse, case): the participles agree with it."""
    for line in report_lines(f"Fichier {path.name}", outcome.report, outcome.ignored_columns):
        command.stderr.write(line)
    if not outcome.ok:
        errors = count_of(outcome.report.error_count, "erreur")
        raise CommandError(f"{errors} : rien n'a été importé. Corrigez le fichier puis relancez la commande.")
    command.stdout.write(
        f"{path.name} : {count_of(outcome.created, what, plural)} ajoutée{plural_suffix(outcome.created)}, "
        f"{outcome.updated} corrigée{plural_suffix(outcome.updated)}, "
        f"{outcome.unchanged} déjà à jour."
    )
    if outcome.closed_weeks:
        command.stdout.write(f"Semaines déjà clôturées modifiées par le fichier : {', '.join(outcome.closed_weeks)}.")
