from django.core.management.base import BaseCommand, CommandError

from relais.privacy.services import access_log_seal, access_log_verify


class Command(BaseCommand):
    help = "Scelle les dernières traces d'accès puis vérifie que la chaîne n'a pas été altérée."

    def handle(self, *args, **options) -> None:
        sealed = access_log_seal()
        broken = access_log_verify()
        if broken:
            raise CommandError(f"Journal des accès altéré : {len(broken)} trace(s) ne correspondent plus (ids {broken[:20]}).")
        self.stdout.write(f"Journal des accès intègre ({sealed} nouvelle(s) trace(s) scellée(s)).")
