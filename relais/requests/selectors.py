"""Reads about requests: one request, the work queues with their flags, indicators."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from relais.core.tables import IndicatorTable, find_table
from relais.requests import workflow
from relais.requests.models import CitizenRequest, Procedure, RequestDocument
from relais.requests.policies import requests_visible
from relais.territory.policies import AccessScope

DUE_SOON_DAYS = 7


def request_get(*, scope: AccessScope, public_id: uuid.UUID | str) -> CitizenRequest:
    try:
        return (
            requests_visible(scope)
            .select_related("procedure", "service", "organisation", "person", "assigned_to")
            .get(public_id=public_id)
        )
    except (CitizenRequest.DoesNotExist, ValidationError, ValueError):
        raise Http404("Demande introuvable.") from None


# `92-2026-000034`: the organisation's code, the year, six digits (services.next_reference).
REFERENCE_PATTERN = re.compile(r"^[A-Z0-9]{2,16}-\d{4}-\d{6}$")


def request_by_reference(*, scope: AccessScope, text: str) -> CitizenRequest | None:
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


def request_queue(*, scope: AccessScope, filters: QueueFilters, today: dt.date | None = None) -> QuerySet[CitizenRequest]:
    """Open requests of the scope's services, the nearest implicit decision first, with flags:
    overdue (the date has come), due within 7 days, complete and awaiting decision."""
    today = today or timezone.localdate()
    queryset = (
        requests_visible(scope)
        .filter(service_id__in=scope.loggable_service_ids)
        .open()
        .select_related("procedure", "person", "assigned_to", "service")
        .annotate(
            overdue=ExpressionWrapper(Q(implicit_decision_date__lte=today), output_field=BooleanField()),
            due_soon=ExpressionWrapper(
                Q(implicit_decision_date__gt=today, implicit_decision_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS)),
                output_field=BooleanField(),
            ),
            awaiting_decision=ExpressionWrapper(
                Q(status__in=CitizenRequest.AWAITING_DECISION_STATUSES), output_field=BooleanField()
            ),
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
        queryset = queryset.awaiting_decision()
    elif filters.flag == "incomplete":
        queryset = queryset.filter(status="incomplete")
    return queryset.order_by("no_date", "implicit_decision_date", "received_at")


def person_requests(*, scope: AccessScope, person_id: int) -> QuerySet[CitizenRequest]:
    return requests_visible(scope).filter(person_id=person_id).select_related("procedure", "service").order_by("-received_at")


def documents_sent_by_person(request: CitizenRequest) -> QuerySet[RequestDocument]:
    """The files the person sent with the request or later (not the scans the service made)."""
    return request.documents.exclude(kind=RequestDocument.Kind.SCAN).order_by("uploaded_at", "pk")


def procedures_online() -> QuerySet[Procedure]:
    return (
        Procedure.objects.filter(is_active=True, online_open=True)
        .select_related("organisation", "service")
        .order_by("organisation__code", "name")
    )


@dataclass(frozen=True)
class RequestIndicators:
    tables: list[IndicatorTable]
    decided: int
    decided_in_time: int
    implicit: int

    @property
    def in_time_share(self) -> float | None:
        """The State's "démarches traitées dans le délai annoncé": decided before the implicit date."""
        return self.decided_in_time / self.decided if self.decided else None

    def table(self, key: str) -> IndicatorTable | None:
        return find_table(self.tables, key)


DECIDED = Q(status__in=CitizenRequest.DECIDED_STATUSES)
IMPLICIT = Q(status__in=CitizenRequest.IMPLICITLY_DECIDED_STATUSES)
# An explicit decision on or before the date silence would have decided.
IN_TIME = Q(status__in=CitizenRequest.EXPLICITLY_DECIDED_STATUSES, decided_at__date__lte=F("implicit_decision_date"))
OPEN = ~Q(status__in=CitizenRequest.FINISHED_STATUSES)

# Age of the open requests (days since receipt): [lower, upper) bounds, upper None = no limit.
AGE_BANDS = [
    ("Moins de 15 jours", 0, 15),
    ("15 à 29 jours", 15, 30),
    ("30 à 59 jours", 30, 60),
    ("60 à 89 jours", 60, 90),
    ("90 jours et plus", 90, None),
]


