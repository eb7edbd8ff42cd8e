"""Every write about appointments: openings and absences (with their precomputed windows), booking,
holding a slot for an online booker, moving, cancelling, outcomes, collective sessions.

No double booking: on PostgreSQL an exclusion constraint refuses overlapping live appointments on an
agenda (migration 0002); everywhere, the booking re-checks inside its transaction — on SQLite that
transaction holds the write lock from its start (IMMEDIATE), so two bookings cannot interleave.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from relais.appointments import workflow
from relais.appointments.availability import refresh_for_appointment, refresh_free_slots, refresh_whole_agenda
from relais.appointments.calendar import PARIS, AbsenceSpan, Opening, windows_for
from relais.appointments.models import (
    Absence,
    Agenda,
    AgendaWindow,
    Appointment,
    AppointmentEvent,
    FreeSlot,
    Motive,
    OpeningPeriod,
    Participant,
)
from relais.appointments.policies import may_book_motive, may_manage_agenda, may_manage_appointment
from relais.appointments.selectors import Audience, Slot, next_free_slots, slot_refusal_reason
from relais.appointments.visio import visio_provider
from relais.people.models import Person
from relais.people.services import person_link_organisation
from relais.territory.models import Site
from relais.territory.policies import AccessScope

SLOT_TAKEN_MESSAGE = "Ce créneau vient d'être réservé."


class SlotTaken(Exception):
    """The slot was taken by someone else; carries the next free slots to offer instead."""

    def __init__(self, next_slots: list[Slot]) -> None:
        self.next_slots = next_slots
        super().__init__(SLOT_TAKEN_MESSAGE)


@dataclass(frozen=True)
class Actor:
    """Who acts: an agent (with their scope), an integration, or a citizen online."""

    label: str
    audience: str
    scope: AccessScope | None = None
    agent_id: int | None = None
    api_token_id: int | None = None

    @classmethod
    def citizen(cls) -> Actor:
        return cls(label="Usager (en ligne)", audience=Audience.PUBLIC)

    @classmethod
    def for_scope(cls, scope: AccessScope, motive: Motive | None = None) -> Actor:
        audience = Audience.AGENT if motive is not None and motive.service_id in scope.loggable_service_ids else Audience.PARTNER
        return cls(label=scope.label, audience=audience, scope=scope, agent_id=scope.agent_id, api_token_id=scope.api_token_id)


def _event(appointment: Appointment, kind: AppointmentEvent.Kind, actor: Actor, **details: object) -> None:
    AppointmentEvent.objects.create(appointment=appointment, kind=kind, actor_label=actor.label, details=details)


def _change_status(appointment: Appointment, to_status: Appointment.Status) -> None:
    """Set the new status if the lifecycle (workflow.TRANSITIONS) allows it; else TransitionRefused."""
    workflow.check(appointment.status, to_status)
    appointment.status = to_status


# --- Openings, absences and their windows ---------------------------------------------------


def agenda_rebuild_windows(agenda: Agenda, *, today: dt.date | None = None) -> int:
    """Recompute the agenda's open windows from today over the booking horizon. Returns their count."""
    today = today or timezone.localdate()
    last_day = today + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS)
    periods = list(agenda.openings.all())
    openings = [
        Opening(
            id=p.pk,
            weekdays=frozenset(p.weekdays),
            start_time=p.start_time,
            end_time=p.end_time,
            every_n_weeks=p.every_n_weeks,
            valid_from=p.valid_from,
            valid_until=p.valid_until,
            open_on_holidays=p.open_on_holidays,
        )
        for p in periods
    ]
    absences = [AbsenceSpan(a.starts_at, a.ends_at, a.repeat_weekly_until) for a in agenda.absences.all()]
    site_of = {p.pk: p.site_id for p in periods}
    start_of_today = dt.datetime.combine(today, dt.time.min, PARIS)
    AgendaWindow.objects.filter(agenda=agenda, end__gt=start_of_today).delete()
    windows = [
        AgendaWindow(agenda=agenda, opening_id=opening_id, site_id=site_of[opening_id], start=start, end=end)
        for opening_id, start, end in windows_for(openings, absences, today, last_day)
    ]
    AgendaWindow.objects.bulk_create(windows, batch_size=2000)
    FreeSlot.objects.filter(agenda=agenda, start__lt=start_of_today).delete()
    refresh_whole_agenda(agenda, today, last_day)
    return len(windows)


