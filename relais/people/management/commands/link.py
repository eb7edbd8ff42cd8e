from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from relais.core.wording import count_of
from relais.people.database_duplicates import automatic_merges_to_recheck, persons_link
from relais.people.merging import MergeRefused, merge_undo
from relais.people.models import SourceRecord
from relais.people.record_linkage import BACKENDS, LinkageInputError, require_spark


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
        parser.add_argument(
            "--recheck-merges",
            action="store_true",
            help="Liste les fusions automatiques que les règles d'identité actuelles ne feraient pas, avec leur lien d'annulation",
        )
        parser.add_argument("--undo", action="store_true", help="Avec --recheck-merges : annule ces fusions (après confirmation)")
        parser.add_argument("--yes", action="store_true", help="Avec --undo : ne demande pas de confirmation")

    def handle(self, *args, source, against, threshold, merge_threshold, no_merge, backend, **options) -> None:  # type: ignore[no-untyped-def]
        if options["recheck_merges"]:
            self.recheck(undo=options["undo"], confirmed=options["yes"])
            return
        if options["undo"] or options["yes"]:
            raise CommandError("--undo et --yes s'emploient avec --recheck-merges.")
        if against and not source:
            raise CommandError("--against s'emploie avec --source.")
        for code in filter(None, [source, against]):
            if not SourceRecord.objects.filter(source=code.upper()).exists():
                raise CommandError(f"Aucune fiche importée de la base « {code} ».")
        if not 0 < threshold <= merge_threshold <= 1:
            raise CommandError("Les seuils doivent vérifier 0 < --threshold ≤ --merge-threshold ≤ 1.")
        backend = backend or settings.LINKAGE_BACKEND
        try:
            if backend == "spark":
                require_spark()  # before a job is recorded: pyspark is the relais[spark] extra
            job = persons_link(
                source=source, against=against, lower=threshold, upper=merge_threshold, auto_merge=not no_merge,
                backend=backend, progress=lambda message: self.stderr.write(message),
            )  # fmt: skip
        except LinkageInputError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(job.report + f" ({job.seconds:.1f} s)")

    def recheck(self, *, undo: bool, confirmed: bool) -> None:
        """The automatic merges that today's identity rules would leave to a reviewer; undo them all
        in one confirmed step."""
        rechecks = automatic_merges_to_recheck()
        if not rechecks:
            self.stdout.write("Aucune fusion automatique à revoir : toutes satisfont les règles d'identité actuelles.")
            return
        base = settings.SITE_URL + reverse("people:merges")
        for recheck in rechecks:
            merge = recheck.merge
            self.stdout.write(
                f"Fusion du {merge.merged_at:%d/%m/%Y} : {merge.kept.display_name} ← {merge.absorbed.display_name} — "
                f"{' ; '.join(recheck.reasons)}. Annuler : {base}?fusion={merge.public_id}"
            )
        self.stdout.write(
            f"{count_of(len(rechecks), 'fusion automatique', 'fusions automatiques')} que les règles actuelles laisseraient à un agent."
        )
        if not undo:
            self.stdout.write("Pour les annuler toutes : relais link --recheck-merges --undo")
            return
        if not confirmed:
            self.stdout.write(
                f"Annuler {'cette fusion' if len(rechecks) == 1 else f'ces {len(rechecks)} fusions'} ? Les paires reviendront en file d'examen. Tapez « oui » : ",
                ending="",
            )
            try:
                answer = input().strip().lower()
            except EOFError:
                answer = ""
            if answer not in ("oui", "o"):
                self.stdout.write("Rien n'a été annulé.")
                return
        undone = refused = 0
        for recheck in rechecks:
            try:
                merge_undo(merge=recheck.merge, acting_user=None)
            except MergeRefused as error:
                refused += 1
                self.stderr.write(f"Fusion {recheck.merge.public_id} non annulée : {error}")
            else:
                undone += 1
        self.stdout.write(
            f"{count_of(undone, 'fusion annulée', 'fusions annulées')} ; les paires sont de retour en file d'examen."
            + (
                f" {count_of(refused, 'autre fusion non annulée', 'autres fusions non annulées')} (voir ci-dessus)."
                if refused
                else ""
            )
        )
