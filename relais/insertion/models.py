"""Insertion (JOB78 / JOB92): the ROME, employers and their offers, candidates' profiles, proposals.

A candidate profile belongs to one `people.Person` (a beneficiary of the RSA) and is held by one
département (`organisation`). Offers are posted by companies in the portfolio of the insertion
services. A proposal puts one profile in front of one offer and follows the pipeline declared in
`workflow.py`, each step recorded as a `ProposalEvent`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as stdnum_siret

from relais.people.models import Person
from relais.territory.models import Commune, Organisation

rome_code_validator = RegexValidator(
    r"^[A-N]\d{4}$", "Un code ROME s'écrit avec une lettre de A à N et quatre chiffres (ex. K1302)."
)
naf_code_validator = RegexValidator(
    r"^\d{2}\.\d{2}[A-Z]$", "Le code NAF s'écrit avec deux chiffres, un point, deux chiffres et une lettre (ex. 56.10A)."
)


def siret_validator(value: str) -> None:
    """A SIRET has 14 digits and a valid Luhn key (La Poste's establishments follow their own rule)."""
    try:
        stdnum_siret.validate(value)
    except StdnumError:
        raise ValidationError(
            "Le numéro SIRET « %(value)s » n'est pas valide : il compte 14 chiffres dont le dernier est une clé de contrôle.",
            code="invalid_siret",
            params={"value": value},
        ) from None


def siret_compact(value: str) -> str:
    return stdnum_siret.compact(value or "")


def naf_normalise(value: str) -> str:
    """« 5610a », « 56 10 A » or « 56.10A » → « 56.10A » (the INSEE's spelling); other values unchanged."""
    compact = "".join((value or "").split()).replace(".", "").upper()
    if len(compact) == 5 and compact[:4].isdigit() and compact[4].isalpha():
        return f"{compact[:2]}.{compact[2:]}"
    return (value or "").strip()


class EducationLevel(models.IntegerChoices):
    """The national nomenclature of diploma levels (decree of 8 January 2019); below 3, no diploma."""

    NONE = 0, "Aucun diplôme"
    CAP_BEP = 3, "CAP, BEP"
    BAC = 4, "Baccalauréat"
    BAC_2 = 5, "Bac+2"
    BAC_3_4 = 6, "Bac+3/4"
    BAC_5 = 7, "Bac+5"
    DOCTORATE = 8, "Doctorat"


class ContractType(models.TextChoices):
    CDI = "cdi", "CDI"
    CDD = "cdd", "CDD"
    INTERIM = "interim", "Intérim"
    CDDI = "cddi", "CDDI (insertion par l'activité économique)"
    APPRENTICESHIP = "apprentissage", "Apprentissage"
    PEC = "pec", "PEC (parcours emploi compétences)"


MAX_WEEKLY_HOURS = 48  # the legal maximum of a working week (Code du travail, L3121-20)


# --- ROME -----------------------------------------------------------------------------------------


class RomeMetier(models.Model):
    """A ROME métier (« fiche ROME »): reference data, see insertion/data/README.md."""

    code = models.CharField("code ROME", max_length=5, primary_key=True, validators=[rome_code_validator])
    label = models.CharField("libellé", max_length=200)
    domain = models.CharField(
        "domaine professionnel", max_length=3, editable=False, help_text="Les trois premiers caractères du code."
    )

    class Meta:
        verbose_name = "métier (ROME)"
        verbose_name_plural = "métiers (ROME)"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(domain=models.functions.Substr("code", 1, 3)), name="rome_metier_domain_is_code_prefix"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.domain = self.code[:3]
        super().save(*args, **kwargs)


class RomeAppellation(models.Model):
    """A job title of a métier. The vendored subset has no codes (keyed by métier and label)."""

    metier = models.ForeignKey(RomeMetier, on_delete=models.CASCADE, related_name="appellations", verbose_name="métier")
    code = models.CharField("code de l'appellation", max_length=10, blank=True)
    label = models.CharField("libellé", max_length=200)

    class Meta:
        verbose_name = "appellation (ROME)"
        verbose_name_plural = "appellations (ROME)"
        ordering = ["metier", "label"]
        constraints = [
            models.UniqueConstraint(fields=["metier", "label"], name="rome_appellation_unique_label_per_metier"),
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="rome_appellation_unique_code"),
        ]

    def __str__(self) -> str:
        return self.label


