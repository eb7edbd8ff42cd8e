from django.core.management.base import BaseCommand

from relais.evaluation.imports import SURVEY_COLUMNS, import_survey_answers
from relais.evaluation.management.commands._kit import existing_file, print_outcome


class Command(BaseCommand):
    help = (
        "Importe des réponses au questionnaire de satisfaction (CSV : " + ", ".join(SURVEY_COLUMNS) + "). "
        "Tout ou rien : une ligne fausse et rien n'est importé. Réimporter le même fichier ne crée aucun doublon "
        "(answer_id)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file", help="Fichier CSV des réponses")

    def handle(self, *args, file: str, **options) -> None:  # type: ignore[no-untyped-def]
        path = existing_file(file)
        print_outcome(self, path, import_survey_answers(path), what="réponse", plural="réponses")
