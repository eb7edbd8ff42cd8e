from django import forms
from django.core.exceptions import ValidationError

from relais.people.building import BIRTH_NAME_REQUIRED, FIRST_NAME_REQUIRED, PersonData
from relais.people.models import HouseholdMember, Person

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"]


class PersonForm(forms.Form):
    birth_name = forms.CharField(label="Nom de naissance", max_length=100, error_messages={"required": BIRTH_NAME_REQUIRED})
    usage_name = forms.CharField(label="Nom d'usage", max_length=100, required=False, help_text="Par exemple le nom du conjoint.")
    first_names = forms.CharField(
        label="Prénoms",
        max_length=200,
        help_text="Dans l'ordre de l'état civil, séparés par des virgules : Marie, Hélène.",
        error_messages={"required": FIRST_NAME_REQUIRED},
    )
    sex = forms.ChoiceField(label="Sexe", choices=Person.Sex.choices, required=False)
    birth_date = forms.DateField(
        label="Date de naissance",
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        help_text="JJ/MM/AAAA",
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    birth_place = forms.CharField(label="Lieu de naissance", max_length=100, required=False)
    nir = forms.CharField(
        label="NIR (numéro de sécurité sociale)", max_length=21, required=False, help_text="15 caractères, clé comprise."
    )
    address = forms.CharField(
        label="Adresse", max_length=255, required=False, widget=forms.TextInput(attrs={"autocomplete": "street-address"})
    )
    address_complement = forms.CharField(label="Complément d'adresse", max_length=255, required=False)
    postcode = forms.CharField(
        label="Code postal",
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    city = forms.CharField(label="Commune", max_length=100, required=False)
    phone_1 = forms.CharField(
        label="Téléphone", max_length=30, required=False, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
    )
    phone_2 = forms.CharField(
        label="Autre téléphone", max_length=30, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    email = forms.CharField(
        label="E-mail", max_length=254, required=False, widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    not_a_duplicate = forms.BooleanField(label="J'ai vérifié : il ne s'agit d'aucune des fiches proposées", required=False)

    # Errors raised by the service on a combined field land on the form field the agent typed in.
    SERVICE_FIELD_MAP = {"phones": "phone_1", "emails": "email"}

    def __init__(self, *args, show_nir: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not show_nir:
            del self.fields["nir"]

    def to_data(self) -> PersonData:
        data = self.cleaned_data
        return PersonData(
            birth_name=data["birth_name"],
            usage_name=data.get("usage_name", ""),
            first_names=data["first_names"],
            sex=data.get("sex", ""),
            birth_date=data.get("birth_date"),
            birth_place=data.get("birth_place", ""),
            nir=data.get("nir", ""),
            address=data.get("address", ""),
            address_complement=data.get("address_complement", ""),
            postcode=data.get("postcode", ""),
            city=data.get("city", ""),
            phones=[value for value in (data.get("phone_1"), data.get("phone_2")) if value],
            emails=[data["email"]] if data.get("email") else [],
        )

    def add_service_errors(self, error: ValidationError) -> None:
        for field_name, messages in error.message_dict.items():
            target = self.SERVICE_FIELD_MAP.get(field_name, field_name)
            self.add_error(target if target in self.fields else None, messages)

    @classmethod
    def initial_from(cls, data: PersonData, version: int) -> dict:
        initial = {name: getattr(data, name) for name in PersonData.IDENTITY_FIELDS}
        phones = [*data.phones, "", ""]
        initial.update(phone_1=phones[0], phone_2=phones[1], email=(data.emails or [""])[0], version=version)
        return initial


class HouseholdMemberForm(forms.Form):
    member = forms.UUIDField(label="Personne à ajouter", widget=forms.HiddenInput)
    role = forms.ChoiceField(label="Lien avec le foyer", choices=[c for c in HouseholdMember.Role.choices if c[0] != "reference"])