# --- Employers ------------------------------------------------------------------------------------


class Company(models.Model):
    """An employer, in the portfolio of one or more départements' insertion services."""

    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[siret_validator])
    name = models.CharField("raison sociale", max_length=200)
    naf_code = models.CharField("code NAF", max_length=6, blank=True, validators=[naf_code_validator])
    address = models.CharField("adresse", max_length=255, blank=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+", verbose_name="commune")
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="insertion_companies",
        verbose_name="chargé d'affaires",
    )
    organisations = models.ManyToManyField(
        Organisation,
        related_name="insertion_companies",
        verbose_name="en portefeuille de",
        help_text="Les départements dont le service d'insertion suit l'entreprise.",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "entreprise"
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(siret__regex=r"^[0-9]{14}$"), name="company_siret_14_digits")]

    def __str__(self) -> str:
        return f"{self.name} ({self.siret})"

    def clean_fields(self, exclude=None) -> None:  # type: ignore[no-untyped-def]
        # Normalised before the fields' validators run: « 123 456 789 00012 » is a valid SIRET.
        self.siret = siret_compact(self.siret)
        self.naf_code = naf_normalise(self.naf_code)
        super().clean_fields(exclude=exclude)


class CompanySite(models.Model):
    """An establishment of a company where people work (its own SIRET when it has one)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="sites", verbose_name="entreprise")
    name = models.CharField("nom", max_length=200)
    siret = models.CharField("SIRET de l'établissement", max_length=14, blank=True, validators=[siret_validator])
    address = models.CharField("adresse", max_length=255, blank=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+", verbose_name="commune")

    class Meta:
        verbose_name = "établissement"
        ordering = ["company", "name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="company_site_unique_name")]

    def __str__(self) -> str:
        return f"{self.company.name} — {self.name}"

    def clean_fields(self, exclude=None) -> None:  # type: ignore[no-untyped-def]
        self.siret = siret_compact(self.siret)
        super().clean_fields(exclude=exclude)


class EmployerContact(models.Model):
    """Someone at the company the insertion service deals with; may sign in to the employer space."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts", verbose_name="entreprise")
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    role = models.CharField("fonction", max_length=100, blank=True)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    # The login of the employer space: a user without any membership (so no access scope over persons);
    # what they see is decided by policies.employer_contact_for and the offers of their company.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employer_contact",
        verbose_name="compte de l'espace employeur",
    )
    is_active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "contact employeur"
        verbose_name_plural = "contacts employeurs"
        ordering = ["company", "last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.company.name})"


# --- Offers ---------------------------------------------------------------------------------------


class Offer(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Brouillon"
        PUBLISHED = "published", "Publiée"
        FILLED = "filled", "Pourvue"
        CLOSED = "closed", "Clôturée"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="offers", verbose_name="entreprise")
    site = models.ForeignKey(
        CompanySite, on_delete=models.SET_NULL, null=True, blank=True, related_name="offers", verbose_name="établissement"
    )
    metier = models.ForeignKey(RomeMetier, on_delete=models.PROTECT, related_name="offers", verbose_name="métier (ROME)")
    appellation = models.ForeignKey(
        RomeAppellation, on_delete=models.PROTECT, null=True, blank=True, related_name="offers", verbose_name="appellation"
    )
    title = models.CharField("intitulé", max_length=200, blank=True)
    description = models.TextField("description", blank=True)
    contract_type = models.CharField("type de contrat", max_length=16, choices=ContractType.choices)
    weekly_hours = models.PositiveSmallIntegerField("heures par semaine", validators=[MaxValueValidator(MAX_WEEKLY_HOURS)])
    night_work = models.BooleanField("travail de nuit", default=False)
    weekend_work = models.BooleanField("travail le week-end", default=False)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+", verbose_name="commune du poste")
    positions = models.PositiveSmallIntegerField("postes ouverts", default=1)
    start_date = models.DateField("date de prise de poste")
    education_level = models.PositiveSmallIntegerField(
        "niveau de diplôme minimal", choices=EducationLevel.choices, default=EducationLevel.NONE
    )
    driving_licence_required = models.BooleanField("permis B exigé", default=False)
    vehicle_required = models.BooleanField("véhicule exigé", default=False)
    skills = models.JSONField("compétences", default=list, blank=True, help_text="Une liste de compétences.")
    published_from = models.DateField("publiée du", null=True, blank=True)
    published_until = models.DateField("publiée jusqu'au", null=True, blank=True)
    status = models.CharField("statut", max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="créée par"
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "offre d'emploi"
        verbose_name_plural = "offres d'emploi"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(positions__gte=1), name="offer_at_least_one_position"),
            models.CheckConstraint(
                condition=Q(weekly_hours__gte=1, weekly_hours__lte=MAX_WEEKLY_HOURS), name="offer_weekly_hours_range"
            ),
            models.CheckConstraint(condition=Q(education_level__in=EducationLevel.values), name="offer_education_level_valid"),
            models.CheckConstraint(condition=Q(contract_type__in=ContractType.values), name="offer_contract_type_valid"),
            models.CheckConstraint(condition=Q(status__in=["draft", "published", "filled", "closed"]), name="offer_status_valid"),
            models.CheckConstraint(
                condition=Q(published_from__isnull=True)
                | Q(published_until__isnull=True)
                | Q(published_until__gte=F("published_from")),
                name="offer_publication_window_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_from__isnull=False), name="offer_published_has_start"
            ),
        ]
        indexes = [models.Index(fields=["status", "metier"], name="offer_status_metier_idx")]

    def __str__(self) -> str:
        return f"{self.title or self.metier.label} — {self.company.name}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.appellation is not None and self.metier_id and self.appellation.metier_id != self.metier_id:
            errors["appellation"] = "Cette appellation n'appartient pas au métier choisi."
        if self.published_from and self.published_until and self.published_until < self.published_from:
            errors["published_until"] = "La fin de publication précède son début."
        if self.site is not None and self.company_id and self.site.company_id != self.company_id:
            errors["site"] = "Cet établissement n'est pas celui de l'entreprise."
        if errors:
            raise ValidationError(errors)


