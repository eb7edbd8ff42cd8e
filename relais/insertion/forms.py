"""The forms of the agents' insertion pages: companies, offers, candidate profiles, proposal steps."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.utils import timezone

from relais.insertion.models import (
    CandidateProfile,
    Company,
    CompanySite,
    ContractType,
    EmployerContact,
    Offer,
    Proposal,
    RomeAppellation,
    RomeMetier,
)
from relais.people.forms import DATE_INPUT_FORMATS
from relais.territory.models import Commune, Organisation

# The ROME's large domains (first letter of a code), to group the métiers in a select.
ROME_LARGE_DOMAINS = {
    "A": "Agriculture, pêche, espaces naturels et verts, soins aux animaux",
    "B": "Arts et façonnage d'ouvrages d'art",
    "C": "Banque, assurance, immobilier",
    "D": "Commerce, vente et grande distribution",
    "E": "Communication, média et multimédia",
    "F": "Construction, bâtiment et travaux publics",
    "G": "Hôtellerie-restauration, tourisme, loisirs et animation",
    "H": "Industrie",
    "I": "Installation et maintenance",
    "J": "Santé",
    "K": "Services à la personne et à la collectivité",
    "L": "Spectacle",
    "M": "Support à l'entreprise",
    "N": "Transport et logistique",
}


def _date_field(label: str, *, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_INPUT_FORMATS,
        help_text="JJ/MM/AAAA",
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def metier_choices(*, blank: bool) -> list[Any]:
    """The métiers grouped by ROME domain (« G16 — Hôtellerie-restauration… »)."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for metier in RomeMetier.objects.order_by("code"):
        groups[metier.domain].append((metier.code, str(metier)))
    choices: list[Any] = [("", "Choisir un métier")] if blank else []
    for domain, items in groups.items():
        choices.append((f"{domain} — {ROME_LARGE_DOMAINS.get(domain[0], 'Autres')}", items))
    return choices


def appellation_choices() -> list[Any]:
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for appellation in RomeAppellation.objects.select_related("metier").order_by("metier__code", "label"):
        groups[str(appellation.metier)].append((appellation.pk, appellation.label))
    return [("", "Aucune appellation précise"), *groups.items()]


def skills_parse(value: str) -> list[str]:
    seen: dict[str, str] = {}
    for part in (value or "").replace(";", ",").split(","):
        skill = " ".join(part.split())
        if skill and skill.casefold() not in seen:
            seen[skill.casefold()] = skill
    return list(seen.values())


class SkillsField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Compétences")
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Séparées par des virgules, par exemple : service en salle, caisse, anglais")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return skills_parse(super().to_python(value) or "")


def _commune_field(label: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=Commune.objects.order_by("name"),
        empty_label="Choisir une commune",
        error_messages={"invalid_choice": "Choisissez une commune de la liste."},
    )


# --- Companies --------------------------------------------------------------------------------------


