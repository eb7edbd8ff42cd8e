from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from relais.core.wording import count_label
from relais.requests.inbound import poll_imap


class Command(BaseCommand):
    help = "Relève la boîte IMAP des demandes (REQUESTS_IMAP_URL) : chaque courriel non lu devient une demande."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--url", help="imaps://utilisateur:motdepasse@serveur/INBOX (par défaut REQUESTS_IMAP_URL)")

    def handle(self, *args, url: str | None = None, **options) -> None:  # type: ignore[no-untyped-def]
        target = url or settings.REQUESTS_IMAP_URL
        if not target:
            raise CommandError("Indiquez --url ou la variable REQUESTS_IMAP_URL.")
        registered, refused = poll_imap(target)
        registered_label = count_label(registered, "courriel enregistré", "courriels enregistrés")
        self.stdout.write(f"{registered_label} comme demandes, {count_label(refused, 'refusé')}.")
