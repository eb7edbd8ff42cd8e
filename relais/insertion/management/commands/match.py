from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relais.core.csv_report import report_lines
from relais.insertion.matching import allocate
from relais.insertion.matching_files import MatchingFile, read_candidates, read_offers, write_proposals
from relais.territory.communes import commune_coordinates


class Command(BaseCommand):
    help = (
        "Rapproche candidats et offres d'emploi sans toucher à la base : répartit les propositions (au plus K par "
        "candidat, F par poste ouvert) et écrit candidate_id,offer_id,rank,score,reasons."
    )
    requires_system_checks: list[str] = []  # reads two files, writes one: needs neither the database nor the apps' checks

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("candidates", help="CSV des candidats")
        parser.add_argument("offers", help="CSV des offres")
        parser.add_argument("--out", required=True, help="Fichier CSV des propositions à écrire")
        parser.add_argument("--per-candidate", type=int, default=5, help="Propositions par candidat, au plus (5 par défaut)")
        parser.add_argument("--per-offer", type=int, default=3, help="Propositions par poste ouvert, au plus (3 par défaut)")

    def handle(self, *args, candidates: str, offers: str, out: str, per_candidate: int, per_offer: int, **options) -> None:  # type: ignore[no-untyped-def]
        paths = {"candidats": Path(candidates), "offres": Path(offers)}
        for path in paths.values():
            if not path.is_file():
                raise CommandError(f"Fichier introuvable : {path}")
        if per_candidate < 1 or per_offer < 1:
            raise CommandError("--per-candidate et --per-offer : 1 au moins.")
        out_path = Path(out)
        if not out_path.parent.is_dir():
            raise CommandError(f"Dossier introuvable pour --out : {out_path.parent}")
        coordinates = commune_coordinates()
        files = {
            "candidats": read_candidates(paths["candidats"], coordinates),
            "offres": read_offers(paths["offres"], coordinates),
        }
        errors = 0
        for label, read in files.items():
            errors += self._report(label, paths[label], read)
        if errors:
            raise CommandError(
                f"{_count(errors, 'erreur', 'erreurs')} : aucune proposition écrite ({out_path} n'a pas été créé)."
            )
        candidate_rows, offer_rows = files["candidats"].rows, files["offres"].rows
        proposals = allocate(candidate_rows, offer_rows, coordinates, per_candidate=per_candidate, per_offer=per_offer)
        write_proposals(out_path, proposals)
        reached = len({p.candidate_id for p in proposals})
        offers_reached = len({p.offer_id for p in proposals})
        positions = sum(o.positions for o in offer_rows)
        self.stdout.write(
            f"{_count(len(candidate_rows), 'candidat', 'candidats')}, {_count(len(offer_rows), 'offre', 'offres')} "
            f"({_count(positions, 'poste', 'postes')}) : {_count(len(proposals), 'proposition', 'propositions')} "
            f"écrite{'s' if len(proposals) > 1 else ''} dans {out_path}. "
            f"{_count(reached, 'candidat', 'candidats')} sur {len(candidate_rows)} en reçoi{'vent' if reached > 1 else 't'} "
            f"au moins une ({_percent(reached, len(candidate_rows))}), {_count(offers_reached, 'offre', 'offres')} "
            f"sur {len(offer_rows)} ({_percent(offers_reached, len(offer_rows))})."
        )

    def _report(self, label: str, path: Path, read: MatchingFile) -> int:
        """The French report of one file on stderr; returns its number of errors."""
        for line in report_lines(f"Fichier des {label} {path.name}", read.report, read.ignored_columns):
            self.stderr.write(line)
        return read.report.error_count


def _count(number: int, singular: str, plural: str) -> str:
    """'1 offre', '0 offre', '28 000 candidats' (French: plural from 2, digits grouped by three)."""
    return f"{number:,}".replace(",", "\u202f") + " " + (singular if number < 2 else plural)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %".replace(".", ",") if whole else "0 %"
