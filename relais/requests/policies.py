"""Who sees and handles which requests."""

from django.db.models import Q

from relais.api.models import ApiToken
from relais.requests.models import CitizenRequest, CitizenRequestQuerySet
from relais.territory.models import Agent, Membership
from relais.territory.policies import AccessScope


def requests_visible(scope: AccessScope) -> CitizenRequestQuerySet:
    """Requests addressed to one of the scope's organisations."""
    if scope.is_empty:
        return CitizenRequest.objects.none()
    return CitizenRequest.objects.filter(Q(organisation_id__in=scope.organisation_ids))


def request_content_visible(scope: AccessScope, request: CitizenRequest) -> bool:
    """A sensitive service's request (PMI, child protection) shows its content to its members only."""
    return scope.may_read_content_of_service(request.service_id, request.service.is_sensitive)


def may_handle_request(scope: AccessScope, request: CitizenRequest) -> bool:
    """The competent service instructs and decides; a sensitive service's requests only by whoever
    may read them (never by an organisation-wide token that cannot)."""
    return request.service_id in scope.loggable_service_ids and request_content_visible(scope, request)


def request_indicator_service_ids(agent: Agent) -> frozenset[int]:
    """The services whose request indicators the agent may read: those they manage (responsable or
    functional administrator). The figures name instructors: agents do not read their colleagues'."""
    if not agent.is_authenticated or not agent.is_active:
        return frozenset()
    return frozenset(
        agent.memberships.filter(is_active=True, role__in=[Membership.Role.MANAGER, Membership.Role.ADMIN]).values_list(
            "service_id", flat=True
        )
    )


def may_file_inbound_email(token: ApiToken | None, to_address: str) -> bool:
    """Only the mail server's token of the recipient service may file an e-mail into its mailbox: a
    token created for that service (`--service`), not an organisation-wide one nor an agent's session,
    so that one integration cannot drop mail into another service's mailbox."""
    if token is None or token.service is None or not token.is_active:
        return False
    address = (token.service.email or "").strip().lower()
    return bool(address) and address == to_address.strip().lower()
