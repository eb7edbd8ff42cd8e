"""The forms of the employer space: an offer (draft), and the answer to a shared profile."""

from __future__ import annotations

from django import forms

from relais.insertion.models import Company, Offer, Proposal, RomeMetier
from relais.territory.models import Commune

# The reasons an employer may give when declining (the others are the adviser's: not reachable, candidate's choice).
DECLINE_REASONS = [
    (value, label)
    for value, label in Proposal.RefusalReason.choices
    if value in ("employer_choice", "lacks_skills", "hours", "not_mobile", "other")
]


class SkillsField(forms.CharField):
    """A list of skills typed one per line."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):  # type: ignore[no-untyped-def]
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):  # type: ignore[no-untyped-def]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class OfferForm(forms.ModelForm):
    skills = SkillsField(label="Compétences attendues", required=False, help_text="Une compétence par ligne.")

    class Meta:
        model = Offer
        fields = [
            "title", "metier", "contract_type", "weekly_hours", "positions", "start_date", "commune", "site",
            "night_work", "weekend_work", "education_level", "driving_licence_required", "vehicle_required",
            "description", "skills", "published_until",
        ]  # fmt: skip
        labels = {"title": "Intitulé du poste", "published_until": "Publier jusqu'au"}
        help_texts = {
            "title": "Tel que vous l'écririez dans une annonce, par exemple « Agent d'entretien H/F ».",
            "published_until": "Facultatif : sans date, l'offre reste publiée jusqu'à ce que vous la clôturiez.",
            "weekly_hours": "Entre 1 et 48 heures.",
        }
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "published_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, company: Company, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.instance.company = company
        self.fields["title"].required = True
        metier = self.fields["metier"]
        commune = self.fields["commune"]
        assert isinstance(metier, forms.ModelChoiceField) and isinstance(commune, forms.ModelChoiceField)
        metier.queryset = RomeMetier.objects.order_by("label")
        metier.label_from_instance = lambda m: f"{m.label} ({m.code})"  # type: ignore[method-assign,assignment]
        commune.queryset = Commune.objects.order_by("name")
        commune.label_from_instance = lambda c: f"{c.name} ({c.department})"  # type: ignore[method-assign,assignment]
        sites = company.sites.all()
        if sites.exists():
            self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        else:
            del self.fields["site"]
        if not self.instance.pk:
            self.initial.setdefault("commune", company.commune_id)


class InterviewForm(forms.Form):
    note = forms.CharField(
        label="Message pour le conseiller (facultatif)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Vos disponibilités pour l'entretien, la personne à contacter…",
    )


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label="Motif", choices=DECLINE_REASONS, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Précision (facultatif)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
