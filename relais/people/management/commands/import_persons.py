from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relais.core.processes import process_is_gone
from relais.people.importing import print_progress, run_import
from relais.people.models import ImportJob
from relais.territory.models import Organisation


class Command(BaseCommand):
    help = "Importe une base de contacts historique (CSV des usagers) ; tout ou rien, ou par lots avec reprise."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file", help="Fichier CSV (UTF-8 ou Windows-1252, séparateur , ou ;)")
        parser.add_argument("--source", required=True, help="Code de la base d'origine (ex. GRC92)")
        parser.add_argument(
            "--organisation", help="Organisation des usagers importés (par défaut : déduite du code source, ex. GRC92 → 92)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Vérifie le fichier et compte ce qui serait importé, sans rien écrire"
        )
        parser.add_argument("--batch-size", type=int, help="Importe par lots de N lignes avec point de reprise (gros fichiers)")
        parser.add_argument("--quiet", action="store_true", help="Sans barre de progression")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Refuse le fichier pour un téléphone ou un e-mail inutilisable (par défaut : la personne est importée sans, à corriger)",
        )

    def _report_dead_jobs(self, source: str) -> None:
        """An import of this source still "running" whose process is gone (killed, machine restarted)."""
        for job in ImportJob.objects.filter(source=source, status=ImportJob.Status.RUNNING).exclude(process=""):
            if process_is_gone(job.process):
                job.finish(ImportJob.Status.FAILED, problems=[_dead_process_message(job)])
                self.stderr.write(
                    f"L'import précédent de {job.file_name} ({source}) était resté « en cours » mais son processus "
                    f"({job.process}) n'existe plus : il est marqué échoué (rien n'en avait été enregistré)."
                )
            else:
                self.stderr.write(
                    f"Attention : un import de {source} est déjà en cours ({job.file_name}, processus {job.process})."
                )

    def handle(
        self,
        *args,
        file: str,
        source: str,
        organisation: str | None,
        dry_run: bool,
        batch_size: int | None,
        quiet: bool,
        strict: bool,
        **options,
    ) -> None:  # type: ignore[no-untyped-def]
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        org = _organisation(source, organisation)
        if batch_size is not None and batch_size < 100:
            raise CommandError("--batch-size : 100 lignes au moins.")
        self._report_dead_jobs(source.upper())
        try:
            job = run_import(path=path, source=source.upper(), organisation=org, dry_run=dry_run, batch_size=batch_size,
                             progress=None if quiet else print_progress, strict=strict)  # fmt: skip
        except Exception as exc:
            raise CommandError(
                f"L'import s'est arrêté sur une erreur inattendue ({type(exc).__name__} : {exc}). "
                "Il est marqué échoué (ou interrompu, à reprendre, s'il avançait par lots) ; rien d'autre n'a été écrit."
            ) from exc
        self.stdout.write(f"Fichier {path.name} ({job.encoding}, séparateur « {job.delimiter} ») : {_count(job.total_lines, 'ligne lue', 'lignes lues')}.")  # fmt: skip
        if job.warning_count:
            for warning in job.warnings:
                self.stderr.write(f"  - {warning}")
            more = job.warning_count - len(job.warnings)
            unlisted = f" ({_count(more, 'non listé', 'non listés')})" if more > 0 else ""
            self.stdout.write(
                f"{_count(job.warning_count, 'avertissement', 'avertissements')}{unlisted} : téléphones ou e-mails inutilisables, "
                "laissés de côté ; chaque fiche concernée les signale pour correction."
            )
        if job.status == ImportJob.Status.REFUSED:
            for problem in job.problems:
                self.stderr.write(f"  - {problem}")
            more = job.error_count - len(job.problems)
            unlisted = f" ({_count(more, 'non listée', 'non listées')})" if more > 0 else ""
            raise CommandError(f"{_count(job.error_count, 'erreur', 'erreurs')}{unlisted} : rien n'a été importé.")
        imported = _count(job.imported, "personne", "personnes") + (
            (" serait importée" if job.imported < 2 else " seraient importées") if dry_run else (" importée" if job.imported < 2 else " importées")
        )  # fmt: skip
        self.stdout.write(f"{imported}, {_count(job.skipped, 'déjà présente', 'déjà présentes')} dans {job.source}.")


def _dead_process_message(job: ImportJob) -> str:
    return f"Processus {job.process} arrêté avant la fin de l'import (démarré le {job.started_at:%d/%m/%Y à %H:%M})."


def _count(number: int, singular: str, plural: str) -> str:
    """'1 erreur', '0 erreur', '57 114 erreurs' (French: plural from 2, digits grouped by three)."""
    return f"{number:,}".replace(",", "\u202f") + " " + (singular if number < 2 else plural)


def _organisation(source: str, code: str | None) -> Organisation:
    if code:
        found = Organisation.objects.filter(code=code.upper()).first()
        if found is None:
            raise CommandError(f"Organisation « {code} » inconnue.")
        return found
    for organisation in Organisation.objects.order_by("-code"):
        if source.upper().endswith(organisation.code):
            return organisation
    raise CommandError(f"Impossible de déduire l'organisation du code « {source} » : précisez --organisation CODE.")
