from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relais.core.wording import count_of
from relais.people.record_linkage import BACKENDS, LinkageInputError, link_files


class Command(BaseCommand):
    help = (
        "Rapproche deux fichiers d'usagers (CSV des usagers) sans toucher à la base : écrit id_a,id_b,match_probability "
        "pour chaque paire probable."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file_a", help="Premier fichier CSV")
        parser.add_argument("file_b", help="Second fichier CSV")
        parser.add_argument("--out", required=True, help="Fichier CSV des paires à écrire")
        parser.add_argument("--threshold", type=float, default=0.5, help="Probabilité minimale d'une paire (0.5 par défaut)")
        parser.add_argument("--backend", choices=BACKENDS, help="Moteur : duckdb (par défaut) ou spark")

    def handle(self, *args, file_a: str, file_b: str, out: str, threshold: float, backend: str | None, **options) -> None:  # type: ignore[no-untyped-def]
        paths = [Path(file_a), Path(file_b)]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"Fichier introuvable : {path}")
        if not 0 <= threshold <= 1:
            raise CommandError("--threshold : une probabilité entre 0 et 1.")
        try:
            count, calibration = link_files(paths[0], paths[1], Path(out), threshold=threshold, backend=backend)
        except LinkageInputError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{count_of(count, 'paire')} de probabilité ≥ {threshold:g} dans {out} ; {calibration.describe()}.")
