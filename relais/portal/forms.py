from collections.abc import Sequence

from django import forms

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


class CancelForm(forms.Form):
    confirm = forms.BooleanField(label="Je confirme l'annulation de ce rendez-vous")
