import datetime as dt
from typing import cast

from django import forms
from django.utils import timezone

from relais.core.forms import MultipleFileField
from relais.people.citizen_form import CitizenIdentityForm
from relais.people.forms import DATE_INPUT_FORMATS
from relais.requests.models import CitizenRequest, Procedure
from relais.requests.workflow import next_choices
from relais.territory.models import Agent, Organisation


class RegisterForm(forms.Form):
    """An agent registers a request received by post, at the counter or on the phone."""

    procedure = forms.ModelChoiceField(label="Procédure", queryset=Procedure.objects.none(), empty_label="Choisir une procédure")
    channel = forms.ChoiceField(
        label="Reçue par",
        choices=[
            ("", "Choisir le canal"),
            *(c for c in CitizenRequest.Channel.choices if c[0] != CitizenRequest.Channel.ONLINE_FORM),
        ],
        error_messages={"required": "Indiquez comment la demande a été reçue : l'accusé de réception en dépend."},
    )
    received_on = forms.DateField(
        label="Date de réception", input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA — le tampon d'arrivée pour un courrier"
    )
    subject = forms.CharField(label="Objet", max_length=255)
    details = forms.CharField(label="Texte de la demande", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    contact_email = forms.EmailField(label="E-mail pour les accusés (facultatif)", required=False)
    attachments = MultipleFileField(
        label="Courrier numérisé et pièces", required=False, help_text="PDF, images, documents ; 10 Mo au plus par fichier."
    )

    def __init__(self, *args, procedures, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["procedure"]).queryset = procedures
        self.fields["received_on"].initial = timezone.localdate()

    def clean_received_on(self) -> dt.date:
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("La date de réception ne peut pas être dans le futur.")
        return value


class TransitionForm(forms.Form):
    # Starts empty: a preselected status would record a decision nobody took.
    to_status = forms.ChoiceField(
        label="Nouveau statut", error_messages={"required": "Choisissez le nouveau statut de la demande."}
    )
    note = forms.CharField(label="Note (motifs pour un rejet)", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, request: CitizenRequest, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        choices = next_choices(request.status)
        # An empty list means no status is offered: the page then hides the form.
        cast(forms.ChoiceField, self.fields["to_status"]).choices = [("", "Choisir un statut"), *choices] if choices else []


class DocumentRequestForm(forms.Form):
    items = forms.CharField(label="Pièces manquantes (une par ligne)", widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label="À fournir avant le", input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA")


class DocumentsReceivedForm(forms.Form):
    received_on = forms.DateField(label="Reçues le", input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA")
    attachments = MultipleFileField(label="Pièces (numérisées)", required=False)


class ProceduresByOrganisation(forms.models.ModelChoiceIterator):
    """Procedures grouped by organisation (`<optgroup>`): two départements offer procedures of the same name."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for procedure in self.queryset.select_related("organisation").order_by("organisation__name", "name"):
            groups.setdefault(organisation_label(procedure.organisation), []).append(self.choice(procedure))
        yield from groups.items()


def organisation_label(organisation: Organisation) -> str:
    return f"{organisation.name} ({organisation.code})"


class ProcedureChoiceField(forms.ModelChoiceField):
    iterator = ProceduresByOrganisation

    def label_from_instance(self, obj: Procedure) -> str:  # type: ignore[override]
        # The organisation again in the option itself: a closed list shows the chosen option only.
        return f"{obj.name} — {organisation_label(obj.organisation)}"


class ForwardForm(forms.Form):
    procedure = ProcedureChoiceField(
        label="Procédure du service compétent", queryset=Procedure.objects.none(), empty_label="Choisir une procédure"
    )
    note = forms.CharField(label="Motif de la transmission", required=False)

    def __init__(self, *args, procedures, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["procedure"]).queryset = procedures


class AssignForm(forms.Form):
    agent = forms.ModelChoiceField(
        label="Instructeur", queryset=Agent.objects.none(), required=False, empty_label="Aucun instructeur"
    )

    def __init__(self, *args, agents, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["agent"]).queryset = agents


class MessageForm(forms.Form):
    body = forms.CharField(label="Message", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class OnlineRequestForm(CitizenIdentityForm):
    """A citizen's request: who they are, the procedure's own questions, and documents."""

    subject = forms.CharField(label="Objet de votre demande", max_length=255)
    details = forms.CharField(label="Votre demande", widget=forms.Textarea(attrs={"rows": 5}), required=False)
    attachments = MultipleFileField(
        label="Pièces jointes", required=False, help_text="PDF, images, documents ; 10 Mo au plus par fichier."
    )

    FIELD_TYPES = {
        "text": lambda label, required: forms.CharField(label=label, required=required, max_length=500),
        "textarea": lambda label, required: forms.CharField(
            label=label, required=required, widget=forms.Textarea(attrs={"rows": 3})
        ),
        "date": lambda label, required: forms.DateField(
            label=label, required=required, input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA"
        ),
        "number": lambda label, required: forms.DecimalField(label=label, required=required),
    }

    def __init__(self, *args, procedure: Procedure, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "Pour recevoir l'accusé de réception et suivre votre demande."
        # The booking form's wording speaks of an appointment and an SMS reminder: a request has neither.
        self.fields["phone"].label = "Téléphone"
        self.fields["phone"].help_text = "Facultatif : pour que le service puisse vous appeler au sujet de votre demande."
        self.fields[
            "consent"
        ].label = "J'accepte que ces informations soient utilisées par le service pour instruire ma demande et me tenir au courant de son avancement."
        self.fields["consent"].error_messages["required"] = "Votre accord est nécessaire pour envoyer votre demande."
        self.procedure_fields = []
        for spec in procedure.form_fields:
            builder = self.FIELD_TYPES.get(spec.get("type", "text"), self.FIELD_TYPES["text"])
            name = f"q_{spec['name']}"
            self.fields[name] = builder(spec.get("label", spec["name"]), bool(spec.get("required")))
            self.procedure_fields.append(name)
        self.fields["subject"].initial = procedure.name

    def answers(self) -> dict:
        return {
            name[2:]: str(self.cleaned_data[name])
            for name in self.procedure_fields
            if self.cleaned_data.get(name) not in (None, "")
        }


class TrackingUploadForm(forms.Form):
    attachments = MultipleFileField(label="Pièces demandées", help_text="PDF, images, documents ; 10 Mo au plus par fichier.")
