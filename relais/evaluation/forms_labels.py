"""The forms of a service point's declared hours and partners (the rules are in site_settings.py)."""

from __future__ import annotations

from django import forms

from relais.evaluation.models import WEEKDAYS


class DeclaredOpeningForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label="Jour", coerce=int, choices=[(index, name.capitalize()) for index, name in enumerate(WEEKDAYS)]
    )
    start_time = forms.TimeField(label="De", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label="À", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", f"L'heure de fin doit être après l'heure de début ({start:%H:%M}).")
        return data


class SitePartnerForm(forms.Form):
    partner: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Partenaire", queryset=None, empty_label="Choisissez un partenaire"
    )

    def __init__(self, *args, partners, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]
