"""What a new installation starts with: the default questionnaire (what the seed's report measures,
with the State's Services Publics+ question first) and two labels. Plain data (the answers' codes
and labels are the models' choices, which the indicators count), used by the data migration (with
its historical models) and by the tests; managers change them afterwards."""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices

from relais.evaluation.models import Expectation, Reason, Satisfaction


def _choices(codes: type[TextChoices]) -> list[dict[str, str]]:
    """The answers as the indicators read them: one list of codes and labels, the models' own."""
    return [{"code": code.value, "label": code.label} for code in codes]


DEFAULT_QUESTIONNAIRE = {
    "name": "Votre avis sur votre visite",
    "introduction": (
        "Merci de prendre une minute pour nous dire comment s'est passée votre visite. "
        "Vos réponses sont anonymes : elles ne sont pas rattachées à votre dossier."
    ),
}

DEFAULT_QUESTIONS: list[dict[str, Any]] = [
    {
        "label": "Globalement, êtes-vous satisfait de la qualité de service ?",
        "kind": "scale", "measure": "satisfaction", "required": True,
        "choices": _choices(Satisfaction),
    },
    {
        "label": "La réponse apportée correspond-elle à ce que vous attendiez ?",
        "kind": "single", "measure": "expectation", "required": False,
        "choices": _choices(Expectation),
    },
    {
        "label": "Recommanderiez-vous ce service à un proche ?",
        "kind": "yes_no", "measure": "recommend", "required": False, "choices": [],
    },
    {
        "label": "Pourquoi êtes-vous venu ici plutôt qu'ailleurs ?",
        "help_text": "Plusieurs réponses possibles.",
        "kind": "multiple", "measure": "reason", "required": False,
        "choices": _choices(Reason),
    },
    {
        "label": "Pour quel organisme êtes-vous venu ?",
        "help_text": "Si votre visite concernait un partenaire (CAF, CPAM, France Travail…).",
        "kind": "single", "measure": "partner", "required": False, "choices": [],
    },
    {
        "label": "Avez-vous un commentaire ou une suggestion ?",
        "help_text": "N'indiquez ni votre nom ni aucune information personnelle.",
        "kind": "text", "measure": "comment", "required": False, "choices": [],
    },
]  # fmt: skip

DEFAULT_LABELS: list[dict[str, Any]] = [
    {
        "code": "relais-services-publics",
        "name": "Relais services publics (réseau pilote)",
        "description": "Règles du label des relais de services publics évalués en 2008 : ouverture d'au moins "
        "24 heures par semaine sur au moins 3 jours, 5 à 6 partenaires par relais.",
        "min_weekly_hours": 24, "min_open_days": 3, "min_partners": 5, "max_partners": 6, "min_mediators": 0,
    },
    {
        "code": "france-services",
        "name": "France services",
        "description": "Charte nationale France services, telle que paramétrée par l'administrateur : ouverture "
        "d'au moins 24 heures par semaine sur 5 jours, deux agents formés, les partenaires nationaux présents "
        "(à désigner dans « partenaires exigés »).",
        "min_weekly_hours": 24, "min_open_days": 5, "min_partners": 9, "max_partners": None, "min_mediators": 2,
    },
]  # fmt: skip


def install_defaults(questionnaire_model: Any, question_model: Any, label_model: Any) -> None:
    """Create the default questionnaire and labels unless they are there (by name and code)."""
    if not questionnaire_model.objects.filter(name=DEFAULT_QUESTIONNAIRE["name"]).exists():
        has_default = questionnaire_model.objects.filter(is_default=True).exists()
        questionnaire = questionnaire_model.objects.create(**DEFAULT_QUESTIONNAIRE, is_default=not has_default)
        question_model.objects.bulk_create(
            question_model(questionnaire=questionnaire, position=position, **{"help_text": "", **spec})
            for position, spec in enumerate(DEFAULT_QUESTIONS, start=1)
        )
    for spec in DEFAULT_LABELS:
        label_model.objects.get_or_create(code=spec["code"], defaults=spec)
