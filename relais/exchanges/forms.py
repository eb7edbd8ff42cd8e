import datetime as dt
from typing import cast

from django import forms
from django.utils import timezone

from relais.core.forms import MultipleFileField
from relais.exchanges.models import Channel
from relais.exchanges.selectors import ExchangeFilters, services_in_scope, topics_for_services
from relais.people.forms import DATE_INPUT_FORMATS
from relais.territory.models import Agent, Service, Site
from relais.territory.policies import AccessScope


class ExchangeForm(forms.Form):
    # No channel preselected: a default left unchanged would record a letter that was really a call.
    channel = forms.ChoiceField(
        label="Canal",
        choices=[("", "Choisir le canal"), *Channel.choices],
        error_messages={"required": "Indiquez le canal de l'échange (courrier, appel, accueil…)."},
    )
    occurred_on = forms.DateField(
        label="Date", input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA", widget=forms.DateInput(format="%d/%m/%Y")
    )
    occurred_time = forms.TimeField(label="Heure", help_text="HH:MM", widget=forms.TimeInput(format="%H:%M"))
    duration_minutes = forms.IntegerField(label="Durée (minutes)", min_value=0, max_value=1440, required=False)
    service = forms.ModelChoiceField(label="Service", queryset=Service.objects.none(), empty_label=None)
    topic = forms.ChoiceField(label="Thème", required=False)
    site = forms.ModelChoiceField(label="Lieu", queryset=Site.objects.none(), required=False, empty_label="—")
    summary = forms.CharField(label="Résumé de l'échange", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    follow_up = forms.CharField(label="Suite à donner", max_length=255, required=False)
    follow_up_due = forms.DateField(
        label="Échéance de la suite",
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        help_text="JJ/MM/AAAA",
        widget=forms.DateInput(format="%d/%m/%Y"),
    )
    files = MultipleFileField(  # type: ignore[assignment]
        label="Pièces jointes", required=False, help_text="PDF, images, documents ; 10 Mo au plus par fichier."
    )

    def __init__(self, *args, scope: AccessScope, agent: Agent, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        now = timezone.localtime()
        self.fields["occurred_on"].initial = now.date()
        self.fields["occurred_time"].initial = now.time().replace(second=0, microsecond=0)
        service_field = cast(forms.ModelChoiceField, self.fields["service"])
        service_field.queryset = Service.objects.filter(pk__in=scope.loggable_service_ids).order_by("name")
        memberships = list(agent.memberships.filter(is_active=True).select_related("site").order_by("pk"))
        if memberships:
            self.fields["site"].initial = memberships[0].site_id
        if len({membership.service_id for membership in memberships}) == 1:
            service_field.initial = memberships[0].service_id
        else:
            # Several services: preselecting one would file the exchange under the wrong one unnoticed.
            service_field.empty_label = "Choisir le service"
            service_field.error_messages["required"] = "Choisissez le service pour lequel a eu lieu l'échange."
        cast(forms.ModelChoiceField, self.fields["site"]).queryset = Site.objects.filter(
            is_active=True, organisation_id__in=scope.organisation_ids
        ).order_by("name")
        topic_choices: dict[str, list[tuple[str, str]]] = {}
        for topic in topics_for_services(scope.loggable_service_ids):
            topic_choices.setdefault(topic.service.name, []).append((str(topic.pk), topic.name))
        cast(forms.ChoiceField, self.fields["topic"]).choices = [("", "—"), *topic_choices.items()]

    def occurred_at(self) -> dt.datetime:
        moment = dt.datetime.combine(self.cleaned_data["occurred_on"], self.cleaned_data["occurred_time"])
        return timezone.make_aware(moment)


class TimelineFilterForm(forms.Form):
    channel = forms.ChoiceField(label="Canal", choices=[("", "Tous les canaux"), *Channel.choices], required=False)
    service = forms.ModelChoiceField(
        label="Service", queryset=Service.objects.none(), required=False, empty_label="Tous les services"
    )

    def __init__(self, *args, scope: AccessScope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["service"]).queryset = services_in_scope(scope)

    def to_filters(self) -> ExchangeFilters:
        if not self.is_bound or not self.is_valid():
            return ExchangeFilters()
        service = self.cleaned_data.get("service")
        return ExchangeFilters(channel=self.cleaned_data.get("channel") or "", service_id=service.pk if service else None)


class ExchangeListFilterForm(TimelineFilterForm):
    date_from = forms.DateField(label="Du", required=False, input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA")
    date_to = forms.DateField(label="Au", required=False, input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA")
    mine = forms.BooleanField(label="Mes échanges seulement", required=False)
    open_follow_up = forms.BooleanField(label="Suite à donner en cours", required=False)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns, typed as never None
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "La date de fin précède la date de début.")
        return cleaned

    def to_list_filters(self, agent: Agent) -> ExchangeFilters:
        if not self.is_bound or not self.is_valid():
            return ExchangeFilters()
        service = self.cleaned_data.get("service")
        return ExchangeFilters(
            channel=self.cleaned_data.get("channel") or "",
            service_id=service.pk if service else None,
            agent_id=agent.pk if self.cleaned_data.get("mine") else None,
            date_from=self.cleaned_data.get("date_from"),
            date_to=self.cleaned_data.get("date_to"),
            with_open_follow_up=bool(self.cleaned_data.get("open_follow_up")),
        )
