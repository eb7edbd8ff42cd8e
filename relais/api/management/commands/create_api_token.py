from django.core.management.base import BaseCommand, CommandError

from relais.api.services import api_token_create
from relais.territory.models import Organisation, Service


class Command(BaseCommand):
    help = "Crée un jeton d'API pour une intégration et l'affiche (une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="Code de l'organisation (ex. 92, EPI, CAF92)")
        parser.add_argument("--name", required=True, help="Nom de l'intégration (ex. « logiciel RSA »)")
        parser.add_argument("--service", help="Code du service pour lequel l'intégration agit (facultatif)")

    def handle(self, *args, organisation: str, name: str, service: str | None = None, **options) -> None:
        org = Organisation.objects.filter(code=organisation.upper()).first()
        if org is None:
            codes = ", ".join(Organisation.objects.values_list("code", flat=True)) or "aucune"
            raise CommandError(f"Organisation « {organisation} » inconnue. Codes existants : {codes}.")
        svc = None
        if service:
            svc = Service.objects.filter(code=service, organisations=org).first()
            if svc is None:
                raise CommandError(f"Le service « {service} » n'existe pas ou n'appartient pas à {org.code}.")
        if org.api_tokens.filter(name=name).exists():
            raise CommandError(f"Un jeton nommé « {name} » existe déjà pour {org.code}.")
        _, raw = api_token_create(organisation=org, name=name, service=svc)
        self.stdout.write(raw)
