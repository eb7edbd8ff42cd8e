"""The access scope behind an API request: an integration token or a logged-in agent's session."""

from rest_framework.request import Request

from relais.api.models import ApiToken
from relais.territory.models import Agent, Organisation
from relais.territory.policies import AccessScope, agent_access_scope, integration_access_scope


def request_scope(request: Request) -> AccessScope:
    cached = getattr(request, "_relais_scope", None)
    if cached is not None:
        return cached
    if isinstance(request.auth, ApiToken):
        token = request.auth
        scope = integration_access_scope(
            token_id=token.pk,
            label=f"API {token.name} ({token.organisation.code})",
            organisation=token.organisation,
            service=token.service,
        )
    elif isinstance(request.user, Agent):
        scope = agent_access_scope(request.user)
    else:
        scope = AccessScope(label="anonyme")
    request._relais_scope = scope  # type: ignore[attr-defined]
    return scope


def request_token(request: Request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


def request_agent(request: Request) -> Agent | None:
    return request.user if isinstance(request.user, Agent) else None


def request_acting_organisation(request: Request, service_id: int | None = None) -> Organisation | None:
    """The organisation on whose behalf a write happens: the token's, or the agent's membership for the service."""
    token = request_token(request)
    if token is not None:
        return token.organisation
    agent = request_agent(request)
    if agent is None:
        return None
    memberships = agent.memberships.filter(is_active=True).select_related("organisation")
    if service_id is not None:
        memberships = memberships.filter(service_id=service_id)
    membership = memberships.order_by("pk").first()
    return membership.organisation if membership else None