def request_indicators(
    *, scope: AccessScope, service_ids: frozenset[int], start: dt.date, end: dt.date, today: dt.date | None = None
) -> RequestIndicators:
    """Requests received in the period by the given services (those the agent may read indicators of),
    by channel, procedure, service and instructor; and the backlog of open requests today, by age."""
    today = today or timezone.localdate()
    of_services = requests_visible(scope).filter(service_id__in=service_ids)
    received = of_services.filter(received_on__gte=start, received_on__lte=end).exclude(status="forwarded")
    overdue = Q(implicit_decision_date__lte=today)
    counts = {
        "total": Count("pk"), "open": Count("pk", filter=OPEN), "overdue": Count("pk", filter=OPEN & overdue),
        "decided": Count("pk", filter=DECIDED), "in_time": Count("pk", filter=IN_TIME), "implicit": Count("pk", filter=IMPLICIT),
    }  # fmt: skip

    def grouped(*fields: str, order: tuple[str, ...]) -> list[dict[str, Any]]:
        return list(received.values(*fields).annotate(**counts).order_by(*order))

    channels = dict(CitizenRequest.Channel.choices)
    by_channel = [[channels[row["channel"]], row["total"]] for row in grouped("channel", order=("-total", "channel"))]
    by_procedure = [
        [row["procedure__name"], row["total"], row["decided"], row["in_time"], row["implicit"]]
        for row in grouped("procedure__name", order=("-total", "procedure__name"))
    ]
    by_service = [
        [row["service__name"], row["total"], row["open"], row["overdue"], row["decided"], row["in_time"], row["implicit"]]
        for row in grouped("service__name", order=("-total", "service__name"))
    ]
    by_agent = [
        [
            f"{row['assigned_to__first_name']} {row['assigned_to__last_name']}".strip() or row["assigned_to__email"]
            if row["assigned_to__email"] else "Non attribuées",
            row["total"], row["open"], row["overdue"], row["decided"], row["in_time"],
        ]
        for row in grouped(
            "assigned_to__first_name", "assigned_to__last_name", "assigned_to__email",
            order=("assigned_to__last_name", "assigned_to__first_name"),
        )
    ]  # fmt: skip
    backlog_counts: dict[str, Count] = {}
    for index, (_, lower, upper) in enumerate(AGE_BANDS):
        band = Q(received_on__lte=today - dt.timedelta(days=lower))
        if upper is not None:
            band &= Q(received_on__gt=today - dt.timedelta(days=upper))
        backlog_counts |= {
            f"b{index}_total": Count("pk", filter=band),
            f"b{index}_overdue": Count("pk", filter=band & overdue),
            f"b{index}_soon": Count(
                "pk",
                filter=band
                & Q(implicit_decision_date__gt=today, implicit_decision_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS)),
            ),
            f"b{index}_no_date": Count("pk", filter=band & Q(implicit_decision_date__isnull=True)),
        }
    backlog_row = of_services.filter(OPEN).aggregate(**backlog_counts)
    backlog = [
        [label, backlog_row[f"b{i}_total"], backlog_row[f"b{i}_overdue"], backlog_row[f"b{i}_soon"], backlog_row[f"b{i}_no_date"]]
        for i, (label, _, _) in enumerate(AGE_BANDS)
    ]
    decided = received.aggregate(decided=counts["decided"], in_time=counts["in_time"], implicit=counts["implicit"])
    return RequestIndicators(
        tables=[
            IndicatorTable("canal", "Demandes reçues par canal", ["Canal", "Demandes"], by_channel),
            IndicatorTable(
                "procedure",
                "Demandes reçues par procédure",
                ["Procédure", "Reçues", "Décidées", "dont dans le délai", "Décisions implicites"],
                by_procedure,
            ),
            IndicatorTable(
                "service",
                "Demandes reçues par service",
                [
                    "Service",
                    "Reçues",
                    "En cours",
                    "dont échéance atteinte",
                    "Décidées",
                    "dont dans le délai",
                    "Décisions implicites",
                ],
                by_service,
            ),
            IndicatorTable(
                "instructeur",
                "Demandes reçues par instructeur",
                ["Instructeur", "Reçues", "En cours", "dont échéance atteinte", "Décidées", "dont dans le délai"],
                by_agent,
            ),
            IndicatorTable(
                "anciennete",
                f"Demandes en cours au {today:%d/%m/%Y} par ancienneté (toutes dates de réception)",
                ["Ancienneté", "En cours", "Échéance atteinte", "Échéance dans 7 jours", "Sans échéance (pièces attendues)"],
                backlog,
            ),
        ],
        decided=decided["decided"],
        decided_in_time=decided["in_time"],
        implicit=decided["implicit"],
    )


def next_choices(request: CitizenRequest) -> list[tuple[str, str]]:
    return workflow.next_choices(request.status)
