"""Forms of the agents' survey pages (questionnaires, kiosks, paper entry)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from relais.evaluation.models import Question, Questionnaire
from relais.evaluation.policies import partner_organisations
from relais.people.forms import DATE_INPUT_FORMATS
from relais.territory.models import Organisation, Site


class QuestionnaireForm(forms.Form):
    name = forms.CharField(label="Intitulé", max_length=200)
    introduction = forms.CharField(
        label="Texte d'accueil", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Affiché avant les questions. Rappelez que les réponses sont anonymes.",
    )  # fmt: skip
    is_default = forms.BooleanField(
        label="Questionnaire par défaut (envoyé après les visites, proposé sur les nouvelles bornes)", required=False
    )
    is_active = forms.BooleanField(label="Actif", required=False, initial=True)


class QuestionForm(forms.Form):
    label = forms.CharField(label="Question", max_length=300)
    help_text = forms.CharField(label="Aide (facultative)", max_length=300, required=False)
    measure = forms.ChoiceField(
        label="Indicateur mesuré", choices=Question.Measure.choices, required=False,
        help_text="Une question liée à un indicateur garde son type et ses réponses fixes : le tableau de bord en dépend.",
    )  # fmt: skip
    kind = forms.ChoiceField(
        label="Type de question", choices=Question.Kind.choices, help_text="Ignoré si un indicateur est choisi."
    )
    choices_text = forms.CharField(
        label="Réponses proposées", required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Une réponse par ligne, de la meilleure à la moins bonne pour une échelle. Sans objet pour oui / non et texte libre.",
    )  # fmt: skip
    required = forms.BooleanField(label="Réponse obligatoire", required=False)


class KioskForm(forms.Form):
    site = forms.ModelChoiceField(label="Point d'accueil", queryset=Site.objects.none(), empty_label="Choisir un site")
    questionnaire = forms.ModelChoiceField(label="Questionnaire", queryset=Questionnaire.objects.none(), empty_label=None)
    name = forms.CharField(label="Nom de la borne", max_length=100, initial="Tablette de l'accueil")

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["questionnaire"].queryset = Questionnaire.objects.filter(is_active=True)  # type: ignore[attr-defined]


class PaperForm(forms.Form):
    """Where and when the paper sheet was filled in; its answers are read by the questionnaire's fields."""

    site = forms.ModelChoiceField(label="Point d'accueil", queryset=Site.objects.none(), empty_label=None)
    answered_on = forms.DateField(
        label="Date du questionnaire", input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA",
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip

    partner = forms.ModelChoiceField(
        label="Partenaire concerné", queryset=Organisation.objects.none(), required=False, empty_label="Aucun ou non précisé"
    )

    def __init__(self, *args: Any, sites: QuerySet[Site], partner_asked: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        if partner_asked:  # the questionnaire's own partner question says it
            del self.fields["partner"]
        else:
            self.fields["partner"].queryset = partner_organisations()  # type: ignore[attr-defined]
