"""Calendar files (RFC 5545): one per appointment for the person, and a private feed per agenda."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vText

from relais.appointments.models import Appointment
from relais.appointments.places import appointment_place, site_address
from relais.appointments.policies import RESTRICTED_LABEL

PRODID = "-//Relais//Rendez-vous Yvelines Hauts-de-Seine//FR"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _location(appointment: Appointment) -> str:
    """Where the person goes: a visio-guichet at a France services point is held there (its address)."""
    place = appointment_place(appointment)
    return place.address or appointment.visio_url


def _agent_location(appointment: Appointment) -> str:
    """Where the agent works from: the visio link, else the site."""
    if appointment.visio_url:
        return appointment.visio_url
    return site_address(appointment.site) if appointment.site else ""


def _event(appointment: Appointment, summary: str, description: str, location: str) -> Event:
    event = Event()
    event.add("uid", f"{appointment.public_id}@relais")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", summary)
    event.add("sequence", appointment.version)
    event.add("status", "CANCELLED" if appointment.is_cancelled else "CONFIRMED")
    if location:
        event["location"] = vText(location)
    if description:
        event.add("description", description)
    return event


def appointment_ics(appointment: Appointment, *, restricted: bool = False) -> bytes:
    """The person's calendar file: what, when, where (or the visio link), and the instructions.
    `restricted`: downloaded by an agent outside a sensitive service, without its motive or instructions."""
    calendar = _calendar("Rendez-vous")
    calendar.add("method", "CANCEL" if appointment.is_cancelled else "PUBLISH")
    parts = [appointment.motive.service.name]
    place = appointment_place(appointment)
    if place.at_service_point:
        parts.append(
            f"Rendez-vous {place.sentence}. Présentez-vous à l'espace France services : l'équipe vous installe pour la visio."
        )
    if appointment.motive.instructions and not restricted:
        parts.append(appointment.motive.instructions)
    if appointment.visio_url:
        parts.append(f"Lien de la visio : {appointment.visio_url}")
    summary = RESTRICTED_LABEL if restricted else f"Rendez-vous : {appointment.motive.name}"
    calendar.add_component(_event(appointment, summary, "\n\n".join(parts), _location(appointment)))
    return calendar.to_ical()


def agenda_feed_ics(name: str, appointments: Iterable[Appointment]) -> bytes:
    """An agent's feed for Outlook or Thunderbird. It leaves Relais, so it names no person: the motive,
    the place and a link to the appointment in Relais (which requires logging in)."""
    calendar = _calendar(name)
    calendar.add("refresh-interval;value=duration", "PT15M")
    for appointment in appointments:
        count = (
            len(getattr(appointment, "visible_participants", [])) or appointment.participants.exclude(status="cancelled").count()
        )
        summary = appointment.title or appointment.motive.name
        if appointment.motive.is_collective:
            summary = f"{summary} ({count} inscrit{'s' if count > 1 else ''})"
        description = f"{settings.SITE_URL}/rendez-vous/{appointment.public_id}/"
        calendar.add_component(_event(appointment, summary, description, _agent_location(appointment)))
    return calendar.to_ical()


def feed_window(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    now = now or timezone.now()
    return now - dt.timedelta(days=30), now + dt.timedelta(days=180)
