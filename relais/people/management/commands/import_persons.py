from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

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

    def handle(
        self,
        *args,
        file: str,
        source: str,
        organisation: str | None,
        dry_run: bool,
        batch_size: int | None,
        quiet: bool,
        **options,
    ) -> None:  # type: ignore[no-untyped-def]
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        org = _organisation(source, organisation)
        if batch_size is not None and batch_size < 100:
            raise CommandError("--batch-size : 100 lignes au moins.")
        job = run_import(path=path, source=source.upper(), organisation=org, dry_run=dry_run, batch_size=batch_size,
                         progress=None if quiet else print_progress)  # fmt: skip
        self.stdout.write(
            f"Fichier {path.name} ({job.encoding}, séparateur « {job.delimiter} ») : {job.total_lines} ligne(s) lue(s)."
        )
        if job.status == ImportJob.Status.REFUSED:
            for problem in job.problems:
                self.stderr.write(f"  - {problem}")
            more = job.error_count - len(job.problems)
            raise CommandError(
                f"{job.error_count} erreur(s){f' ({more} non listées)' if more > 0 else ''} : rien n'a été importé."
            )
        verb = "seraient importées" if dry_run else "importées"
        self.stdout.write(f"{job.imported} personne(s) {verb}, {job.skipped} déjà présente(s) dans {job.source}.")


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
