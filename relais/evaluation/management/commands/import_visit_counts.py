from django.core.management.base import BaseCommand

from relais.evaluation.imports import VISIT_COLUMNS, import_visit_counts
from relais.evaluation.management.commands._kit import existing_file, print_outcome


class Command(BaseCommand):
    help = (
        "Importe la grille de comptage hebdomadaire (CSV : " + ", ".join(VISIT_COLUMNS) + " ; semaine au format "
        "2026-W48). Tout ou rien ; chaque case (site, semaine, partenaire, nature) reçoit le nombre du fichier, "
        "sans s'ajouter à l'ancien : réimporter le même fichier ne change rien."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file", help="Fichier CSV des comptages")

    def handle(self, *args, file: str, **options) -> None:  # type: ignore[no-untyped-def]
        path = existing_file(file)
        print_outcome(self, path, import_visit_counts(path), what="case", plural="cases")