def _check_manage(scope: AccessScope, agenda: Agenda) -> None:
    if not may_manage_agenda(scope, agenda):
        raise PermissionDenied("Seuls les membres du service peuvent gérer cet agenda.")


@transaction.atomic
def opening_save(
    *,
    scope: AccessScope,
    agenda: Agenda,
    motives: Sequence[Motive],
    weekdays: Sequence[int],
    start_time: dt.time,
    end_time: dt.time,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    every_n_weeks: int = 1,
    site: Site | None = None,
    open_on_holidays: bool = False,
    opening: OpeningPeriod | None = None,
) -> OpeningPeriod:
    _check_manage(scope, agenda)
    errors: dict[str, list[str]] = {}
    if not weekdays or any(day not in range(7) for day in weekdays):
        errors["weekdays"] = ["Choisissez au moins un jour de la semaine."]
    if start_time >= end_time:
        errors["end_time"] = ["L'heure de fin doit suivre l'heure de début."]
    if valid_until and valid_until < valid_from:
        errors["valid_until"] = ["La fin de validité précède son début."]
    if not motives:
        errors["motives"] = ["Choisissez au moins un motif."]
    elif any(motive.service_id != agenda.service_id for motive in motives):
        errors["motives"] = ["Un motif choisi n'appartient pas au service de l'agenda."]
    if errors:
        raise ValidationError(errors)
    opening = opening or OpeningPeriod(agenda=agenda)
    opening.site = site if site is not None else agenda.site
    opening.weekdays = sorted(set(weekdays))
    opening.start_time, opening.end_time = start_time, end_time
    opening.valid_from, opening.valid_until = valid_from, valid_until
    opening.every_n_weeks = every_n_weeks
    opening.open_on_holidays = open_on_holidays
    opening.save()
    opening.motives.set(motives)
    agenda_rebuild_windows(agenda)
    return opening


@transaction.atomic
def opening_delete(*, scope: AccessScope, opening: OpeningPeriod) -> None:
    _check_manage(scope, opening.agenda)
    agenda = opening.agenda
    opening.delete()
    agenda_rebuild_windows(agenda)


@transaction.atomic
def absence_save(
    *, scope: AccessScope, agenda: Agenda, starts_at: dt.datetime, ends_at: dt.datetime, reason: str = "",
    repeat_weekly_until: dt.date | None = None, absence: Absence | None = None,
) -> Absence:  # fmt: skip
    _check_manage(scope, agenda)
    if starts_at >= ends_at:
        raise ValidationError({"ends_at": ["La fin de l'absence doit suivre son début."]})
    absence = absence or Absence(agenda=agenda)
    absence.starts_at, absence.ends_at, absence.reason, absence.repeat_weekly_until = (
        starts_at,
        ends_at,
        reason,
        repeat_weekly_until,
    )
    absence.save()
    agenda_rebuild_windows(agenda)
    return absence


@transaction.atomic
def absence_delete(*, scope: AccessScope, absence: Absence) -> None:
    _check_manage(scope, absence.agenda)
    agenda = absence.agenda
    absence.delete()
    agenda_rebuild_windows(agenda)


# --- Booking --------------------------------------------------------------------------------


def _release_expired_holds(agenda: Agenda, start: dt.datetime, blocked_until: dt.datetime, now: dt.datetime) -> None:
    """An expired hold still sits in the table: mark it expired so the exclusion constraint forgets it."""
    Appointment.objects.expired_holds(now).filter(agenda=agenda, start__lt=blocked_until, blocked_until__gt=start).update(
        status=Appointment.Status.EXPIRED
    )


def _overlap_exists(
    agenda: Agenda, start: dt.datetime, blocked_until: dt.datetime, now: dt.datetime, exclude_pk: int | None = None
) -> bool:
    clashing = Appointment.objects.live(now).filter(agenda=agenda, start__lt=blocked_until, blocked_until__gt=start)
    if exclude_pk:
        clashing = clashing.exclude(pk=exclude_pk)
    return clashing.exists()


def _slot_taken(motive: Motive, agenda: Agenda, start: dt.datetime, audience: str) -> SlotTaken:
    return SlotTaken(next_free_slots(motive=motive, after=start, audience=audience, agenda_ids=None, count=5))


