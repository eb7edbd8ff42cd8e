"""Who works where: organisations, their sites and services, agents and their memberships."""

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

organisation_code_validator = RegexValidator(
    r"^[A-Z0-9]{2,16}$", "Le code est fait de 2 à 16 lettres majuscules ou chiffres (ex. 78, EPI, CAF92)."
)
insee_code_validator = RegexValidator(r"^(\d{5}|2[AB]\d{3})$", "Le code INSEE d'une commune compte 5 caractères.")
postcode_validator = RegexValidator(r"^\d{5}$", "Le code postal compte 5 chiffres.")
site_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]{1,31}$",
    "Le code d'un site est fait de 2 à 32 lettres majuscules, chiffres, tirets ou soulignés (ex. 78-FS-MUREAUX).",
)


class Commune(models.Model):
    """A commune of the two départements (reference data, see territory/data/README.md)."""

    insee_code = models.CharField("code INSEE", max_length=5, primary_key=True, validators=[insee_code_validator])
    name = models.CharField("nom", max_length=100)
    department = models.CharField("département", max_length=3)
    postcodes = models.CharField("codes postaux", max_length=100, help_text="Séparés par des espaces.")
    population = models.PositiveIntegerField("population municipale", default=0)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)

    class Meta:
        verbose_name = "commune"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.insee_code})"

    @property
    def main_postcode(self) -> str:
        return self.postcodes.split()[0] if self.postcodes else ""


class Organisation(models.Model):
    class Kind(models.TextChoices):
        DEPARTEMENT = "departement", "Département"
        INTERDEPARTMENTAL = "interdepartmental", "Établissement interdépartemental"
        PARTNER = "partner", "Partenaire"

    code = models.CharField("code", max_length=16, unique=True, validators=[organisation_code_validator])
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    address = models.TextField("adresse postale", blank=True)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)

    class Meta:
        verbose_name = "organisation"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_partner(self) -> bool:
        return self.kind == self.Kind.PARTNER


class Site(models.Model):
    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", "Siège"
        SOCIAL_CENTRE = "social_centre", "Espace départemental des solidarités"
        PMI_CENTRE = "pmi_centre", "Centre de PMI"
        SERVICE_POINT = "service_point", "Point de service public local (France services)"
        PARTNER_OFFICE = "partner_office", "Agence partenaire"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sites", verbose_name="organisation")
    name = models.CharField("nom", max_length=200)
    # How files and commands name the site (the evaluation kit's site_code); unique when set.
    code = models.CharField("code", max_length=32, blank=True, validators=[site_code_validator], help_text="Ex. 78-FS-MUREAUX.")
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    address = models.CharField("adresse", max_length=255, blank=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True, verbose_name="commune")
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("e-mail", blank=True)
    is_active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "site"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="site_unique_name_per_organisation"),
            models.UniqueConstraint(fields=["code"], condition=~models.Q(code=""), name="site_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """A service of one organisation, or shared by several (e.g. the interdepartmental adoption service)."""

    code = models.CharField("code", max_length=32, unique=True)
    name = models.CharField("nom", max_length=200)
    organisations = models.ManyToManyField(Organisation, related_name="services", verbose_name="organisations")
    is_sensitive = models.BooleanField(
        "données sensibles",
        default=False,
        help_text="Le contenu des échanges n'est visible que des membres du service (ex. PMI).",
    )
    may_process_nir = models.BooleanField(
        "habilité au NIR",
        default=False,
        help_text="Le service a une base légale pour traiter le numéro de sécurité sociale.",
    )
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    address = models.TextField("adresse postale", blank=True)

    class Meta:
        verbose_name = "service"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentManager(UserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):  # type: ignore[override]
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        agent = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        agent.set_password(password)
        agent.save(using=self._db)
        return agent

    def create_user(self, email, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class Agent(AbstractUser):
    """A person who logs in: an agent of a département, of the EPI or of a partner. Logs in with e-mail."""

    username = None  # type: ignore[assignment]
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("adresse e-mail", unique=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]
    objects = AgentManager()  # type: ignore[misc]

    class Meta:
        verbose_name = "agent"
        ordering = ["last_name", "first_name"]
        constraints = [models.UniqueConstraint(Lower("email"), name="agent_unique_email_ci")]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Membership(models.Model):
    """An agent works for an organisation, in one of its services, with a role."""

    class Role(models.TextChoices):
        AGENT = "agent", "Agent"
        SOCIAL_WORKER = "social_worker", "Travailleur social"
        MEDIATOR = "mediator", "Médiateur"
        MANAGER = "manager", "Responsable"
        ADMIN = "admin", "Administrateur fonctionnel"

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="memberships", verbose_name="agent")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships", verbose_name="organisation"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="memberships", verbose_name="service")
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="memberships", verbose_name="site habituel"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices, default=Role.AGENT)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "affectation"
        constraints = [
            models.UniqueConstraint(fields=["agent", "organisation", "service"], name="membership_unique_agent_org_service")
        ]

    def __str__(self) -> str:
        return f"{self.agent} — {self.service} ({self.organisation.code}, {self.get_role_display()})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.service_id and self.organisation_id and not self.service.organisations.filter(pk=self.organisation_id).exists():
            raise ValidationError({"service": "Ce service n'appartient pas à cette organisation."})
