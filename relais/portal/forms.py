from collections.abc import Sequence

from django import forms

from relais.people.forms import DATE_INPUT_FORMATS
from relais.people.services import PersonData
from relais.portal.communes import commune_label, communes_matching, of_commune
from relais.territory.models import Commune


class PlaceForm(forms.Form):
    """The person's commune, typed (name or postcode) with the territory's communes suggested; it
    works without JavaScript: the browser's own list (<datalist>), and the server decides."""

    commune = forms.CharField(
        label="Votre commune", required=False, max_length=120,
        help_text="Tapez son nom ou son code postal, par exemple « Nanterre » ou « 92000 ». Nous vous proposons les lieux les plus proches.",
        widget=forms.TextInput(attrs={"list": "communes", "autocomplete": "off", "spellcheck": "false"}),
    )  # fmt: skip

    def __init__(self, *args, territory: Sequence[Commune], restricted: bool, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.restricted = restricted

    def suggestions(self) -> list[str]:
        return [commune_label(commune) for commune in self.territory]

    def clean_commune(self) -> Commune | None:
        typed = self.cleaned_data["commune"].strip()
        if not typed:
            return None
        found = communes_matching(typed, self.territory)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(commune_label(commune) for commune in found[:5])
            more = " et d'autres" if len(found) > 5 else ""
            raise forms.ValidationError(f"Plusieurs communes correspondent à « {typed} » : {names}{more}. Précisez le nom.")
        elsewhere = communes_matching(typed, list(Commune.objects.all()))
        if len(elsewhere) == 1:
            name = elsewhere[0].name
            if self.restricted:
                raise forms.ValidationError(
                    f"Ce motif est réservé aux habitants de certaines communes : {name} n'en fait pas partie."
                )
            raise forms.ValidationError(f"Ce rendez-vous n'est pas proposé aux habitants {of_commune(name)}.")
        raise forms.ValidationError(
            f"Nous ne trouvons pas de commune « {typed} » ici : vérifiez l'orthographe, ou tapez le code postal."
        )


class BookerForm(forms.Form):
    """Who the appointment is for: enough to find or create the person and to reach them."""

    birth_name = forms.CharField(
        label="Nom de naissance", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    usage_name = forms.CharField(label="Nom d'usage (si différent)", max_length=100, required=False)
    first_names = forms.CharField(label="Prénom", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
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


class CancelForm(forms.Form):
    confirm = forms.BooleanField(label="Je confirme l'annulation de ce rendez-vous")
