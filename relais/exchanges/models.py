"""Every contact with a person, whatever the channel."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from relais.people.models import Person
from relais.territory.models import Organisation, Service, Site


class Channel(models.TextChoices):
    LETTER_IN = "letter_in", "Courrier entrant"
    LETTER_OUT = "letter_out", "Courrier sortant"
    CALL_IN = "call_in", "Appel entrant"
    CALL_OUT = "call_out", "Appel sortant"
    COUNTER = "counter", "Accueil physique"
    EMAIL = "email", "E-mail"
    VISIO = "visio", "Visio"
    ONLINE_FORM = "online_form", "Formulaire en ligne"
    SMS = "sms", "SMS"


class Topic(models.Model):
    """What an exchange was about, from a list kept per service."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="topics", verbose_name="service")
    name = models.CharField("intitulé", max_length=150)
    is_active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "thème"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["service", "name"], name="topic_unique_per_service")]

    def __str__(self) -> str:
        return self.name


class Exchange(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField("canal", max_length=20, choices=Channel.choices)
    occurred_at = models.DateTimeField("date et heure")
    duration_minutes = models.PositiveIntegerField("durée (minutes)", null=True, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="exchanges", verbose_name="organisation"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="exchanges", verbose_name="service")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="exchanges", verbose_name="site")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="exchanges", verbose_name="agent"
    )
    api_token = models.ForeignKey(
        "api.ApiToken", on_delete=models.PROTECT, null=True, blank=True, related_name="exchanges", verbose_name="intégration"
    )
    persons = models.ManyToManyField(Person, through="ExchangePerson", related_name="exchanges", verbose_name="usagers")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, null=True, blank=True, verbose_name="thème")
    summary = models.TextField("résumé", blank=True)
    follow_up = models.CharField("suite à donner", max_length=255, blank=True)
    follow_up_due = models.DateField("échéance de la suite", null=True, blank=True)
    follow_up_done_at = models.DateTimeField("suite traitée le", null=True, blank=True)
    created_at = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "échange"
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["organisation", "-occurred_at"], name="exchange_org_date_idx"),
            models.Index(fields=["agent", "follow_up_due"], name="exchange_agent_follow_up_idx"),
            models.Index(fields=["service", "-occurred_at"], name="exchange_service_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(agent__isnull=False) | Q(api_token__isnull=False), name="exchange_has_author"),
            models.CheckConstraint(condition=Q(duration_minutes__lte=24 * 60), name="exchange_duration_within_a_day"),
            models.CheckConstraint(
                condition=Q(follow_up_done_at__isnull=True) | ~Q(follow_up=""), name="exchange_follow_up_done_needs_follow_up"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} du {self.occurred_at:%d/%m/%Y}"


class ExchangePerson(models.Model):
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="person_links")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="exchange_links")

    class Meta:
        verbose_name = "usager concerné"
        constraints = [models.UniqueConstraint(fields=["exchange", "person"], name="exchange_person_unique")]
        indexes = [models.Index(fields=["person", "exchange"], name="exchange_person_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} ↔ {self.exchange_id}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name never reuses the uploaded one: it may hold a person's name or a path trick.
    return f"exchanges/{instance.exchange.created_at:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    original_name = models.CharField("nom du fichier", max_length=255)
    content_type = models.CharField("type", max_length=100)
    size = models.PositiveIntegerField("taille (octets)")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = "pièce jointe"
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name
