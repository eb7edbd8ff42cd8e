"""Agendas, their openings and absences, motives, appointments (individual or collective)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Self

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from relais.people.models import Person
from relais.territory.models import Commune, Organisation, Service, Site


class Motive(models.Model):
    """What an appointment is for, how long it lasts, how it takes place and who may book it."""

    class Channel(models.TextChoices):
        ON_SITE = "on_site", "Sur place"
        PHONE = "phone", "Par téléphone"
        VISIO = "visio", "En visio"
        HOME = "home", "À domicile"

    class BookableBy(models.TextChoices):
        AGENTS = "agents", "Agents du service"
        AGENTS_AND_PARTNERS = "agents_and_partners", "Agents et partenaires (médiateurs)"
        PUBLIC = "public", "Tout public, en ligne"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="motives", verbose_name="service")
    name = models.CharField("intitulé", max_length=150)
    duration_minutes = models.PositiveIntegerField(
        "durée (minutes)", validators=[MinValueValidator(5), MaxValueValidator(8 * 60)]
    )
    channel = models.CharField("modalité", max_length=10, choices=Channel.choices, default=Channel.ON_SITE)
    bookable_by = models.CharField("qui peut réserver", max_length=20, choices=BookableBy.choices, default=BookableBy.AGENTS)
    min_booking_delay_minutes = models.PositiveIntegerField(
        "délai minimum de réservation (minutes)", default=60, help_text="Pour la réservation en ligne et par les partenaires."
    )
    max_booking_delay_days = models.PositiveIntegerField("délai maximum de réservation (jours)", default=90)
    buffer_minutes = models.PositiveIntegerField("battement après le rendez-vous (minutes)", default=0)
    communes = models.ManyToManyField(
        Commune, blank=True, related_name="motives", verbose_name="communes autorisées",
        help_text="Vide : ouvert à tous. Sinon, seuls les habitants de ces communes peuvent réserver en ligne.",
    )  # fmt: skip
    is_collective = models.BooleanField("réunion collective", default=False)
    default_capacity = models.PositiveIntegerField("places (réunion collective)", default=1, validators=[MinValueValidator(1)])
    instructions = models.TextField("consignes envoyées à l'usager", blank=True)
    is_active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "motif de rendez-vous"
        verbose_name_plural = "motifs de rendez-vous"
        ordering = ["service__name", "name"]
        constraints = [models.UniqueConstraint(fields=["service", "name"], name="motive_unique_name_per_service")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_channel_display().lower()}, {self.duration_minutes} min)"

    @property
    def is_visio(self) -> bool:
        return self.channel == self.Channel.VISIO


class Agenda(models.Model):
    """Where appointments are booked: an agent's own agenda, or a shared counter of a site or partner."""

    class Kind(models.TextChoices):
        AGENT = "agent", "Agenda d'un agent"
        COUNTER = "counter", "Guichet partagé"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField("nature", max_length=10, choices=Kind.choices, default=Kind.AGENT)
    name = models.CharField("nom", max_length=150)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="agendas", verbose_name="organisation")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="agendas", verbose_name="service")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="agendas", verbose_name="agent"
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="agendas", verbose_name="guichet du site"
    )
    is_active = models.BooleanField("actif", default=True)
    # Private calendar feed (Outlook, Thunderbird): whoever has the URL reads it, so it can be revoked.
    feed_token = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = "agenda"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="agent", agent__isnull=False) | Q(kind="counter", agent__isnull=True),
                name="agenda_agent_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def new_feed_token(self) -> str:
        return secrets.token_urlsafe(32)


class OpeningPeriod(models.Model):
    """A weekly (or every N weeks) time range when an agenda receives, for some motives, at a site."""

    agenda = models.ForeignKey(Agenda, on_delete=models.CASCADE, related_name="openings", verbose_name="agenda")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="openings", verbose_name="lieu")
    motives = models.ManyToManyField(Motive, related_name="openings", verbose_name="motifs")
    weekdays = models.JSONField("jours", help_text="0 = lundi … 6 = dimanche")
    start_time = models.TimeField("de")
    end_time = models.TimeField("à")
    every_n_weeks = models.PositiveSmallIntegerField(
        "toutes les N semaines", default=1, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    valid_from = models.DateField("à partir du")
    valid_until = models.DateField("jusqu'au", null=True, blank=True)
    open_on_holidays = models.BooleanField("ouvert les jours fériés", default=False)

    class Meta:
        verbose_name = "plage d'ouverture"
        verbose_name_plural = "plages d'ouverture"
        constraints = [
            models.CheckConstraint(condition=Q(start_time__lt=F("end_time")), name="opening_start_before_end"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")), name="opening_valid_range"
            ),
        ]

    def __str__(self) -> str:
        days = ", ".join(WEEKDAY_NAMES[d] for d in sorted(self.weekdays))
        return f"{days} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


WEEKDAY_NAMES = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


class Absence(models.Model):
    """A time when the agenda does not receive: one-off, or repeated every week until a date."""

    agenda = models.ForeignKey(Agenda, on_delete=models.CASCADE, related_name="absences", verbose_name="agenda")
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    repeat_weekly_until = models.DateField("répéter chaque semaine jusqu'au", null=True, blank=True)
    reason = models.CharField("motif", max_length=150, blank=True)

    class Meta:
        verbose_name = "absence"
        constraints = [models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="absence_start_before_end")]

    def __str__(self) -> str:
        return f"{self.reason or 'Absence'} du {self.starts_at:%d/%m/%Y}"


