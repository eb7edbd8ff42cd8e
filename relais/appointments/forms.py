import datetime as dt
from typing import cast

from django import forms
from django.utils import timezone

from relais.appointments.calendar import PARIS
from relais.appointments.models import WEEKDAY_NAMES, Motive
from relais.people.forms import DATE_INPUT_FORMATS
from relais.territory.models import Site


class ConfirmBookingForm(forms.Form):
    notes = forms.CharField(label="Note pour le rendez-vous", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    booked_from_site = forms.ModelChoiceField(
        label="Réservé depuis (point France services)", queryset=Site.objects.none(), required=False,
        empty_label="— Aucun : la personne n'est pas dans un point France services —",
        help_text="Pour un visio-guichet : le point où la personne sera installée.",
        error_messages={"required": "Indiquez le point France services où la personne sera installée pour la visio."},
    )  # fmt: skip

    def __init__(self, *args, service_points, home_point=None, point_required=False, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["booked_from_site"])
        field.queryset = service_points
        if not service_points.exists():
            del self.fields["booked_from_site"]
            return
        field.initial = home_point
        if point_required:
            field.required = True
            field.empty_label = "— Choisir le point —"
            field.help_text = "La personne vient à ce point pour la visio : il figure dans sa convocation."


class CancelForm(forms.Form):
    reason = forms.CharField(label="Motif de l'annulation (communiqué à l'usager)", max_length=255)
    by_person = forms.BooleanField(label="C'est l'usager qui annule", required=False)


class OpeningForm(forms.Form):
    motives = forms.ModelMultipleChoiceField(label="Motifs", queryset=Motive.objects.none(), widget=forms.CheckboxSelectMultiple)
    weekdays = forms.TypedMultipleChoiceField(
        label="Jours", choices=list(enumerate(WEEKDAY_NAMES)), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    start_time = forms.TimeField(label="De", help_text="HH:MM", widget=forms.TimeInput(format="%H:%M"))
    end_time = forms.TimeField(label="À", help_text="HH:MM", widget=forms.TimeInput(format="%H:%M"))
    every_n_weeks = forms.IntegerField(label="Toutes les N semaines", min_value=1, max_value=8, initial=1)
    valid_from = forms.DateField(label="À partir du", input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA")
    valid_until = forms.DateField(
        label="Jusqu'au (facultatif)", input_formats=DATE_INPUT_FORMATS, required=False, help_text="JJ/MM/AAAA"
    )
    site = forms.ModelChoiceField(label="Lieu", queryset=Site.objects.none(), required=False, empty_label="Lieu de l'agenda")
    open_on_holidays = forms.BooleanField(label="Ouvert aussi les jours fériés", required=False)

    def __init__(self, *args, motives, sites, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["motives"]).queryset = motives
        cast(forms.ModelChoiceField, self.fields["site"]).queryset = sites
        self.fields["valid_from"].initial = timezone.localdate()


class AbsenceForm(forms.Form):
    day = forms.DateField(label="Jour", input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA")
    start_time = forms.TimeField(label="De", help_text="HH:MM", initial=dt.time(0))
    end_day = forms.DateField(
        label="Jusqu'au jour", input_formats=DATE_INPUT_FORMATS, required=False, help_text="Vide : le même jour"
    )
    end_time = forms.TimeField(label="À", help_text="HH:MM", initial=dt.time(23, 59))
    repeat_weekly_until = forms.DateField(
        label="Répéter chaque semaine jusqu'au", input_formats=DATE_INPUT_FORMATS, required=False, help_text="Facultatif"
    )
    reason = forms.CharField(label="Motif", max_length=150, required=False)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        data = self.cleaned_data
        start = dt.datetime.combine(data["day"], data["start_time"], PARIS)
        end = dt.datetime.combine(data.get("end_day") or data["day"], data["end_time"], PARIS)
        return start, end


class SessionForm(forms.Form):
    motive = forms.ModelChoiceField(label="Type de réunion", queryset=Motive.objects.none(), empty_label=None)
    title = forms.CharField(label="Titre", max_length=200, required=False)
    day = forms.DateField(label="Date", input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA")
    start_time = forms.TimeField(label="Heure", help_text="HH:MM")
    capacity = forms.IntegerField(label="Nombre de places", min_value=1, max_value=500, required=False)

    def __init__(self, *args, motives, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["motive"]).queryset = motives

    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.cleaned_data["day"], self.cleaned_data["start_time"], PARIS)


class IndicatorForm(forms.Form):
    date_from = forms.DateField(label="Du", input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA")
    date_to = forms.DateField(label="Au", input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA")
    group_by = forms.ChoiceField(
        label="Regrouper par",
        choices=[("motive", "Motif"), ("site", "Lieu"), ("service", "Service"), ("status", "Statut")],
        initial="motive",
    )

    def clean(self):  # type: ignore[no-untyped-def]
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns, typed as never None
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "La date de fin précède la date de début.")
        return cleaned
