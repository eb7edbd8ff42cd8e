"""Which exchanges an agent may see, and whether they may read what was said."""

from django.db.models import Q, QuerySet

from relais.exchanges.models import Exchange
from relais.territory.policies import AccessScope


def exchanges_visible_filter(scope: AccessScope) -> Q:
    """Exchanges recorded by one of the scope's organisations."""
    if scope.is_empty:
        return Q(pk__in=[])
    return Q(organisation_id__in=scope.organisation_ids)


def exchanges_visible(scope: AccessScope, queryset: QuerySet[Exchange] | None = None) -> QuerySet[Exchange]:
    queryset = Exchange.objects.all() if queryset is None else queryset
    return queryset.filter(exchanges_visible_filter(scope))


def exchange_content_visible(scope: AccessScope, exchange: Exchange) -> bool:
    """A sensitive service's exchange (PMI) shows only that it took place to non-members."""
    return scope.may_read_content_of_service(exchange.service_id, exchange.service.is_sensitive)


def exchange_may_log_for_service(scope: AccessScope, service_id: int) -> bool:
    return service_id in scope.loggable_service_ids
