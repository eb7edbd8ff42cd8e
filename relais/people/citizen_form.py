"""The identity a citizen types on the portal (online booking, online request)."""

from django import forms

from relais.people.building import BIRTH_NAME_REQUIRED, FIRST_NAME_REQUIRED, PersonData
from relais.people.forms import DATE_INPUT_FORMATS


class CitizenIdentityForm(forms.Form):
    """Who an online booking or request is for (typed by the citizen): enough to find or create the
    person and to reach them. Shared by the portal's booking and the online requests."""

    birth_name = forms.CharField(
        label="Nom de naissance", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        error_messages={"required": BIRTH_NAME_REQUIRED},
    )  # fmt: skip
    usage_name = forms.CharField(label="Nom d'usage (si différent)", max_length=100, required=False)
    first_names = forms.CharField(
        label="Prénom", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={"required": FIRST_NAME_REQUIRED},
    )  # fmt: skip
    birth_date = forms.DateField(
        label="Date de naissance", input_formats=DATE_INPUT_FORMATS, help_text="JJ/MM/AAAA",
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"autocomplete": "bday", "inputmode": "numeric"}),
    )  # fmt: skip
    email = forms.EmailField(label="Adresse e-mail", required=False, help_text="Pour recevoir la confirmation et le lien d'annulation.",
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))  # fmt: skip
    phone = forms.CharField(label="Téléphone portable", max_length=30, required=False, help_text="Pour recevoir un rappel par SMS.",
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))  # fmt: skip
    postcode = forms.CharField(
        label="Code postal",
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    consent = forms.BooleanField(
        label="J'accepte que ces informations soient utilisées par le service pour ce rendez-vous et son suivi.",
        error_messages={"required": "Votre accord est nécessaire pour réserver."},
    )

    def clean(self):  # type: ignore[no-untyped-def]
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns, typed as never None
        if not cleaned.get("email") and not cleaned.get("phone"):
            raise forms.ValidationError("Indiquez au moins une adresse e-mail ou un téléphone : c'est là que nous vous écrirons.")
        return cleaned

    def to_data(self) -> PersonData:
        data = self.cleaned_data
        return PersonData(
            birth_name=data["birth_name"], usage_name=data.get("usage_name", ""), first_names=data["first_names"],
            birth_date=data["birth_date"], postcode=data.get("postcode", ""),
            phones=[data["phone"]] if data.get("phone") else [], emails=[data["email"]] if data.get("email") else [],
        )  # fmt: skip

    def add_service_errors(self, error) -> None:  # type: ignore[no-untyped-def]
        mapping = {"phones": "phone", "emails": "email"}
        for field, messages in error.message_dict.items():
            target = mapping.get(field, field)
            self.add_error(target if target in self.fields else None, messages)
