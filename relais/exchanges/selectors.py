"""Reads about exchanges: timelines, lists, follow-ups and exports, always within a scope."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from relais.exchanges.models import Exchange, ExchangePerson, Topic
from relais.exchanges.policies import exchange_content_visible, exchanges_visible
from relais.people.models import Person
from relais.people.policies import persons_visible_filter
from relais.territory.models import Agent, Service
from relais.territory.policies import AccessScope


@dataclass(frozen=True)
class ExchangeFilters:
    channel: str = ""
    service_id: int | None = None
    agent_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    with_open_follow_up: bool = False


def _base(scope: AccessScope) -> QuerySet[Exchange]:
    return exchanges_visible(scope).select_related("service", "organisation", "site", "agent", "topic", "api_token")


def _with_visible_persons(queryset: QuerySet[Exchange], scope: AccessScope) -> QuerySet[Exchange]:
    return queryset.prefetch_related(
        Prefetch(
            "person_links",
            queryset=ExchangePerson.objects.filter(persons_visible_filter(scope, "person_id")).select_related("person"),
            to_attr="visible_person_links",
        ),
        "attachments",
    )


def exchange_visible_persons(exchange: Exchange) -> list[Person]:
    """The persons of an exchange the scope may see (prefetched by the selectors of this module)."""
    return [link.person for link in getattr(exchange, "visible_person_links", [])]


def _apply(queryset: QuerySet[Exchange], filters: ExchangeFilters) -> QuerySet[Exchange]:
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.service_id:
        queryset = queryset.filter(service_id=filters.service_id)
    if filters.agent_id:
        queryset = queryset.filter(agent_id=filters.agent_id)
    if filters.date_from:
        queryset = queryset.filter(occurred_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(occurred_at__lt=_start_of(filters.date_to + dt.timedelta(days=1)))
    if filters.with_open_follow_up:
        queryset = queryset.exclude(follow_up="").filter(follow_up_done_at__isnull=True)
    return queryset


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def exchange_list(*, scope: AccessScope, filters: ExchangeFilters | None = None) -> QuerySet[Exchange]:
    return _with_visible_persons(_apply(_base(scope), filters or ExchangeFilters()), scope).order_by("-occurred_at", "-pk")


def person_timeline(*, scope: AccessScope, person: Person, filters: ExchangeFilters | None = None) -> QuerySet[Exchange]:
    """Every exchange with the person that the scope may see, newest first."""
    queryset = _base(scope).filter(person_links__person=person)
    return _with_visible_persons(_apply(queryset, filters or ExchangeFilters()), scope).order_by("-occurred_at", "-pk")


def exchange_get(*, scope: AccessScope, public_id: uuid.UUID | str) -> Exchange:
    try:
        return _with_visible_persons(_base(scope), scope).get(public_id=public_id)
    except (Exchange.DoesNotExist, ValidationError, ValueError):
        raise Http404("Aucun échange ne correspond.") from None


def follow_ups_due(*, scope: AccessScope, agent: Agent, until: dt.date | None = None) -> QuerySet[Exchange]:
    """The agent's open follow-ups due by `until` (default: within a week), oldest due first."""
    until = until or timezone.localdate() + dt.timedelta(days=7)
    return (
        _with_visible_persons(_base(scope), scope)
        .filter(agent=agent, follow_up_done_at__isnull=True, follow_up_due__lte=until)
        .exclude(follow_up="")
        .order_by("follow_up_due", "occurred_at")
    )


def recent_exchanges_by(*, scope: AccessScope, agent: Agent, limit: int = 10) -> QuerySet[Exchange]:
    return _with_visible_persons(_base(scope).filter(agent=agent), scope).order_by("-occurred_at")[:limit]


def topics_for_services(service_ids: frozenset[int] | set[int]) -> QuerySet[Topic]:
    return (
        Topic.objects.filter(service_id__in=service_ids, is_active=True)
        .select_related("service")
        .order_by("service__name", "name")
    )


def services_in_scope(scope: AccessScope) -> QuerySet[Service]:
    """Services whose exchanges the scope can see (for filters)."""
    return Service.objects.filter(organisations__in=scope.organisation_ids).distinct().order_by("name")


@dataclass(frozen=True)
class ExportRow:
    exchange: Exchange
    content_visible: bool


def exchange_export_rows(*, scope: AccessScope, filters: ExchangeFilters) -> Iterator[ExportRow]:
    for exchange in exchange_list(scope=scope, filters=filters).iterator(chunk_size=1000):
        yield ExportRow(exchange=exchange, content_visible=exchange_content_visible(scope, exchange))
