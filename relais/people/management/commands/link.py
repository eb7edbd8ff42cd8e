from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from relais.people.linkage import BACKENDS
from relais.people.linking import persons_link
from relais.people.models import SourceRecord


class Command(BaseCommand):
    help = (
        "Rapproche les usagers de la base : deux bases d'origine entre elles (--source A --against B), "
        "ou les doublons d'une base (--source A) ou de toute la base. Fusionne au-dessus du seuil haut, "
        "met en file d'examen entre les deux seuils."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--source", help="Code d'une base d'origine (ex. GRC78)")
        parser.add_argument("--against", help="Code de la base à laquelle la comparer (ex. GRC92)")
        parser.add_argument(
            "--threshold", type=float, default=settings.LINKAGE_REVIEW_THRESHOLD, help="Seuil bas : file d'examen"
        )
        parser.add_argument(
            "--merge-threshold", type=float, default=settings.LINKAGE_MERGE_THRESHOLD, help="Seuil haut : fusion automatique"
        )
        parser.add_argument("--no-merge", action="store_true", help="Ne fusionne rien : tout va en file d'examen")
        parser.add_argument("--backend", choices=BACKENDS, help="Moteur : duckdb (par défaut) ou spark")

    def handle(self, *args, source, against, threshold, merge_threshold, no_merge, backend, **options) -> None:  # type: ignore[no-untyped-def]
        if against and not source:
            raise CommandError("--against s'emploie avec --source.")
        for code in filter(None, [source, against]):
            if not SourceRecord.objects.filter(source=code.upper()).exists():
                raise CommandError(f"Aucune fiche importée de la base « {code} ».")
        if not 0 < threshold <= merge_threshold <= 1:
            raise CommandError("Les seuils doivent vérifier 0 < --threshold ≤ --merge-threshold ≤ 1.")
        job = persons_link(
            source=source, against=against, lower=threshold, upper=merge_threshold, auto_merge=not no_merge,
            backend=backend or settings.LINKAGE_BACKEND, progress=lambda message: self.stderr.write(message),
        )  # fmt: skip
        self.stdout.write(job.report + f" ({job.seconds:.1f} s)")
