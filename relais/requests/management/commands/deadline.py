import datetime as dt
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from relais.core.calendar import is_holiday
from relais.requests.clock import DelayUnit, MissingDocuments, Regime, implicit_decision
from relais.requests.models import Procedure


def _date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{name} : date attendue au format AAAA-MM-JJ, reçu « {value} ».") from exc


class Command(BaseCommand):
    help = "Calcule la date de décision implicite d'une demande et l'affiche en JSON."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--received", required=True, help="date de réception AAAA-MM-JJ")
        parser.add_argument("--procedure", help="code d'une procédure du catalogue")
        parser.add_argument("--regime", choices=["acceptance", "rejection"])
        parser.add_argument("--months", type=int)
        parser.add_argument("--days", type=int)
        parser.add_argument("--competent-received", help="réception par le service compétent (après transmission)")
        parser.add_argument("--documents-requested-on")
        parser.add_argument("--documents-deadline")
        parser.add_argument("--documents-received-on")
        parser.add_argument("--shift-non-working-days", action="store_true", default=None)

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        received = _date(options["received"], "--received")
        if received is None:
            raise CommandError("--received est obligatoire.")
        if options["procedure"]:
            procedure = Procedure.objects.filter(code=options["procedure"]).first()
            if procedure is None:
                raise CommandError(f"Procédure « {options['procedure']} » inconnue.")
            regime, delay, unit = Regime(procedure.regime), procedure.delay_value, DelayUnit(procedure.delay_unit)
        else:
            if not options["regime"] or not (options["months"] or options["days"]):
                raise CommandError("Indiquez --procedure CODE, ou --regime acceptance|rejection avec --months N (ou --days N).")
            regime = Regime(options["regime"])
            delay, unit = (options["months"], DelayUnit.MONTHS) if options["months"] else (options["days"], DelayUnit.DAYS)
        requested = _date(options["documents_requested_on"], "--documents-requested-on")
        deadline = _date(options["documents_deadline"], "--documents-deadline")
        if bool(requested) != bool(deadline):
            raise CommandError("--documents-requested-on et --documents-deadline vont ensemble.")
        missing = None
        if requested and deadline:
            missing = MissingDocuments(requested, deadline, _date(options["documents_received_on"], "--documents-received-on"))
        shift = options["shift_non_working_days"]
        try:
            result = implicit_decision(
                received_on=received, regime=regime, delay=delay, unit=unit,
                competent_received_on=_date(options["competent_received"], "--competent-received"), missing_documents=missing,
                shift_non_working_days=settings.IMPLICIT_DECISION_SHIFT_TO_WORKING_DAY if shift is None else shift, is_holiday=is_holiday,
            )  # fmt: skip
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            json.dumps(
                {
                    "implicit_decision_date": result.implicit_decision_date.isoformat()
                    if result.implicit_decision_date
                    else None,
                    "regime": result.regime.value,
                    "clock_starts_on": result.starts_on.isoformat() if result.starts_on else None,
                    "suspended_days": result.suspended_days,
                    "explanation": result.explanation,
                },
                ensure_ascii=False,
            )
        )
