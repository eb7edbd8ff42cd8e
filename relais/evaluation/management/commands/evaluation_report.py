import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relais.core.csv_reading import BadValue, parse_date
from relais.evaluation import documents
from relais.evaluation.imports import EARLIEST
from relais.evaluation.indicators import Scope, evaluation_figures, report_json
from relais.evaluation.policies import partner_organisations, service_points
from relais.territory.models import Service, Site

LATEST = dt.date(2099, 12, 31)
FORMATS = ("json", "pdf", "xlsx")


class Command(BaseCommand):
    help = (
        "Rapport d'évaluation du réseau pour une période (satisfaction, visites par partenaire, visio-guichet, "
        "kilomètres et CO₂ évités) : JSON sur la sortie standard, ou PDF / XLSX dans --out."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--from", dest="date_from", required=True, help="Premier jour (AAAA-MM-JJ)")
        parser.add_argument("--to", dest="date_to", required=True, help="Dernier jour, inclus (AAAA-MM-JJ)")
        parser.add_argument("--site", help="Code d'un site (ex. 78-FS-MUREAUX) ; tout le réseau sinon")
        parser.add_argument("--partner", help="Code d'un partenaire (ex. CAF92)")
        parser.add_argument("--service", help="Code d'un service")
        parser.add_argument("--format", choices=FORMATS, default="json", help="json (défaut), pdf ou xlsx")
        parser.add_argument("--out", help="Fichier à écrire (obligatoire pour pdf et xlsx)")

    def handle(self, *args, date_from: str, date_to: str, site: str | None, partner: str | None,  # type: ignore[no-untyped-def]
               service: str | None, format: str, out: str | None, **options) -> None:  # fmt: skip
        start, end = _date("--from", date_from), _date("--to", date_to)
        if start > end:
            raise CommandError(f"--from ({start:%d/%m/%Y}) est après --to ({end:%d/%m/%Y}).")
        if start < EARLIEST or end > LATEST:  # a typing mistake; the year 1 or 9999 would run off the calendar
            raise CommandError(f"La période se choisit entre le {EARLIEST:%d/%m/%Y} et le {LATEST:%d/%m/%Y}.")
        if format != "json" and not out:
            raise CommandError(f"--out est obligatoire pour le format {format}.")
        out_path = Path(out) if out else None
        if out_path and not out_path.parent.is_dir():
            raise CommandError(f"Dossier introuvable pour --out : {out_path.parent}")
        if out_path and out_path.is_dir():
            raise CommandError(f"--out désigne un dossier : {out_path}. Donnez le nom du fichier à écrire.")
        scope = Scope(
            date_from=start, date_to=end, sites=(_site(site),) if site else (),
            partner=_by_code(partner_organisations(), partner, "partenaire") if partner else None,
            service=_by_code(Service.objects.all(), service, "service") if service else None,
        )  # fmt: skip
        figures = evaluation_figures(scope)
        if format == "json":
            text = json.dumps(report_json(figures), ensure_ascii=False, indent=2) + "\n"
            if out_path:
                out_path.write_text(text, encoding="utf-8")
                self.stderr.write(f"Rapport écrit dans {out_path}.")
            else:
                self.stdout.write(text, ending="")
            return
        content = documents.report_pdf(figures) if format == "pdf" else documents.report_xlsx(figures)
        assert out_path is not None
        partial = out_path.with_name(f".{out_path.name}.partial")
        partial.write_bytes(content)
        partial.replace(out_path)
        self.stdout.write(f"Rapport {format.upper()} écrit dans {out_path} ({len(content) // 1024 + 1} Ko).")


def _date(option: str, value: str):  # type: ignore[no-untyped-def]
    try:
        return parse_date(value)
    except BadValue as error:
        raise CommandError(f"{option} : {error}") from None


def _site(code: str) -> Site:
    site = service_points().filter(code__iexact=code.strip()).first()
    if site is None:
        known = ", ".join(service_points().exclude(code="").order_by("code").values_list("code", flat=True)) or "aucun"
        raise CommandError(f"Site « {code} » inconnu. Codes connus : {known}.")
    return site


def _by_code(candidates, code: str, what: str):  # type: ignore[no-untyped-def]
    found = candidates.filter(code__iexact=code.strip()).first()
    if found is None:
        known = ", ".join(candidates.order_by("code").values_list("code", flat=True)) or "aucun"
        raise CommandError(f"{what.capitalize()} « {code} » inconnu. Codes connus : {known}.")
    return found
