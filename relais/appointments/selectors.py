"""Reads about appointments: free slots, agendas, calendars, sessions, indicators."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from relais.appointments.availability import epoch, raw_rows
from relais.appointments.calendar import PARIS
from relais.appointments.models import (
    Agenda,
    AgendaWindow,
    Appointment,
    AppointmentQuerySet,
    FreeSlot,
    Motive,
    OpeningPeriod,
    Participant,
)
from relais.appointments.policies import RESTRICTED_LABEL, appointments_visible
from relais.people.models import Person
from relais.people.policies import persons_visible_filter
from relais.territory.models import Agent, Commune, Membership, Organisation, Site
from relais.territory.policies import AccessScope
from relais.territory.selectors import commune_distance_km

SEARCH_HORIZON = dt.timedelta(days=183)
ONE_DAY = dt.timedelta(days=1)  # "next available" looks up to six months ahead
NEARBY_KM = 20.0


class Audience:
    """Who is searching: delays apply to the public and partners, not to the service's own agents."""

    AGENT = "agent"
    PARTNER = "partner"
    PUBLIC = "public"


class Slot(NamedTuple):
    """A free slot (a named tuple: searches build thousands of them)."""

    start: dt.datetime
    agenda_id: int
    end: dt.datetime
    site_id: int | None

    @property
    def local_start(self) -> dt.datetime:
        return self.start.astimezone(PARIS)