class CompanyForm(forms.ModelForm):
    siret = forms.CharField(label="SIRET", max_length=20, help_text="14 chiffres, espaces permis")
    commune = _commune_field("Commune")

    class Meta:
        model = Company
        fields = ["name", "siret", "naf_code", "address", "commune"]
        help_texts = {"naf_code": "Par exemple 56.10A"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = "Indiquez la raison sociale."
        self.fields["siret"].error_messages["required"] = "Indiquez le numéro SIRET."
        self.fields["commune"].error_messages["required"] = "Choisissez la commune."

    def _post_clean(self) -> None:  # type: ignore[misc]
        super()._post_clean()  # type: ignore[misc]
        # The model normalises the SIRET and the NAF code: show them as they will be saved.
        if "siret" in self.cleaned_data and not self.has_error("siret"):
            self.cleaned_data["siret"] = self.instance.siret
        if "naf_code" in self.cleaned_data and not self.has_error("naf_code"):
            self.cleaned_data["naf_code"] = self.instance.naf_code


class SiteForm(forms.ModelForm):
    siret = forms.CharField(
        label="SIRET de l'établissement", max_length=20, required=False, help_text="14 chiffres, si différent"
    )
    commune = _commune_field("Commune")

    class Meta:
        model = CompanySite
        fields = ["name", "siret", "address", "commune"]

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.company = company  # the unique name per company is checked with it
        self.fields["name"].error_messages["required"] = "Indiquez le nom de l'établissement."
        self.fields["commune"].error_messages["required"] = "Choisissez la commune."

    def clean_siret(self) -> str:
        return self.cleaned_data["siret"].replace(" ", "")

    def clean_name(self) -> str:
        # The company is not a field of the form: Django would not check the unique name with it.
        name = self.cleaned_data["name"].strip()
        if CompanySite.objects.filter(company=self.instance.company, name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Un établissement de cette entreprise porte déjà ce nom.")
        return name


class ContactForm(forms.ModelForm):
    class Meta:
        model = EmployerContact
        fields = ["first_name", "last_name", "role", "email", "phone"]
        help_texts = {"email": "Nécessaire pour l'inviter à l'espace employeur."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_name"].error_messages["required"] = "Indiquez le prénom."
        self.fields["last_name"].error_messages["required"] = "Indiquez le nom."
        self.fields["email"].error_messages["invalid"] = "Saisissez une adresse e-mail valide, par exemple rh@entreprise.fr."


class CompanySearchForm(forms.Form):
    q = forms.CharField(label="Nom ou SIRET", required=False, max_length=100)


# --- Offers -----------------------------------------------------------------------------------------


class OfferForm(forms.ModelForm):
    metier = forms.TypedChoiceField(label="Métier (ROME)", choices=())
    appellation = forms.TypedChoiceField(label="Appellation", choices=(), required=False, coerce=int, empty_value=None)
    commune = _commune_field("Commune du poste")
    skills = SkillsField()
    start_date = _date_field("Date de prise de poste", required=True)
    published_from = _date_field("Publiée du")
    published_until = _date_field("Publiée jusqu'au")

    class Meta:
        model = Offer
        fields = [
            "company", "title", "metier", "appellation", "description", "contract_type", "weekly_hours", "night_work",
            "weekend_work", "commune", "positions", "start_date", "education_level", "driving_licence_required",
            "vehicle_required", "skills", "published_from", "published_until",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, companies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        company_field = self.fields["company"]
        company_field.queryset = companies  # type: ignore[attr-defined]
        company_field.empty_label = "Choisir une entreprise"  # type: ignore[attr-defined]
        company_field.error_messages["invalid_choice"] = "Choisissez une entreprise de votre portefeuille."
        self.fields["metier"].choices = metier_choices(blank=True)  # type: ignore[attr-defined]
        self.fields["appellation"].choices = appellation_choices()  # type: ignore[attr-defined]
        self.fields["contract_type"].choices = [("", "Choisir un contrat"), *ContractType.choices]  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["metier"] = self.instance.metier_id
            self.initial["appellation"] = self.instance.appellation_id
        for name, message in {
            "company": "Choisissez l'entreprise.",
            "metier": "Choisissez le métier.",
            "contract_type": "Choisissez le type de contrat.",
            "weekly_hours": "Indiquez le nombre d'heures par semaine.",
            "commune": "Choisissez la commune du poste.",
            "positions": "Indiquez le nombre de postes ouverts.",
            "start_date": "Indiquez la date de prise de poste.",
        }.items():
            self.fields[name].error_messages["required"] = message
        self.fields["weekly_hours"].widget.attrs.update({"min": 1, "max": 48})
        self.fields["positions"].widget.attrs.update({"min": 1})

    def clean_metier(self) -> RomeMetier:
        metier = RomeMetier.objects.filter(code=self.cleaned_data["metier"]).first()
        if metier is None:
            raise forms.ValidationError("Choisissez un métier de la liste.")
        return metier

    def clean_appellation(self) -> RomeAppellation | None:
        value = self.cleaned_data.get("appellation")
        if value is None:
            return None
        appellation = RomeAppellation.objects.filter(pk=value).first()
        if appellation is None:
            raise forms.ValidationError("Choisissez une appellation de la liste.")
        return appellation

    def clean_weekly_hours(self) -> int:
        hours = self.cleaned_data["weekly_hours"]
        if hours is not None and not 1 <= hours <= 48:
            raise forms.ValidationError("Le nombre d'heures par semaine va de 1 à 48 (durée maximale légale).")
        return hours

    def clean_positions(self) -> int:
        positions = self.cleaned_data["positions"]
        if positions is not None and positions < 1:
            raise forms.ValidationError("Il faut au moins un poste ouvert.")
        return positions

    def offer_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class OfferFilterForm(forms.Form):
    status = forms.ChoiceField(label="Statut", required=False, choices=[("", "Tous les statuts"), *Offer.Status.choices])
    metier = forms.ChoiceField(label="Métier", required=False)
    commune = forms.ModelChoiceField(
        label="Commune", required=False, queryset=Commune.objects.order_by("name"), empty_label="Toutes les communes"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metier"].choices = [("", "Tous les métiers"), *metier_choices(blank=False)]  # type: ignore[attr-defined]


# --- Candidate profiles -------------------------------------------------------------------------------


class ProfileForm(forms.ModelForm):
    desired_metiers = forms.TypedMultipleChoiceField(
        label="Métiers recherchés", required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    skills = SkillsField()
    available_from = _date_field("Disponible à partir du")
    organisation = forms.ModelChoiceField(
        label="Département qui suit le dossier", queryset=Organisation.objects.none(), empty_label=None
    )

    class Meta:
        model = CandidateProfile
        fields = [
            "organisation", "desired_metiers", "skills", "experience", "education_level", "driving_licence", "vehicle",
            "max_commute_km", "hours_min", "hours_max", "accepts_nights", "accepts_weekends", "available_from",
            "constraints", "consent_shared", "is_active",
        ]  # fmt: skip
        widgets = {"experience": forms.Textarea(attrs={"rows": 3}), "constraints": forms.Textarea(attrs={"rows": 3})}
        labels = {"is_active": "Recherche un emploi (profil actif)"}
        help_texts = {
            "constraints": "Garde d'enfants, santé… telles que la personne les exprime. Lues par le service d'insertion seulement."
        }

    def __init__(self, *args: Any, organisations: Any, with_constraints: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["desired_metiers"].choices = metier_choices(blank=False)  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["desired_metiers"] = [m.code for m in self.instance.desired_metiers.all()]
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
            del self.fields["is_active"]
        if not with_constraints:
            del self.fields["constraints"]
        for name in ("max_commute_km", "hours_min", "hours_max"):
            self.fields[name].widget.attrs.update({"min": 0, "max": 48 if name != "max_commute_km" else 200})

    def desired_metier_groups(self) -> list[tuple[str, list[Any]]]:
        """The métiers' check boxes grouped by ROME domain, for a fieldset per domain."""
        groups: dict[str, list[Any]] = defaultdict(list)
        for widget in self["desired_metiers"]:
            code = str(widget.data["value"])
            groups[f"{code[:3]} — {ROME_LARGE_DOMAINS.get(code[0], 'Autres')}"].append(widget)
        return list(groups.items())

    def clean_desired_metiers(self) -> list[RomeMetier]:
        codes = self.cleaned_data["desired_metiers"]
        metiers = list(RomeMetier.objects.filter(code__in=codes))
        if len(metiers) != len(set(codes)):
            raise forms.ValidationError("Choisissez des métiers de la liste.")
        return metiers

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("hours_min"), data.get("hours_max")
        if low is not None and high is not None and low > high:
            self.add_error("hours_max", "Le nombre d'heures maximum doit être supérieur ou égal au minimum.")
        return data

    def _post_clean(self) -> None:
        # The service validates and saves (profile_create / profile_update): no model validation here,
        # which would need the person and the organisation set on the instance.
        pass

    def profile_fields(self) -> dict[str, Any]:
        skip = {"organisation", "desired_metiers", "consent_shared"}
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}


# --- Proposals ----------------------------------------------------------------------------------------


class ProposeForm(forms.Form):
    profile = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.FloatField(required=False, min_value=0, max_value=1, widget=forms.HiddenInput)


class ProposalFilterForm(forms.Form):
    status = forms.ChoiceField(label="Statut", required=False, choices=[("", "Tous les statuts"), *Proposal.Status.choices])
    adviser = forms.ChoiceField(label="Conseiller", required=False)

    def __init__(self, *args: Any, advisers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["adviser"].choices = [("", "Tous les conseillers"), *advisers]  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label="Nouvelle étape", widget=forms.RadioSelect)
    refusal_reason = forms.ChoiceField(
        label="Motif du refus", required=False, choices=[("", "Choisir un motif"), *Proposal.RefusalReason.choices]
    )
    hire_contract_type = forms.ChoiceField(
        label="Contrat signé", required=False, choices=[("", "Choisir un contrat"), *ContractType.choices]
    )
    hire_start_date = _date_field("Date d'embauche")
    interview = forms.ChoiceField(label="Rendez-vous d'entretien", required=False)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], appointments: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["interview"].choices = [  # type: ignore[attr-defined]
            ("", "Aucun rendez-vous"),
            *((str(a.public_id), timezone.localtime(a.start).strftime("%d/%m/%Y à %H:%M")) for a in appointments),
        ]
        self.fields["to_status"].choices = choices  # type: ignore[attr-defined]
        self.fields["to_status"].error_messages["required"] = "Choisissez la nouvelle étape."
        self.fields["to_status"].error_messages["invalid_choice"] = "Cette étape n'est plus possible pour cette proposition."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status = data.get("to_status")
        if status == Proposal.Status.REFUSED and not data.get("refusal_reason"):
            self.add_error("refusal_reason", "Indiquez le motif du refus.")
        if status == Proposal.Status.HIRED:
            if not data.get("hire_contract_type"):
                self.add_error("hire_contract_type", "Indiquez le contrat signé.")
            if not data.get("hire_start_date") and not self.has_error("hire_start_date"):
                self.add_error("hire_start_date", "Indiquez la date d'embauche.")
        return data
