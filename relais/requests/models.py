"""Requests to the administration (saisines), the procedures they follow, and their paper trail."""

from __future__ import annotations

import secrets
import uuid
from typing import Self

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from relais.people.models import Person
from relais.requests.clock import DelayUnit, Regime
from relais.territory.models import Organisation, Service


class Procedure(models.Model):
    """A kind of request, with its competent service, what silence means and after how long."""

    code = models.SlugField("code", max_length=60, unique=True)
    name = models.CharField("intitulé", max_length=200)
    description = models.TextField("présentation", blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="procedures", verbose_name="organisation"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="procedures", verbose_name="service compétent")
    regime = models.CharField(
        "silence vaut", max_length=12, choices=[(Regime.ACCEPTANCE, "acceptation"), (Regime.REJECTION, "rejet")]
    )
    delay_value = models.PositiveIntegerField("délai", validators=[MinValueValidator(1)])
    delay_unit = models.CharField(
        "unité", max_length=6, choices=[(DelayUnit.MONTHS, "mois"), (DelayUnit.DAYS, "jours")], default=DelayUnit.MONTHS
    )
    required_documents = models.TextField("pièces à fournir", blank=True, help_text="Une pièce par ligne.")
    form_fields = models.JSONField(
        "champs du formulaire en ligne", default=list, blank=True,
        help_text='Liste de {"name", "label", "type" (text, textarea, date, number), "required"}.',
    )  # fmt: skip
    online_open = models.BooleanField("ouverte en ligne", default=False)
    remedies = models.TextField("voies et délais de recours", blank=True)
    legal_source = models.CharField("source juridique", max_length=300, blank=True)
    is_example = models.BooleanField(
        "exemple", default=False, help_text="Délai ou régime donné à titre d'exemple : la source juridique n'est pas établie."
    )
    is_active = models.BooleanField("active", default=True)
    receives_email = models.BooleanField(
        "reçoit les courriels du service", default=False,
        help_text="Les courriels reçus à l'adresse du service deviennent des demandes de cette procédure, à requalifier si besoin.",
    )  # fmt: skip

    class Meta:
        verbose_name = "procédure"
        ordering = ["organisation__code", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def documents_list(self) -> list[str]:
        return [line.strip() for line in self.required_documents.splitlines() if line.strip()]

    @property
    def delay_label(self) -> str:
        unit = "mois" if self.delay_unit == DelayUnit.MONTHS else ("jour" if self.delay_value == 1 else "jours")
        return f"{self.delay_value} {unit}"


class CitizenRequestQuerySet(models.QuerySet["CitizenRequest"]):
    """The status sets of CitizenRequest, by what they mean (the lifecycle itself is in workflow.py)."""

    def open(self) -> Self:
        """Still to handle: neither decided, forwarded, withdrawn nor closed."""
        return self.exclude(status__in=CitizenRequest.FINISHED_STATUSES)

    def awaiting_decision(self) -> Self:
        """Complete or under review: the service has what it needs to decide."""
        return self.filter(status__in=CitizenRequest.AWAITING_DECISION_STATUSES)


class CitizenRequest(models.Model):
    class Channel(models.TextChoices):
        ONLINE_FORM = "online_form", "Formulaire en ligne"
        EMAIL = "email", "Courrier électronique"
        LETTER = "letter", "Courrier postal"
        COUNTER = "counter", "Accueil physique"
        PHONE = "phone", "Téléphone"

    ELECTRONIC_CHANNELS = ("online_form", "email")

    class Status(models.TextChoices):
        RECEIVED = "received", "Reçue"
        INCOMPLETE = "incomplete", "Incomplète (pièces demandées)"
        COMPLETE = "complete", "Complète"
        UNDER_REVIEW = "under_review", "En cours d'instruction"
        ACCEPTED = "accepted", "Acceptée"
        REJECTED = "rejected", "Rejetée"
        IMPLICITLY_ACCEPTED = "implicitly_accepted", "Acceptée implicitement"
        IMPLICITLY_REJECTED = "implicitly_rejected", "Rejetée implicitement"
        FORWARDED = "forwarded", "Transmise au service compétent"
        WITHDRAWN = "withdrawn", "Retirée par le demandeur"
        CLOSED = "closed", "Close"

    # The status sets, declared once: queries use CitizenRequestQuerySet's methods or these names.
    DECIDED_STATUSES = (Status.ACCEPTED, Status.REJECTED, Status.IMPLICITLY_ACCEPTED, Status.IMPLICITLY_REJECTED)
    EXPLICITLY_DECIDED_STATUSES = (Status.ACCEPTED, Status.REJECTED)
    IMPLICITLY_DECIDED_STATUSES = (Status.IMPLICITLY_ACCEPTED, Status.IMPLICITLY_REJECTED)
    ACCEPTED_STATUSES = (Status.ACCEPTED, Status.IMPLICITLY_ACCEPTED)
    FINISHED_STATUSES = (*DECIDED_STATUSES, Status.FORWARDED, Status.WITHDRAWN, Status.CLOSED)
    AWAITING_DECISION_STATUSES = (Status.COMPLETE, Status.UNDER_REVIEW)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField("référence", max_length=20, unique=True)
    tracking_token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe, editable=False)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="requests", verbose_name="procédure")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="requests", verbose_name="organisation")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="requests", verbose_name="service")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="requests", verbose_name="demandeur")
    channel = models.CharField("canal", max_length=12, choices=Channel.choices)
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField("reçue le")
    received_on = models.DateField("date de réception")  # in Europe/Paris, what the legal clock counts from
    competent_received_on = models.DateField("reçue par le service compétent le", null=True, blank=True)
    forwarded_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="forwarded_to", verbose_name="transmise par"
    )
    subject = models.CharField("objet", max_length=255)
    details = models.TextField("texte de la demande", blank=True)
    form_data = models.JSONField("réponses au formulaire", default=dict, blank=True)
    contact_email = models.EmailField("e-mail de contact", blank=True)
    implicit_decision_date = models.DateField("date de décision implicite", null=True, blank=True)
    clock_explanation = models.CharField(max_length=500, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_requests",
        verbose_name="instructeur",
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decision_note = models.TextField("motifs de la décision", blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CitizenRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande"
        ordering = ["implicit_decision_date", "received_at"]
        indexes = [
            models.Index(fields=["service", "status", "implicit_decision_date"], name="request_queue_idx"),
            models.Index(fields=["status", "implicit_decision_date"], name="request_implicit_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(competent_received_on__isnull=True) | Q(competent_received_on__gte=models.F("received_on")),
                name="request_competent_after_first_receipt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.subject}"

    @property
    def is_electronic(self) -> bool:
        return self.channel in self.ELECTRONIC_CHANNELS

    @property
    def is_decided(self) -> bool:
        return self.status in self.DECIDED_STATUSES

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED_STATUSES


class ReferenceCounter(models.Model):
    """The last number given for an organisation and a year: references never repeat or skip."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="reference_counter_unique")]

    def __str__(self) -> str:
        return f"{self.organisation_id}-{self.year}: {self.last_number}"


class DocumentRequest(models.Model):
    """Missing documents asked for, with the deadline given (L114-5)."""

    request = models.ForeignKey(CitizenRequest, on_delete=models.CASCADE, related_name="document_requests")
    items = models.TextField("pièces demandées", help_text="Une par ligne.")
    requested_on = models.DateField("demandées le")
    deadline = models.DateField("à fournir avant le")
    received_on = models.DateField("reçues le", null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["requested_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gt=models.F("requested_on")), name="document_request_deadline_after")
        ]

    def __str__(self) -> str:
        return f"Pièces demandées le {self.requested_on:%d/%m/%Y}"

    @property
    def items_list(self) -> list[str]:
        return [line.strip() for line in self.items.splitlines() if line.strip()]


def request_file_path(instance: RequestDocument, filename: str) -> str:
    return f"requests/{instance.request.received_on:%Y/%m}/{uuid.uuid4().hex}"


class RequestDocument(models.Model):
    """A file of the request: sent with it, sent later (missing documents), or a scanned letter."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "Pièce jointe à la demande"
        MISSING = "missing", "Pièce complémentaire"
        SCAN = "scan", "Courrier numérisé"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(CitizenRequest, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INITIAL)
    file = models.FileField(upload_to=request_file_path, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    after_deadline = models.BooleanField(default=False)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


def letter_path(instance: Letter, filename: str) -> str:
    return f"letters/{instance.request.received_on:%Y/%m}/{instance.request.reference}-{instance.kind}-{uuid.uuid4().hex[:8]}.pdf"


class Letter(models.Model):
    """A document Relais produced for the request (acknowledgement, request for documents, notice…),
    kept with its hash and how it was sent: the proof the person was told."""

    class Kind(models.TextChoices):
        REGISTRATION_RECEIPT = "registration", "Accusé d'enregistrement électronique"
        ACKNOWLEDGEMENT = "acknowledgement", "Accusé de réception"
        MISSING_DOCUMENTS = "missing_documents", "Demande de pièces manquantes"
        FORWARD_NOTICE = "forward", "Information de transmission"
        IMPLICIT_DECISION = "implicit_decision", "Notification de décision implicite"
        DECISION = "decision", "Notification de décision"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(CitizenRequest, on_delete=models.CASCADE, related_name="letters")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to=letter_path, max_length=255, blank=True)
    text = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    generated_at = models.DateTimeField(auto_now_add=True)
    sent_by = models.CharField("envoi", max_length=10, choices=[("email", "E-mail"), ("post", "Courrier postal")])
    message = models.ForeignKey(
        "notifications.OutgoingMessage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    printed_at = models.DateTimeField(null=True, blank=True)

    # The name a citizen sees when saving the PDF: French, without apostrophes or accents.
    FILE_NAMES: dict[str, str] = {
        Kind.REGISTRATION_RECEIPT: "accuse-d-enregistrement",
        Kind.ACKNOWLEDGEMENT: "accuse-de-reception",
        Kind.MISSING_DOCUMENTS: "demande-de-pieces",
        Kind.FORWARD_NOTICE: "information-de-transmission",
        Kind.IMPLICIT_DECISION: "decision-implicite",
        Kind.DECISION: "notification-de-decision",
    }

    class Meta:
        ordering = ["generated_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.request.reference}"

    @property
    def download_name(self) -> str:
        return f"{self.FILE_NAMES.get(self.kind, 'courrier')}-{self.request.reference}.pdf"

    @property
    def delivery_status(self) -> str:
        if self.sent_by == "post":
            return "imprimé" if self.printed_at else "à imprimer"
        return self.message.get_status_display().lower() if self.message else "non envoyé"


class RequestEvent(models.Model):
    class Kind(models.TextChoices):
        """Its label is what the history shows for an event that is not a change of status."""

        REGISTERED = "registered", "Enregistrement"
        TRANSITION = "transition", "Changement de statut"
        DOCUMENTS = "documents", "Pièces reçues"
        QUALIFIED = "qualified", "Procédure requalifiée"  # no longer recorded; kept for past histories
        RECEIPT_DATE = "receipt_date", "Date de réception corrigée"
        ASSIGNED = "assigned", "Attribution"
        PRINTED = "printed", "Courrier imprimé et envoyé"
        MESSAGE = "message", "Message au demandeur"

    request = models.ForeignKey(CitizenRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor_label = models.CharField(max_length=254)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.label} {self.at:%d/%m/%Y %H:%M}"

    @property
    def label(self) -> str:
        """In French, with the statuses' own labels: "Reçue → Incomplète (pièces demandées)"."""
        if not self.to_status:
            return self.get_kind_display()
        statuses = dict(CitizenRequest.Status.choices)
        origin = statuses.get(self.from_status, self.from_status) if self.from_status else "Création"
        return f"{origin} → {statuses.get(self.to_status, self.to_status)}"


class RequestMessage(models.Model):
    """A message between the person (from the tracking page) and the service."""

    request = models.ForeignKey(CitizenRequest, on_delete=models.CASCADE, related_name="messages")
    at = models.DateTimeField(auto_now_add=True)
    from_person = models.BooleanField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    body = models.TextField("message")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{'Usager' if self.from_person else 'Service'} {self.at:%d/%m/%Y}"