def _insert_without_overlap(appointment: Appointment, now: dt.datetime) -> None:
    """Re-check, then insert in a savepoint: on PostgreSQL a concurrent booking that slipped
    between the check and the insert is refused by the exclusion constraint."""
    _release_expired_holds(appointment.agenda, appointment.start, appointment.blocked_until, now)
    if _overlap_exists(appointment.agenda, appointment.start, appointment.blocked_until, now, exclude_pk=appointment.pk):
        raise _slot_taken(appointment.motive, appointment.agenda, appointment.start, Audience.AGENT)
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        if "appointment_no_overlap" in str(exc):
            raise _slot_taken(appointment.motive, appointment.agenda, appointment.start, Audience.AGENT) from exc
        raise


def _validate_slot(motive: Motive, agenda: Agenda, start: dt.datetime, audience: str, now: dt.datetime) -> None:
    if timezone.is_naive(start):
        raise ValidationError({"start": ["L'heure du rendez-vous doit porter un fuseau horaire."]})
    if not motive.is_active:
        raise ValidationError({"motive": ["Ce motif n'est plus proposé."]})
    if motive.is_collective:
        raise ValidationError({"motive": ["Ce motif est une réunion collective : inscrivez la personne à une session."]})
    if not agenda.is_active:
        raise ValidationError({"agenda": ["Cet agenda n'est plus ouvert."]})
    reason = slot_refusal_reason(motive=motive, agenda=agenda, start=start, audience=audience, now=now)
    if reason:
        raise ValidationError({"start": [reason]})


def _new_appointment(motive: Motive, agenda: Agenda, start: dt.datetime, site: Site | None) -> Appointment:
    end = start + dt.timedelta(minutes=motive.duration_minutes)
    window = AgendaWindow.objects.filter(agenda=agenda, opening__motives=motive, start__lte=start, end__gte=end).first()
    appointment = Appointment(
        motive=motive, agenda=agenda, site=site or (window.site if window else agenda.site), start=start, end=end,
        blocked_until=end + dt.timedelta(minutes=motive.buffer_minutes),
    )  # fmt: skip
    if motive.is_visio:
        appointment.visio_url = visio_provider().meeting_url(appointment)
    return appointment


def _attach_persons(appointment: Appointment, persons: Sequence[Person]) -> None:
    Participant.objects.bulk_create([Participant(appointment=appointment, person=person) for person in persons])
    for person in persons:
        # The agenda's organisation (a partner, for a visio-guichet) now deals with the person.
        person_link_organisation(person=person, organisation_id=appointment.agenda.organisation_id)
        if appointment.booked_from_site is not None:
            person_link_organisation(person=person, organisation_id=appointment.booked_from_site.organisation_id)