class AgendaWindow(models.Model):
    """Precomputed occurrences of opening periods, minus absences and holidays, over the booking horizon.

    Rebuilt by services.agenda_rebuild_windows() whenever an opening or absence changes, and extended
    daily. Slot search reads these instead of expanding recurrences on every request.
    """

    agenda = models.ForeignKey(Agenda, on_delete=models.CASCADE, related_name="windows")
    opening = models.ForeignKey(OpeningPeriod, on_delete=models.CASCADE, related_name="windows")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, null=True, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["start", "agenda"], name="window_start_agenda_idx"),
            models.Index(fields=["agenda", "start"], name="window_agenda_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.agenda_id} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


class FreeSlot(models.Model):
    """A free slot of an agenda for an individual motive, precomputed (see availability.py)."""

    agenda = models.ForeignKey(Agenda, on_delete=models.CASCADE, related_name="+")
    motive = models.ForeignKey(Motive, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, null=True, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    blocked_until = models.DateTimeField()

    class Meta:
        indexes = [
            # Covering on PostgreSQL: a slot search reads the index alone (ignored elsewhere).
            models.Index(
                fields=["motive", "start"], include=["agenda", "site", "blocked_until"], name="free_slot_motive_start_idx"
            ),
            models.Index(fields=["agenda", "start"], name="free_slot_agenda_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.agenda_id} {self.motive_id} {self.start:%Y-%m-%d %H:%M}"


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    """The status sets of Appointment, by what they mean: every query says `.live(now)` or `.real()`
    instead of listing statuses."""

    def busy(self) -> Self:
        """Booked, honoured or no-show: they occupy their agenda for good (holds come and go with the clock)."""
        return self.filter(status__in=Appointment.BUSY_STATUSES)

    def live(self, now: dt.datetime | None = None) -> Self:
        """What occupies its agenda right now: the busy ones, and the holds not yet expired."""
        now = now or timezone.now()
        return self.filter(Q(status__in=Appointment.BUSY_STATUSES) | Q(status=Appointment.Status.HELD, hold_expires_at__gt=now))

    def real(self) -> Self:
        """Appointments proper, cancelled ones included: not the slots held (or once held) for an online booker."""
        return self.exclude(status__in=Appointment.HOLD_STATUSES)

    def not_cancelled(self) -> Self:
        return self.exclude(status__in=Appointment.CANCELLED_STATUSES)

    def live_holds(self, now: dt.datetime) -> Self:
        """Slots held for an online booker that have not expired yet."""
        return self.filter(status=Appointment.Status.HELD, hold_expires_at__gt=now)

    def expired_holds(self, now: dt.datetime) -> Self:
        """Holds whose time is up but still marked held (until the release task or a booking marks them expired)."""
        return self.filter(status=Appointment.Status.HELD, hold_expires_at__lte=now)


class Appointment(models.Model):
    """An individual appointment, or a collective session (capacity > 1) with registrations.

    On PostgreSQL an exclusion constraint (migration 0002) forbids two live appointments on one
    agenda whose [start, blocked_until) ranges overlap; on SQLite the booking service re-checks
    inside an immediate (write-locked) transaction.
    """

    class Status(models.TextChoices):
        HELD = "held", "Réservé temporairement"
        BOOKED = "booked", "Prévu"
        HONOURED = "honoured", "Honoré"
        NO_SHOW = "no_show", "Absence non excusée"
        CANCELLED_BY_PERSON = "cancelled_by_person", "Annulé par l'usager"
        CANCELLED_BY_AGENCY = "cancelled_by_agency", "Annulé par le service"
        EXPIRED = "expired", "Réservation temporaire expirée"

    # The status sets, declared once; queries use AppointmentQuerySet's methods, transitions are in workflow.py.
    BUSY_STATUSES = (Status.BOOKED, Status.HONOURED, Status.NO_SHOW)
    HOLD_STATUSES = (Status.HELD, Status.EXPIRED)
    CANCELLED_STATUSES = (Status.CANCELLED_BY_PERSON, Status.CANCELLED_BY_AGENCY)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    motive = models.ForeignKey(Motive, on_delete=models.PROTECT, related_name="appointments", verbose_name="motif")
    agenda = models.ForeignKey(Agenda, on_delete=models.PROTECT, related_name="appointments", verbose_name="agenda")
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments", verbose_name="lieu"
    )
    start = models.DateTimeField("début")
    end = models.DateTimeField("fin")
    blocked_until = models.DateTimeField("agenda occupé jusqu'à")  # end + the motive's buffer
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.BOOKED)
    hold_expires_at = models.DateTimeField("fin de la réservation temporaire", null=True, blank=True)
    # Who took an online hold: a keyed hash of their address (never the address), to cap live holds.
    hold_owner = models.CharField("origine de la réservation temporaire", max_length=64, blank=True, editable=False)
    capacity = models.PositiveIntegerField("places", default=1, validators=[MinValueValidator(1)])
    title = models.CharField("titre", max_length=200, blank=True)
    persons = models.ManyToManyField(Person, through="Participant", related_name="appointments", verbose_name="participants")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booked_appointments",
        verbose_name="réservé par",
    )
    booked_by_token = models.ForeignKey("api.ApiToken", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    booked_online = models.BooleanField("réservé en ligne", default=False)
    booked_from_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments_booked_here",
        verbose_name="réservé depuis (point France services)",
    )  # fmt: skip
    visio_url = models.URLField("lien de visio", blank=True, max_length=300)
    notes = models.TextField("notes", blank=True)
    cancel_reason = models.CharField("motif d'annulation", max_length=255, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["start"]
        indexes = [
            models.Index(fields=["agenda", "start"], name="appointment_agenda_start_idx"),
            models.Index(fields=["start"], name="appointment_start_idx"),
            models.Index(fields=["site", "start"], name="appointment_site_start_idx"),
            # Slot searches subtract the holds of online bookers: a handful of rows, found at once.
            models.Index(fields=["start"], condition=Q(status="held"), name="appointment_held_start_idx"),
            models.Index(fields=["hold_owner"], condition=Q(status="held"), name="appointment_held_owner_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="appointment_start_before_end"),
            models.CheckConstraint(condition=Q(end__lte=F("blocked_until")), name="appointment_blocked_after_end"),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(hold_expires_at__isnull=False), name="appointment_hold_has_expiry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motive.name} — {self.start:%d/%m/%Y %H:%M}"

    @property
    def is_collective(self) -> bool:
        return self.motive.is_collective

    @property
    def is_cancelled(self) -> bool:
        return self.status in self.CANCELLED_STATUSES

    @property
    def occupies_agenda(self) -> bool:
        """Booked, honoured or no-show (see AppointmentQuerySet.busy)."""
        return self.status in self.BUSY_STATUSES


class Participant(models.Model):
    """A person attending an appointment. For a collective session, a registration with a numbered
    seat (the database refuses a seat above capacity or taken twice) or a place on the waiting list."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "Inscrit"
        WAITING = "waiting", "Liste d'attente"
        CANCELLED = "cancelled", "Désinscrit"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="participations")
    status = models.CharField("statut", max_length=12, choices=Status.choices, default=Status.REGISTERED)
    seat = models.PositiveIntegerField(null=True, blank=True)
    capacity = models.PositiveIntegerField(default=1)  # copy of the session's capacity, checked by the database
    registered_at = models.DateTimeField(auto_now_add=True)
    # The short personal link sent by SMS (links.short_manage_url): random, made on first use.
    short_code = models.CharField(max_length=16, unique=True, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "participant"
        ordering = ["registered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "person"], condition=~Q(status="cancelled"), name="participant_once_per_appointment"
            ),
            models.UniqueConstraint(
                fields=["appointment", "seat"], condition=Q(seat__isnull=False), name="participant_seat_taken_once"
            ),
            models.CheckConstraint(
                condition=Q(seat__isnull=True) | Q(seat__gte=1, seat__lte=F("capacity")), name="participant_seat_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(status="registered") | Q(seat__isnull=True), name="participant_only_registered_have_seats"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_status_display()}"


class AppointmentEvent(models.Model):
    """History of an appointment: who booked, moved, cancelled or marked it, and when."""

    class Kind(models.TextChoices):
        BOOKED = "booked", "Réservé"
        MOVED = "moved", "Déplacé"
        CANCELLED = "cancelled", "Annulé"
        OUTCOME = "outcome", "Statut modifié"
        SESSION_CREATED = "session_created", "Réunion programmée"
        REGISTERED = "registered", "Inscription"
        WAITING_LISTED = "waiting_listed", "Inscription en liste d'attente"
        UNREGISTERED = "unregistered", "Désinscription"
        PROMOTED = "promoted", "Sortie de liste d'attente"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor_label = models.CharField(max_length=254)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.label} {self.at:%d/%m/%Y %H:%M}"

    @property
    def label(self) -> str:
        return self.get_kind_display()