# --- Candidates -----------------------------------------------------------------------------------


class CandidateProfile(models.Model):
    """What a person looking for work tells their adviser. One per person; the département holding
    the file is `organisation`. Shown to whoever may see the person (people/policies.py), except
    `constraints`, read only by the insertion service (insertion/policies.py)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="candidate_profile", verbose_name="usager")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="candidate_profiles", verbose_name="département qui suit le dossier"
    )
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="insertion_candidates",
        verbose_name="conseiller référent",
    )
    desired_metiers = models.ManyToManyField(RomeMetier, blank=True, related_name="candidates", verbose_name="métiers recherchés")
    skills = models.JSONField("compétences", default=list, blank=True, help_text="Une liste de compétences.")
    experience = models.TextField("expérience", blank=True)
    education_level = models.PositiveSmallIntegerField(
        "niveau de diplôme", choices=EducationLevel.choices, default=EducationLevel.NONE
    )
    driving_licence = models.BooleanField("permis B", default=False)
    vehicle = models.BooleanField("véhicule", default=False)
    max_commute_km = models.PositiveSmallIntegerField("distance maximale domicile-travail (km)", default=10)
    hours_min = models.PositiveSmallIntegerField("heures par semaine (minimum)", default=0)
    hours_max = models.PositiveSmallIntegerField(
        "heures par semaine (maximum)", default=35, validators=[MaxValueValidator(MAX_WEEKLY_HOURS)]
    )
    accepts_nights = models.BooleanField("accepte le travail de nuit", default=False)
    accepts_weekends = models.BooleanField("accepte le travail le week-end", default=False)
    available_from = models.DateField("disponible à partir du", null=True, blank=True)
    # SENSITIVE: childcare, health… as the person states them. Read only by the members of an
    # insertion service of the holding département (policies.profile_may_read_constraints), never
    # in the pseudonymised profile, never in exports for employers.
    constraints = models.TextField("contraintes exprimées par la personne", blank=True)
    consent_shared = models.BooleanField("consent au partage du profil pseudonymisé avec des employeurs", default=False)
    consent_at = models.DateTimeField("date du consentement", null=True, blank=True)
    is_active = models.BooleanField("actif", default=True)
    note = models.TextField("note de suivi", blank=True, help_text="Ce que le service a noté sur le profil (fusion de fiches…).")
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "profil de candidat"
        verbose_name_plural = "profils de candidats"
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(condition=Q(hours_min__lte=F("hours_max")), name="candidate_hours_min_le_max"),
            models.CheckConstraint(condition=Q(hours_max__lte=MAX_WEEKLY_HOURS), name="candidate_hours_max_legal"),
            models.CheckConstraint(
                condition=Q(education_level__in=EducationLevel.values), name="candidate_education_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(consent_shared=False) | Q(consent_at__isnull=False), name="candidate_consent_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"Profil d'insertion de {self.person}"

    def clean(self) -> None:
        if self.hours_min is not None and self.hours_max is not None and self.hours_min > self.hours_max:
            raise ValidationError({"hours_max": "Le nombre d'heures maximum doit être supérieur ou égal au minimum."})

    @property
    def commune_code(self) -> str:
        return self.person.commune_code


# --- Proposals ------------------------------------------------------------------------------------


class Proposal(models.Model):
    """One profile proposed for one offer, and where it stands (transitions in workflow.py)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposée"
        CANDIDATE_AGREED = "candidate_agreed", "Acceptée par la personne"
        SHARED_WITH_EMPLOYER = "shared_with_employer", "Profil transmis à l'employeur"
        INTERVIEW = "interview", "Entretien"
        HIRED = "hired", "Embauche"
        REFUSED = "refused", "Refusée"
        WITHDRAWN = "withdrawn", "Retirée"

    OPEN_STATUSES = ("proposed", "candidate_agreed", "shared_with_employer", "interview")

    class RefusalReason(models.TextChoices):
        NOT_REACHABLE = "not_reachable", "Personne injoignable"
        LACKS_SKILLS = "lacks_skills", "Compétences insuffisantes"
        NOT_MOBILE = "not_mobile", "Mobilité insuffisante"
        HOURS = "hours", "Horaires incompatibles"
        EMPLOYER_CHOICE = "employer_choice", "Choix de l'employeur"
        CANDIDATE_CHOICE = "candidate_choice", "Choix de la personne"
        OTHER = "other", "Autre motif"

    profile = models.ForeignKey(CandidateProfile, on_delete=models.PROTECT, related_name="proposals", verbose_name="candidat")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="proposals", verbose_name="offre")
    score = models.FloatField("score", null=True, blank=True, help_text="Entre 0 et 1, calculé par le rapprochement.")
    reasons = models.JSONField("raisons du rapprochement", default=list, blank=True)
    status = models.CharField("statut", max_length=24, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="proposée par"
    )
    interview = models.ForeignKey(
        "appointments.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="insertion_proposals",
        verbose_name="rendez-vous d'entretien",
    )
    refusal_reason = models.CharField("motif du refus", max_length=20, choices=RefusalReason.choices, blank=True)
    hire_contract_type = models.CharField("contrat signé", max_length=16, choices=ContractType.choices, blank=True)
    hire_start_date = models.DateField("date d'embauche", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "proposition"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "offer"],
                condition=Q(status__in=["proposed", "candidate_agreed", "shared_with_employer", "interview"]),
                name="proposal_one_open_per_profile_offer",
                violation_error_message="Une proposition est déjà en cours pour cette personne et cette offre.",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1), name="proposal_score_between_0_and_1"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "proposed",
                        "candidate_agreed",
                        "shared_with_employer",
                        "interview",
                        "hired",
                        "refused",
                        "withdrawn",
                    ]
                ),
                name="proposal_status_valid",
            ),
            models.CheckConstraint(condition=~Q(status="refused") | ~Q(refusal_reason=""), name="proposal_refused_has_reason"),
            models.CheckConstraint(
                condition=~Q(status="hired") | (~Q(hire_contract_type="") & Q(hire_start_date__isnull=False)),
                name="proposal_hired_has_contract",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposition {self.pk} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ProposalEvent(models.Model):
    """One step of a proposal, as it happened (the history the person's timeline shows)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="events", verbose_name="proposition")
    from_status = models.CharField("statut précédent", max_length=24, choices=Proposal.Status.choices, blank=True)
    to_status = models.CharField("nouveau statut", max_length=24, choices=Proposal.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="auteur"
    )
    actor_label = models.CharField("auteur (libellé)", max_length=254)
    note = models.TextField("note", blank=True)
    at = models.DateTimeField("date", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "étape d'une proposition"
        verbose_name_plural = "historique des propositions"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"
