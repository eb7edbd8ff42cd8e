from django.core.management.base import BaseCommand, CommandError

from relais.core.wording import count_of
from relais.privacy.services import access_log_seal, access_log_verify


class Command(BaseCommand):
    help = "Scelle les dernières traces d'accès puis vérifie que la chaîne n'a pas été altérée."

    def handle(self, *args, **options) -> None:
        sealed = access_log_seal()
        broken = access_log_verify()
        if broken:
            raise CommandError(
                f"Journal des accès altéré : {count_of(len(broken), 'trace ne correspond', 'traces ne correspondent')} plus (ids {broken[:20]})."
            )
        self.stdout.write(
            f"Journal des accès intègre ({count_of(sealed, 'nouvelle trace scellée', 'nouvelles traces scellées')})."
        )
