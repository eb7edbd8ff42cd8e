"""Reads about requests: one request, the work queues with their flags, indicators."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from relais.requests import workflow
from relais.requests.models import DECIDED_STATUSES, FINISHED_STATUSES, Procedure, Request
from relais.requests.policies import requests_visible
from relais.territory.policies import AccessScope

DUE_SOON_DAYS = 7


def request_get(*, scope: AccessScope, public_id: uuid.UUID | str) -> Request:
    try:
        return (
            requests_visible(scope)
            .select_related("procedure", "service", "organisation", "person", "assigned_to")
            .get(public_id=public_id)
        )
    except (Request.DoesNotExist, ValidationError, ValueError):
        raise Http404("Demande introuvable.") from None


# `92-2026-000034`: the organisation's code, the year, six digits (services.next_reference).
REFERENCE_PATTERN = re.compile(r"^[A-Z0-9]{2,16}-\d{4}-\d{6}$")


def request_by_reference(*, scope: AccessScope, text: str) -> Request | None:
    """The request whose full reference was typed in a search box, when the scope may see it.

    Only a whole reference matches, so a search typed letter by letter never lands on another
    request on its way. Not visible and not existing both give None: a search tells nothing more.
    """
    reference = "".join(text.split()).upper()
    if not REFERENCE_PATTERN.match(reference):
        return None
    return requests_visible(scope).filter(reference=reference).first()


@dataclass(frozen=True)
class QueueFilters:
    service_id: int | None = None
    flag: str = ""  # "overdue", "due_soon", "awaiting_decision", "incomplete"
    assigned_to_id: int | None = None
    unassigned: bool = False
    procedure_id: int | None = None
    reference: str = ""  # part of a reference


def request_queue(*, scope: AccessScope, filters: QueueFilters, today: dt.date | None = None) -> QuerySet[Request]:
    """Open requests of the scope's services, the nearest implicit decision first, with flags:
    overdue (the date has come), due within 7 days, complete and awaiting decision."""
    today = today or timezone.localdate()
    queryset = (
        requests_visible(scope)
        .filter(service_id__in=scope.loggable_service_ids)
        .exclude(status__in=FINISHED_STATUSES)
        .select_related("procedure", "person", "assigned_to", "service")
        .annotate(
            overdue=ExpressionWrapper(Q(implicit_decision_date__lte=today), output_field=BooleanField()),
            due_soon=ExpressionWrapper(
                Q(implicit_decision_date__gt=today, implicit_decision_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS)),
                output_field=BooleanField(),
            ),
            awaiting_decision=ExpressionWrapper(Q(status__in=("complete", "under_review")), output_field=BooleanField()),
            no_date=Case(When(implicit_decision_date__isnull=True, then=Value(1)), default=Value(0)),
        )
    )
    if filters.service_id:
        queryset = queryset.filter(service_id=filters.service_id)
    if filters.procedure_id:
        queryset = queryset.filter(procedure_id=filters.procedure_id)
    if filters.assigned_to_id:
        queryset = queryset.filter(assigned_to_id=filters.assigned_to_id)
    if filters.unassigned:
        queryset = queryset.filter(assigned_to__isnull=True)
    if filters.reference:
        queryset = queryset.filter(reference__icontains="".join(filters.reference.split()))
    if filters.flag == "overdue":
        queryset = queryset.filter(implicit_decision_date__lte=today)
    elif filters.flag == "due_soon":
        queryset = queryset.filter(
            implicit_decision_date__gt=today, implicit_decision_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
        )
    elif filters.flag == "awaiting_decision":
        queryset = queryset.filter(status__in=("complete", "under_review"))
    elif filters.flag == "incomplete":
        queryset = queryset.filter(status="incomplete")
    return queryset.order_by("no_date", "implicit_decision_date", "received_at")


def person_requests(*, scope: AccessScope, person_id: int) -> QuerySet[Request]:
    return requests_visible(scope).filter(person_id=person_id).select_related("procedure", "service").order_by("-received_at")


def procedures_online() -> QuerySet[Procedure]:
    return (
        Procedure.objects.filter(is_active=True, online_open=True)
        .select_related("organisation", "service")
        .order_by("organisation__code", "name")
    )


@dataclass(frozen=True)
class RequestIndicators:
    by_channel: list[tuple[str, int]]
    by_procedure: list
    decided: int
    decided_in_time: int
    implicit: int

    @property
    def in_time_share(self) -> float | None:
        """The State's "démarches traitées dans le délai annoncé": decided before the implicit date."""
        return self.decided_in_time / self.decided if self.decided else None


def request_indicators(*, scope: AccessScope, start: dt.date, end: dt.date) -> RequestIndicators:
    received = requests_visible(scope).filter(received_on__gte=start, received_on__lte=end).exclude(status="forwarded")
    labels = dict(Request.Channel.choices)
    by_channel = [
        (labels[row["channel"]], row["total"])
        for row in received.values("channel").annotate(total=Count("pk")).order_by("-total")
    ]
    by_procedure = list(
        received.values("procedure__name")
        .annotate(
            total=Count("pk"),
            decided=Count("pk", filter=Q(status__in=DECIDED_STATUSES)),
            implicit=Count("pk", filter=Q(status__in=("implicitly_accepted", "implicitly_rejected"))),
            in_time=Count("pk", filter=Q(status__in=("accepted", "rejected"), decided_at__date__lte=F("implicit_decision_date"))),
        )
        .order_by("-total")
    )
    decided = received.filter(status__in=DECIDED_STATUSES)
    return RequestIndicators(
        by_channel=by_channel,
        by_procedure=by_procedure,
        decided=decided.count(),
        decided_in_time=decided.filter(
            status__in=("accepted", "rejected"), decided_at__date__lte=F("implicit_decision_date")
        ).count(),
        implicit=decided.filter(status__in=("implicitly_accepted", "implicitly_rejected")).count(),
    )


def next_choices(request: Request) -> list[tuple[str, str]]:
    return workflow.next_choices(request.status)