def booking_bounds(motive: Motive, audience: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The earliest and latest start the audience may book for this motive."""
    earliest = now
    if audience != Audience.AGENT:
        earliest = now + dt.timedelta(minutes=motive.min_booking_delay_minutes)
    latest = now + dt.timedelta(days=motive.max_booking_delay_days)
    return earliest, latest


def sites_near(commune: Commune, km: float = NEARBY_KM) -> list[tuple[int, float]]:
    """(site id, distance) of active sites within `km` of the commune's town hall, nearest first."""
    found = []
    for site in Site.objects.filter(is_active=True, commune__isnull=False).select_related("commune"):
        distance = commune_distance_km(commune, site.commune) if site.commune else None
        if distance is not None and distance <= km:
            found.append((site.pk, distance))
    return sorted(found, key=lambda pair: pair[1])


def motive_territory(motive: Motive) -> QuerySet[Commune]:
    """The communes whose inhabitants may book the motive: those it is restricted to; else those of
    the départements running its service (a département's organisation code is its number: the 92's
    reception is not for the 78, the shared adoption service is for both); for a partner's service,
    those of the départements where it is offered."""
    if motive.communes.exists():
        return motive.communes.all()
    departments = set(motive.service.organisations.filter(kind=Organisation.Kind.DEPARTEMENT).values_list("code", flat=True))
    if not departments:
        departments = set(
            OpeningPeriod.objects.filter(motives=motive, site__commune__isnull=False).values_list(
                "site__commune__department", flat=True
            )
        )
    territory = Commune.objects.filter(department__in=departments)
    return territory if territory.exists() else Commune.objects.all()


def free_slots(
    *,
    motive: Motive,
    start: dt.datetime,
    end: dt.datetime,
    audience: str = Audience.AGENT,
    site_ids: list[int] | None = None,
    agenda_ids: list[int] | None = None,
    now: dt.datetime | None = None,
    limit: int | None = None,
) -> list[Slot]:
    """Free slots for an individual motive between start and end, within the booking delays of the
    audience, sorted by start. Reads the precomputed availability and takes out live holds."""
    now = now or timezone.now()
    earliest, latest = booking_bounds(motive, audience, now)
    earliest, latest = max(earliest, start), min(latest, end)
    if earliest >= latest:
        return []
    slots = FreeSlot.objects.filter(motive=motive, start__gte=earliest, start__lte=latest, agenda__is_active=True)
    if site_ids is not None:
        slots = slots.filter(site_id__in=site_ids)
    if agenda_ids is not None:
        slots = slots.filter(agenda_id__in=agenda_ids)
    slots = slots.annotate(start_s=epoch("start"), blocked_s=epoch("blocked_until")).order_by("start", "agenda_id")
    held = _live_holds(now=now, start=earliest, end=latest, agenda_ids=agenda_ids)
    query = slots.values_list("start_s", "agenda_id", "site_id", "blocked_s")
    if limit and not held:
        query = query[:limit]
    rows = raw_rows(query)
    if held:
        rows = [row for row in rows if not any(h_start < row[3] and h_end > row[0] for h_start, h_end in held.get(row[1], ()))]
    if limit:
        rows = rows[:limit]
    step, from_ts, utc = dt.timedelta(minutes=motive.duration_minutes), dt.datetime.fromtimestamp, dt.UTC
    result = []
    for start_s, agenda_id, site_id, _ in rows:
        moment = from_ts(start_s, utc)
        result.append(Slot(moment, agenda_id, moment + step, site_id))
    return result


def _live_holds(
    *, now: dt.datetime, start: dt.datetime, end: dt.datetime, agenda_ids: list[int] | None
) -> dict[int, list[tuple[int, int]]]:
    """Slots held for online bookers right now, by agenda (a handful at any time)."""
    holds = Appointment.objects.live_holds(now).filter(start__lt=end + ONE_DAY, blocked_until__gt=start)
    if agenda_ids is not None:
        holds = holds.filter(agenda_id__in=agenda_ids)
    found: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for agenda_id, hold_start, hold_end in raw_rows(
        holds.annotate(s=epoch("start"), b=epoch("blocked_until")).values_list("agenda_id", "s", "b")
    ):
        found[agenda_id].append((hold_start, hold_end))
    return found


def next_free_slots(
    *, motive: Motive, after: dt.datetime | None = None, audience: str = Audience.AGENT, site_ids: list[int] | None = None,
    agenda_ids: list[int] | None = None, count: int = 5, now: dt.datetime | None = None,
) -> list[Slot]:  # fmt: skip
    """The first `count` free slots from `after`, looking up to six months ahead. The search window
    starts at one day and doubles, so a busy week is found quickly and an empty half-year in a few steps."""
    now = now or timezone.now()
    cursor = after or now
    horizon = now + SEARCH_HORIZON
    found: list[Slot] = []
    span = dt.timedelta(days=1)
    while cursor < horizon and len(found) < count:
        chunk_end = min(cursor + span, horizon)
        found += free_slots(
            motive=motive,
            start=cursor,
            end=chunk_end,
            audience=audience,
            site_ids=site_ids,
            agenda_ids=agenda_ids,
            now=now,
            limit=count - len(found),
        )
        cursor = chunk_end
        span = min(span * 2, dt.timedelta(days=30))
    return found[:count]


@dataclass(frozen=True)
class SlotPage:
    """A page of dates to search for free slots: the citizen's portal and the agents' booking page
    both show `days` days from a chosen date (`?du=YYYY-MM-DD`), with the pages before and after."""

    first_day: dt.date
    start: dt.datetime  # never in the past
    end: dt.datetime
    previous_from: dt.date | None  # None on the page that starts today
    next_from: dt.date


def slot_page(requested: str | None, *, days: int, default: dt.date | None = None, now: dt.datetime | None = None) -> SlotPage:
    """The page starting on the requested day (ISO date), else on `default`, else today."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_day = default or today
    for form in ("%Y-%m-%d", "%d/%m/%Y"):  # a browser without a date picker sends what was typed
        try:
            first_day = dt.datetime.strptime((requested or "").strip(), form).replace(tzinfo=PARIS).date()
            break
        except ValueError:
            continue
    first_day = max(first_day, today)
    start = max(now, dt.datetime.combine(first_day, dt.time.min, PARIS))
    after = first_day + dt.timedelta(days=days)
    previous = max(first_day - dt.timedelta(days=days), today) if first_day > today else None
    return SlotPage(
        first_day=first_day,
        start=start,
        end=dt.datetime.combine(after, dt.time.min, PARIS),
        previous_from=previous,
        next_from=after,
    )


def slot_is_free(*, motive: Motive, agenda: Agenda, start: dt.datetime, audience: str, now: dt.datetime | None = None) -> bool:
    slots = free_slots(
        motive=motive, start=start, end=start + dt.timedelta(minutes=1), audience=audience, agenda_ids=[agenda.pk], now=now
    )
    return any(slot.start == start for slot in slots)


def slot_refusal_reason(
    *, motive: Motive, agenda: Agenda, start: dt.datetime, audience: str, now: dt.datetime | None = None
) -> str | None:
    """Why a start is not bookable, in French, or None if it is (availability is checked by the caller)."""
    now = now or timezone.now()
    earliest, latest = booking_bounds(motive, audience, now)
    if start < now:
        return "Ce créneau est déjà passé."
    if start < earliest:
        hours = motive.min_booking_delay_minutes / 60
        return f"Ce motif se réserve au moins {hours:g} heure{'s' if hours >= 2 else ''} à l'avance."
    if start > latest:
        return f"Ce motif se réserve au plus {motive.max_booking_delay_days} jours à l'avance."
    end = start + dt.timedelta(minutes=motive.duration_minutes)
    inside = AgendaWindow.objects.filter(agenda=agenda, opening__motives=motive, start__lte=start, end__gte=end).exists()
    if not inside:
        return "Ce créneau est en dehors des plages d'ouverture de l'agenda pour ce motif."
    # Only the starts the agenda offers (its slot grid, which resumes after each appointment): a hold
    # at 09:07 would otherwise straddle the 09:00 and 09:30 slots and take both from everyone.
    # A start the grid offered but someone just booked is reported as taken by the caller, with the
    # next free slots.
    if not FreeSlot.objects.filter(agenda=agenda, motive=motive, start=start).exists() and not _overlaps_a_booking(
        agenda, start, end + dt.timedelta(minutes=motive.buffer_minutes)
    ):
        return "Cet horaire ne fait pas partie des créneaux proposés : choisissez l'une des heures affichées."
    return None


def _overlaps_a_booking(agenda: Agenda, start: dt.datetime, blocked_until: dt.datetime) -> bool:
    return Appointment.objects.busy().filter(agenda=agenda, start__lt=blocked_until, blocked_until__gt=start).exists()


def motives_bookable(audience: str) -> QuerySet[Motive]:
    kinds = {
        Audience.PUBLIC: ["public"],
        Audience.PARTNER: ["public", "agents_and_partners"],
        Audience.AGENT: ["public", "agents_and_partners", "agents"],
    }[audience]
    return Motive.objects.filter(is_active=True, bookable_by__in=kinds).select_related("service")


def motive_get(*, public_id: uuid.UUID | str, audience: str) -> Motive:
    try:
        return motives_bookable(audience).get(public_id=public_id)
    except (Motive.DoesNotExist, ValidationError, ValueError):
        raise Http404("Motif inconnu.") from None


def appointment_get(*, scope: AccessScope, public_id: uuid.UUID | str) -> Appointment:
    try:
        return (
            appointments_visible(scope)
            .select_related("motive__service", "agenda", "site", "booked_from_site")
            .get(public_id=public_id)
        )
    except (Appointment.DoesNotExist, ValidationError, ValueError):
        raise Http404("Rendez-vous introuvable.") from None


def appointments_between(
    *, scope: AccessScope, start: dt.datetime, end: dt.datetime, agenda_ids: list[int] | None = None, site_id: int | None = None,
    service_id: int | None = None, include_cancelled: bool = False,
) -> AppointmentQuerySet:  # fmt: skip
    queryset = appointments_visible(scope).real().filter(start__lt=end, end__gt=start)
    if not include_cancelled:
        queryset = queryset.not_cancelled()
    if agenda_ids is not None:
        queryset = queryset.filter(agenda_id__in=agenda_ids)
    if site_id:
        queryset = queryset.filter(site_id=site_id)
    if service_id:
        queryset = queryset.filter(motive__service_id=service_id)
    return (
        queryset.select_related("motive__service", "agenda", "site")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.exclude(status="cancelled")
                .filter(persons_visible_filter(scope, "person_id"))
                .select_related("person"),
                to_attr="visible_participants",
            )
        )
        .order_by("start")
    )


def visible_participants(appointment: Appointment) -> list[Participant]:
    return list(getattr(appointment, "visible_participants", []))


def persons_shown(appointments: Iterable[Appointment]) -> list[Person]:
    """The persons a list of appointments names to its reader (for the access log)."""
    return [participant.person for appointment in appointments for participant in visible_participants(appointment)]


def person_appointments(*, scope: AccessScope, person_id: int) -> AppointmentQuerySet:
    return (
        appointments_visible(scope)
        .real()
        .filter(participants__person_id=person_id)
        .select_related("motive__service", "agenda", "site")
        .distinct()
        .order_by("-start")
    )


def collective_sessions_open(*, motive: Motive, after: dt.datetime, until: dt.datetime) -> QuerySet[Appointment]:
    """Collective sessions of a motive still to come, with their registration counts."""
    return (
        Appointment.objects.filter(motive=motive, status="booked", start__gte=after, start__lt=until)
        .annotate(registered=Count("participants", filter=Q(participants__status="registered")))
        .select_related("site", "agenda")
        .order_by("start")
    )


@dataclass(frozen=True)
class IndicatorRow:
    label: str
    total: int
    honoured: int
    no_show: int
    cancelled: int

    @property
    def no_show_rate(self) -> float | None:
        """No-shows among appointments whose outcome is known (honoured or no-show)."""
        known = self.honoured + self.no_show
        return self.no_show / known if known else None


def appointment_indicators(*, scope: AccessScope, start: dt.date, end: dt.date, group_by: str) -> list[IndicatorRow]:
    """Appointments by motive, site or status over [start, end], with the no-show rate."""
    field = {"motive": "motive__name", "site": "site__name", "service": "motive__service__name", "status": "status"}[group_by]
    queryset = (
        appointments_visible(scope)
        .filter(
            start__gte=dt.datetime.combine(start, dt.time.min, PARIS),
            start__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, PARIS),
        )
        .real()
    )
    # A sensitive service's motives are named to its members only; others count them under a neutral label.
    grouping = [field, "motive__service_id", "motive__service__is_sensitive"] if group_by == "motive" else [field]
    rows = (
        queryset.values(*grouping)
        .annotate(
            total=Count("pk"),
            honoured=Count("pk", filter=Q(status="honoured")),
            no_show=Count("pk", filter=Q(status="no_show")),
            cancelled=Count("pk", filter=Q(status__in=Appointment.CANCELLED_STATUSES)),
        )
        .order_by("-total")
    )
    labels = dict(Appointment.Status.choices)
    counts: dict[str, list[int]] = {}
    for row in rows:
        if group_by == "motive" and not scope.may_read_content_of_service(
            row["motive__service_id"], row["motive__service__is_sensitive"]
        ):
            label = RESTRICTED_LABEL
        else:
            label = (labels.get(row[field], row[field]) if group_by == "status" else row[field]) or "Sans lieu"
        figures = counts.setdefault(label, [0, 0, 0, 0])
        for index, name in enumerate(("total", "honoured", "no_show", "cancelled")):
            figures[index] += row[name]
    result = [IndicatorRow(label, *figures) for label, figures in counts.items()]
    return sorted(result, key=lambda row: -row.total)


def agent_service_point(agent: Agent) -> Site | None:
    """The France services point where the agent usually works (a mediator's), if any."""
    membership = (
        Membership.objects.filter(agent=agent, is_active=True, site__kind=Site.Kind.SERVICE_POINT, site__is_active=True)
        .select_related("site")
        .order_by("pk")
        .first()
    )
    return membership.site if membership else None


def agendas_visible(scope: AccessScope) -> QuerySet[Agenda]:
    return Agenda.objects.filter(is_active=True, organisation_id__in=scope.organisation_ids).select_related(
        "agent", "site", "service"
    )


@dataclass
class SiteDay:
    """A day's appointments at a site: those received there, and the partners' visio-guichets booked
    from it (a France services point hosts the person while the partner receives them remotely)."""

    site: Site | None
    appointments: list[Appointment]
    partner_visits: list[Appointment]


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, PARIS)
    return start, start + dt.timedelta(days=1)


def agent_usual_site_id(agent: Agent) -> int | None:
    return agent.memberships.filter(is_active=True, site__isnull=False).values_list("site_id", flat=True).first()


def site_day(*, scope: AccessScope, site: Site | None, day: dt.date) -> SiteDay:
    if site is None:
        return SiteDay(site=None, appointments=[], partner_visits=[])
    start, end = _day_bounds(day)
    partner_visits = []
    if site.kind == Site.Kind.SERVICE_POINT:
        partner_visits = list(
            Appointment.objects.real()
            .filter(booked_from_site=site, start__gte=start, start__lt=end)
            .select_related("motive__service", "agenda")
            .order_by("start")
        )
    return SiteDay(
        site=site,
        appointments=list(appointments_between(scope=scope, start=start, end=end, site_id=site.pk)),
        partner_visits=partner_visits,
    )


def agent_day(*, scope: AccessScope, agent: Agent, day: dt.date) -> list[Appointment]:
    """The appointments of the agent's own agendas that day, wherever they take place."""
    start, end = _day_bounds(day)
    agenda_ids = list(Agenda.objects.filter(agent=agent).values_list("pk", flat=True))
    return list(appointments_between(scope=scope, start=start, end=end, agenda_ids=agenda_ids))
