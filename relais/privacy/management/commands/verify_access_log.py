from django.core.management.base import BaseCommand, CommandError

from relais.core.wording import count_of
from relais.privacy.services import access_log_seal, access_log_verify

SHOWN_PROBLEMS = 30


class Command(BaseCommand):
    help = (
        "Scelle les dernières traces d'accès puis vérifie qu'aucune n'a été modifiée, ajoutée, "
        "déplacée ou supprimée (clé ACCESS_LOG_KEY et fichier d'ancrage)."
    )

    def handle(self, *args, **options) -> None:
        sealed = access_log_seal()
        report = access_log_verify()
        if report.problems:
            lines = report.problems[:SHOWN_PROBLEMS]
            if len(report.problems) > SHOWN_PROBLEMS:
                lines.append(f"… et {len(report.problems) - SHOWN_PROBLEMS} autres anomalies.")
            raise CommandError("Journal des accès altéré :\n- " + "\n- ".join(lines))
        self.stdout.write(
            f"Journal des accès intègre ({count_of(report.checked, 'trace vérifiée', 'traces vérifiées')}, "
            f"dont {count_of(sealed, 'nouvelle trace scellée', 'nouvelles traces scellées')})."
        )