@transaction.atomic
def appointment_book(
    *,
    motive: Motive,
    agenda: Agenda,
    start: dt.datetime,
    persons: Sequence[Person],
    actor: Actor,
    booked_from_site: Site | None = None,
    notes: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """Book a slot for the persons. Raises ValidationError (with the reason) or SlotTaken."""
    now = now or timezone.now()
    if actor.scope is not None and not may_book_motive(actor.scope, motive):
        raise PermissionDenied("Vous ne pouvez pas réserver ce motif.")
    if actor.scope is None and motive.bookable_by != Motive.BookableBy.PUBLIC:
        raise PermissionDenied("Ce motif ne se réserve pas en ligne.")
    if not persons:
        raise ValidationError({"persons": ["Indiquez pour qui est le rendez-vous."]})
    _validate_slot(motive, agenda, start, actor.audience, now)
    appointment = _new_appointment(motive, agenda, start, None)
    appointment.booked_by_id = actor.agent_id
    appointment.booked_by_token_id = actor.api_token_id
    appointment.booked_online = actor.audience == Audience.PUBLIC
    appointment.booked_from_site = booked_from_site
    appointment.notes = notes
    _insert_without_overlap(appointment, now)
    refresh_for_appointment(appointment)
    _attach_persons(appointment, persons)
    _event(appointment, AppointmentEvent.Kind.BOOKED, actor, start=start.isoformat())
    _notify(appointment, "confirmation")
    return appointment


class TooManyHolds(Exception):
    """One client address already holds as many slots as it may: it finishes or drops one first."""


@transaction.atomic
def appointment_hold(
    *, motive: Motive, agenda: Agenda, start: dt.datetime, owner: str = "", now: dt.datetime | None = None
) -> Appointment:
    """Hold a slot for an online booker while they fill in the form; nobody else can take it until it
    expires. `owner` (a pseudonym of the client's address) caps the holds one client keeps alive."""
    now = now or timezone.now()
    if motive.bookable_by != Motive.BookableBy.PUBLIC:
        raise PermissionDenied("Ce motif ne se réserve pas en ligne.")
    _validate_slot(motive, agenda, start, Audience.PUBLIC, now)
    if owner and live_holds_of(owner, now).count() >= settings.ONLINE_HOLDS_PER_ADDRESS:
        raise TooManyHolds(
            "Plusieurs créneaux sont déjà réservés depuis votre connexion. Terminez ces réservations ou attendez "
            f"{settings.ONLINE_HOLD_MINUTES} minutes qu'elles expirent, puis choisissez de nouveau."
        )
    appointment = _new_appointment(motive, agenda, start, None)
    appointment.hold_owner = owner
    appointment.status = Appointment.Status.HELD
    appointment.hold_expires_at = now + dt.timedelta(minutes=settings.ONLINE_HOLD_MINUTES)
    appointment.booked_online = True
    try:
        _insert_without_overlap(appointment, now)
    except SlotTaken as taken:
        raise SlotTaken(next_free_slots(motive=motive, after=start, audience=Audience.PUBLIC, count=5)) from taken
    return appointment


class HoldExpired(Exception):
    pass


def live_holds_of(owner: str, now: dt.datetime) -> QuerySet[Appointment]:
    return Appointment.objects.live_holds(now).filter(hold_owner=owner)


def holds_release(*, public_ids: Sequence[str], now: dt.datetime | None = None) -> int:
    """Give back holds a visitor no longer needs (they chose another slot): free for everyone at once."""
    now = now or timezone.now()
    return Appointment.objects.live_holds(now).filter(public_id__in=public_ids).update(status=Appointment.Status.EXPIRED)


def _check_online_bookings_of(persons: Sequence[Person], now: dt.datetime) -> None:
    """A person books a handful of upcoming appointments online, not a whole agenda."""
    for person in persons:
        upcoming = Appointment.objects.filter(
            booked_online=True, status=Appointment.Status.BOOKED, start__gt=now, participants__person=person,
            participants__status=Participant.Status.REGISTERED,
        ).count()  # fmt: skip
        if upcoming >= settings.ONLINE_BOOKINGS_PER_PERSON:
            raise ValidationError({
                NON_FIELD_ERRORS: [
                    f"Vous avez déjà {upcoming} rendez-vous à venir pris en ligne : c'est le maximum. Pour en changer, "
                    "utilisez le lien personnel reçu avec leur confirmation ; pour un autre besoin, appelez le service."
                ]
            })  # fmt: skip


@transaction.atomic
def appointment_confirm_hold(*, hold: Appointment, persons: Sequence[Person], now: dt.datetime | None = None) -> Appointment:
    """Turn a citizen's hold into a booking, if it has not expired (or been taken back meanwhile)."""
    now = now or timezone.now()
    hold = Appointment.objects.select_for_update().select_related("motive", "agenda").get(pk=hold.pk)
    if hold.status == Appointment.Status.BOOKED:
        return hold  # the form was submitted twice: one appointment
    if hold.status != Appointment.Status.HELD or (hold.hold_expires_at and hold.hold_expires_at <= now):
        raise HoldExpired("Le créneau n'a été réservé pour vous que dix minutes : choisissez-en un autre.")
    _check_online_bookings_of(persons, now)
    _change_status(hold, Appointment.Status.BOOKED)
    hold.hold_expires_at = None
    hold.save(update_fields=["status", "hold_expires_at", "updated_at"])
    refresh_for_appointment(hold)
    _attach_persons(hold, persons)
    _event(hold, AppointmentEvent.Kind.BOOKED, Actor.citizen(), start=hold.start.isoformat(), online=True)
    _notify(hold, "confirmation")
    return hold


def appointments_release_expired_holds(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return Appointment.objects.expired_holds(now).update(status=Appointment.Status.EXPIRED)


def _check_can_change(actor: Actor, appointment: Appointment) -> None:
    if actor.scope is not None and not may_manage_appointment(actor.scope, appointment):
        raise PermissionDenied("Vous ne pouvez pas modifier ce rendez-vous.")
    if appointment.status != Appointment.Status.BOOKED:
        raise ValidationError(
            f"Ce rendez-vous est « {appointment.get_status_display().lower()} » : il ne peut plus être modifié."
        )


@transaction.atomic
def appointment_move(
    *, appointment: Appointment, start: dt.datetime, actor: Actor, agenda: Agenda | None = None, now: dt.datetime | None = None
) -> Appointment:
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().select_related("motive", "agenda").get(pk=appointment.pk)
    _check_can_change(actor, appointment)
    if appointment.start <= now:
        raise ValidationError("Un rendez-vous commencé ou passé ne peut pas être déplacé.")
    target_agenda = agenda or appointment.agenda
    _validate_slot(appointment.motive, target_agenda, start, actor.audience, now)
    previous, previous_agenda = appointment.start, appointment.agenda
    moved = _new_appointment(appointment.motive, target_agenda, start, None)
    appointment.agenda, appointment.start, appointment.end = target_agenda, moved.start, moved.end
    appointment.blocked_until, appointment.site = moved.blocked_until, moved.site
    appointment.version = F("version") + 1
    appointment.reminder_sent_at = None
    _insert_without_overlap(appointment, now)
    appointment.refresh_from_db()
    refresh_for_appointment(appointment, previous)
    if previous_agenda.pk != target_agenda.pk:
        refresh_free_slots(previous_agenda, [previous.astimezone(PARIS).date()])
    _event(appointment, AppointmentEvent.Kind.MOVED, actor, previous=previous.isoformat(), start=start.isoformat())
    _notify(appointment, "change")
    return appointment


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, actor: Actor, by_person: bool, reason: str = "") -> Appointment:
    appointment = Appointment.objects.select_for_update().select_related("motive", "agenda").get(pk=appointment.pk)
    _check_can_change(actor, appointment)
    if not by_person and not reason.strip():
        raise ValidationError({"reason": ["Indiquez le motif de l'annulation : il sera communiqué à l'usager."]})
    _change_status(appointment, Appointment.Status.CANCELLED_BY_PERSON if by_person else Appointment.Status.CANCELLED_BY_AGENCY)
    appointment.cancel_reason = reason.strip()
    appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
    refresh_for_appointment(appointment)
    _event(appointment, AppointmentEvent.Kind.CANCELLED, actor, by_person=by_person, reason=reason)
    _notify(appointment, "cancellation")
    return appointment


@transaction.atomic
def appointment_set_outcome(
    *, appointment: Appointment, status: str, actor: Actor, now: dt.datetime | None = None
) -> Appointment:
    """Honoured or no-show, once the appointment has started (or back to booked to correct a mistake)."""
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().select_related("motive", "agenda").get(pk=appointment.pk)
    if actor.scope is None or not may_manage_agenda(actor.scope, appointment.agenda):
        raise PermissionDenied("Seul le service qui reçoit peut indiquer si le rendez-vous a été honoré.")
    if status not in workflow.OUTCOMES:
        raise ValidationError({"status": ["Statut inconnu."]})
    if appointment.status not in workflow.OUTCOMES:
        raise ValidationError("Un rendez-vous annulé ne peut pas être marqué honoré ou non honoré.")
    if status != Appointment.Status.BOOKED and appointment.start > now:
        raise ValidationError("Un rendez-vous à venir ne peut pas encore être marqué honoré ou non honoré.")
    previous = appointment.status
    if status != previous:  # recording the same outcome again is harmless (and logged)
        _change_status(appointment, Appointment.Status(status))
    appointment.save(update_fields=["status", "updated_at"])
    _event(appointment, AppointmentEvent.Kind.OUTCOME, actor, previous=previous, status=status)
    return appointment


# --- Collective sessions --------------------------------------------------------------------


@transaction.atomic
def session_create(
    *, motive: Motive, agenda: Agenda, start: dt.datetime, actor: Actor, capacity: int | None = None, title: str = "", site: Site | None = None,
    now: dt.datetime | None = None,
) -> Appointment:  # fmt: skip
    now = now or timezone.now()
    if actor.scope is None or not may_manage_agenda(actor.scope, agenda):
        raise PermissionDenied("Seuls les membres du service peuvent créer une réunion.")
    if not motive.is_collective:
        raise ValidationError({"motive": ["Ce motif n'est pas une réunion collective."]})
    if start <= now:
        raise ValidationError({"start": ["Une réunion se programme dans le futur."]})
    session = _new_appointment(motive, agenda, start, site)
    session.capacity = capacity or motive.default_capacity
    session.title = title or motive.name
    session.booked_by_id = actor.agent_id
    _insert_without_overlap(session, now)
    refresh_for_appointment(session)
    _event(session, AppointmentEvent.Kind.SESSION_CREATED, actor, capacity=session.capacity)
    return session


@dataclass(frozen=True)
class Registration:
    participant: Participant
    waiting: bool


@transaction.atomic
def session_register(*, session: Appointment, person: Person, actor: Actor) -> Registration:
    """Register the person on a free seat, or on the waiting list when the session is full.

    The session row is locked; on PostgreSQL a concurrent registration that still picked the same
    seat is refused by the unique (session, seat) constraint and retried on the next seat.
    """
    session = Appointment.objects.select_for_update().select_related("motive", "agenda").get(pk=session.pk)
    if actor.scope is not None and not may_book_motive(actor.scope, session.motive):
        raise PermissionDenied("Vous ne pouvez pas inscrire à cette réunion.")
    if actor.scope is None and session.motive.bookable_by != Motive.BookableBy.PUBLIC:
        raise PermissionDenied("Cette réunion ne s'ouvre pas aux inscriptions en ligne.")
    if session.status != Appointment.Status.BOOKED or session.start <= timezone.now():
        raise ValidationError("Les inscriptions à cette réunion sont closes.")
    if session.participants.filter(person=person).exclude(status=Participant.Status.CANCELLED).exists():
        raise ValidationError("Cette personne est déjà inscrite (ou en liste d'attente).")
    for _ in range(3):
        taken = set(session.participants.filter(seat__isnull=False).values_list("seat", flat=True))
        free = [seat for seat in range(1, session.capacity + 1) if seat not in taken]
        participant = Participant(appointment=session, person=person, capacity=session.capacity)
        if free:
            participant.seat, participant.status = free[0], Participant.Status.REGISTERED
        else:
            participant.status = Participant.Status.WAITING
        try:
            with transaction.atomic():
                participant.save()
            break
        except IntegrityError:
            continue
    else:
        raise ValidationError("Inscription impossible pour le moment : réessayez.")
    person_link_organisation(person=person, organisation_id=session.agenda.organisation_id)
    waiting = participant.status == Participant.Status.WAITING
    kind = AppointmentEvent.Kind.WAITING_LISTED if waiting else AppointmentEvent.Kind.REGISTERED
    _event(session, kind, actor, person=str(person.public_id))
    if not waiting:
        _notify(session, "confirmation", persons=[person])
    return Registration(participant=participant, waiting=waiting)


@transaction.atomic
def session_unregister(*, participant: Participant, actor: Actor) -> Participant | None:
    """Free the seat; the first person on the waiting list takes it. Returns the promoted participant."""
    session = Appointment.objects.select_for_update().select_related("motive", "agenda").get(pk=participant.appointment_id)
    participant = Participant.objects.get(pk=participant.pk)
    if participant.status == Participant.Status.CANCELLED:
        return None
    freed_seat = participant.seat
    participant.status, participant.seat = Participant.Status.CANCELLED, None
    participant.save(update_fields=["status", "seat"])
    _event(session, AppointmentEvent.Kind.UNREGISTERED, actor, person=str(participant.person.public_id))
    if freed_seat is None:
        return None
    promoted = session.participants.filter(status=Participant.Status.WAITING).order_by("registered_at", "pk").first()
    if promoted is None:
        return None
    promoted.status, promoted.seat = Participant.Status.REGISTERED, freed_seat
    promoted.save(update_fields=["status", "seat"])
    _event(session, AppointmentEvent.Kind.PROMOTED, actor, person=str(promoted.person.public_id))
    _notify(session, "confirmation", persons=[promoted.person])
    return promoted


def _notify(appointment: Appointment, kind: str, persons: Sequence[Person] | None = None) -> None:
    from relais.appointments.notifications import appointment_notify

    appointment_notify(appointment, kind, persons=persons)
