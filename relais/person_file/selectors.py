"""A person's history across the domain apps, as a scope may see it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from relais.appointments.policies import appointment_content_visible, appointments_visible
from relais.appointments.selectors import person_appointments
from relais.exchanges.policies import exchange_content_visible
from relais.exchanges.selectors import ExchangeFilters, person_timeline
from relais.insertion.models import ProposalEvent
from relais.insertion.policies import profiles_visible, scope_insertion_organisation_ids
from relais.notifications.models import OutgoingMessage
from relais.people.models import Person
from relais.requests.policies import request_content_visible, requests_visible
from relais.requests.selectors import person_requests
from relais.territory.policies import AccessScope


def message_content_visible(scope: AccessScope, message: OutgoingMessage) -> bool:
    """The subject and text of a sensitive service's message (PMI) stay within the service;
    others see that a message was sent, when, and whether it arrived."""
    service = message.service
    return service is None or scope.may_read_content_of_service(service.pk, service.is_sensitive)


def messages_visible_filter(scope: AccessScope) -> Q:
    """A message follows what it was sent for: listed to whoever sees that appointment or request.
    A message with no such origin (sent before origins were recorded) is listed to nobody."""
    if scope.is_empty:
        return Q(pk__in=[])
    return Q(appointment__in=appointments_visible(scope).values("pk")) | Q(request__in=requests_visible(scope).values("pk"))


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a person's history: an exchange, an appointment or a message sent to them."""

    kind: str  # "exchange", "appointment", "request", "proposal" (a step towards a job) or "message"
    at: dt.datetime
    item: object
    content_visible: bool


def person_history(
    *, scope: AccessScope, person: Person, filters: ExchangeFilters | None = None, limit: int = 25
) -> tuple[list[TimelineEntry], bool]:
    """Exchanges, appointments, requests, steps of job proposals and messages sent, newest first, as
    the scope may see them.
    Returns the first `limit` entries and whether there are more."""
    filters = filters or ExchangeFilters()
    entries = [
        TimelineEntry("exchange", exchange.occurred_at, exchange, exchange_content_visible(scope, exchange))
        for exchange in person_timeline(scope=scope, person=person, filters=filters)[: limit + 1]
    ]
    if not filters.channel:
        appointments = person_appointments(scope=scope, person_id=person.pk)
        if filters.service_id:
            appointments = appointments.filter(motive__service_id=filters.service_id)
        entries += [
            TimelineEntry("appointment", appointment.start, appointment, appointment_content_visible(scope, appointment))
            for appointment in appointments[: limit + 1]
        ]
    if not filters.channel:
        requests = person_requests(scope=scope, person_id=person.pk)
        if filters.service_id:
            requests = requests.filter(service_id=filters.service_id)
        entries += [
            TimelineEntry("request", item.received_at, item, request_content_visible(scope, item))
            for item in requests[: limit + 1]
        ]
    if not filters.service_id and not filters.channel:
        entries += _proposal_steps(scope, person, limit)
    if not filters.service_id and filters.channel in ("", "email", "sms"):
        messages = (
            OutgoingMessage.objects.filter(messages_visible_filter(scope), person=person)
            .select_related("service")
            .order_by("-created_at")
        )
        if filters.channel:
            messages = messages.filter(channel=filters.channel)
        entries += [
            TimelineEntry(
                "message",
                message.created_at,
                message,
                message_content_visible(scope, message),
            )
            for message in messages[: limit + 1]
        ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit], len(entries) > limit


def _proposal_steps(scope: AccessScope, person: Person, limit: int) -> list[TimelineEntry]:
    """The steps of the person's job proposals. Whoever sees the person sees that a step happened;
    which offer and employer, only the insertion service of the département that follows them."""
    profiles = profiles_visible(scope).filter(person=person)
    readers_of = scope_insertion_organisation_ids(scope)
    steps = (
        ProposalEvent.objects.filter(proposal__profile__in=profiles)
        .select_related("proposal__offer__company", "proposal__offer__metier", "proposal__profile")
        .order_by("-at")[: limit + 1]
    )
    return [TimelineEntry("proposal", step.at, step, step.proposal.profile.organisation_id in readers_of) for step in steps]
