from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from relais.core.wording import count_of
from relais.requests.inbound import poll_imap
from relais.territory.models import Service


class Command(BaseCommand):
    help = "Relève la boîte IMAP des demandes (REQUESTS_IMAP_URL) : chaque courriel non lu devient une demande."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--url", help="imaps://utilisateur:motdepasse@serveur/INBOX (par défaut REQUESTS_IMAP_URL)")
        parser.add_argument(
            "--service",
            help="Code du service dont c'est la boîte : chaque courriel lui est adressé, quel que soit son en-tête To",
        )

    def handle(self, *args, url: str | None = None, service: str | None = None, **options) -> None:  # type: ignore[no-untyped-def]
        target = url or settings.REQUESTS_IMAP_URL
        if not target:
            raise CommandError("Indiquez --url ou la variable REQUESTS_IMAP_URL.")
        to_address = None
        if service:
            found = Service.objects.filter(code=service).exclude(email="").first()
            if found is None:
                raise CommandError(f"Aucun service de code « {service} » n'a d'adresse e-mail.")
            to_address = found.email
        registered, refused = poll_imap(target, to_address=to_address)
        self.stdout.write(
            f"{count_of(registered, 'courriel enregistré', 'courriels enregistrés')} comme demandes, "
            f"{count_of(refused, 'refusé')}."
        )
