"""The access scope of whoever acts: an agent through their memberships, or an API token.

Every other policy (persons, exchanges…) is written against an `AccessScope`, so the pages and the
API apply exactly the same rules.

- An agent of a département or of the EPI sees the persons and exchanges of their organisations.
- A member of a shared service (owned by several organisations) sees the persons and exchanges of
  all the organisations that share it.
- A partner's agent sees only what concerns their own organisation: persons it has an exchange or an
  appointment with (the person–organisation relationship is recorded when those are created).
- The content of a sensitive service's exchanges (PMI) is readable only by that service's members.
- The NIR is shown only to members of a service with a legal basis to process it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from relais.territory.models import Agent, Membership


@dataclass(frozen=True)
class AccessScope:
    label: str
    organisation_ids: frozenset[int] = field(default_factory=frozenset)
    member_service_ids: frozenset[int] = field(default_factory=frozenset)
    # Services on whose behalf exchanges may be recorded.
    loggable_service_ids: frozenset[int] = field(default_factory=frozenset)
    nir_service_ids: frozenset[int] = field(default_factory=frozenset)
    # The sites the agent works at (a France services point's mediators): appointments booked from them.
    site_ids: frozenset[int] = field(default_factory=frozenset)
    # Partners read what concerns them; only the départements and the EPI maintain identities.
    may_edit_identity: bool = False
    agent_id: int | None = None
    api_token_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not self.organisation_ids

    def may_read_content_of_service(self, service_id: int, service_is_sensitive: bool) -> bool:
        return not service_is_sensitive or service_id in self.member_service_ids

    @property
    def may_see_nir(self) -> bool:
        return bool(self.nir_service_ids)


def _scope_from_memberships(*, label: str, memberships: list[Membership], agent_id: int | None) -> AccessScope:
    organisations: set[int] = set()
    services: set[int] = set()
    nir_services: set[int] = set()
    for membership in memberships:
        service = membership.service
        services.add(service.pk)
        if service.may_process_nir:
            nir_services.add(service.pk)
        organisations.add(membership.organisation_id)
        if not membership.organisation.is_partner:
            # A shared service widens the view to every organisation that shares it.
            organisations.update(org.pk for org in service.organisations.all() if not org.is_partner)
    return AccessScope(
        label=label,
        organisation_ids=frozenset(organisations),
        member_service_ids=frozenset(services),
        loggable_service_ids=frozenset(services),
        nir_service_ids=frozenset(nir_services),
        site_ids=frozenset(m.site_id for m in memberships if m.site_id is not None),
        may_edit_identity=any(not m.organisation.is_partner for m in memberships),
        agent_id=agent_id,
    )


def agent_active_memberships(agent: Agent) -> list[Membership]:
    """The agent's active memberships with their organisation, service and the organisations sharing
    that service, cached on the agent object for the request (the scope and the apps' rules read them)."""
    cached = getattr(agent, "_active_memberships", None)
    if cached is None:
        cached = list(
            agent.memberships.filter(is_active=True)
            .select_related("organisation", "service")
            .prefetch_related("service__organisations")
        )
        agent._active_memberships = cached  # type: ignore[attr-defined]
    return cached


def agent_access_scope(agent: Agent) -> AccessScope:
    """The scope of a logged-in agent, cached on the agent object for the request."""
    cached = getattr(agent, "_access_scope", None)
    if cached is not None:
        return cached
    if not agent.is_authenticated or not agent.is_active:
        return AccessScope(label="anonyme")
    scope = _scope_from_memberships(label=agent.email, memberships=agent_active_memberships(agent), agent_id=agent.pk)
    agent._access_scope = scope  # type: ignore[attr-defined]
    return scope


def integration_access_scope(*, token_id: int, label: str, organisation, service=None) -> AccessScope:
    """The scope of an API token: its organisation, and the service it acts for if it has one."""
    organisations = {organisation.pk}
    services: set[int] = set()
    nir_services: set[int] = set()
    if service is not None:
        services.add(service.pk)
        if service.may_process_nir:
            nir_services.add(service.pk)
        if not organisation.is_partner:
            organisations.update(org.pk for org in service.organisations.all() if not org.is_partner)
    # A token without a service records for any of its organisation's services, but not for a
    # sensitive one (PMI): its members alone read and decide on its files, and so must a token.
    loggable = services if service is not None else {s.pk for s in organisation.services.all() if not s.is_sensitive}
    return AccessScope(
        label=label,
        organisation_ids=frozenset(organisations),
        member_service_ids=frozenset(services),
        loggable_service_ids=frozenset(loggable),
        nir_service_ids=frozenset(nir_services),
        may_edit_identity=not organisation.is_partner,
        api_token_id=token_id,
    )


def agent_manages_person_data(agent: Agent) -> bool:
    """Managers and functional administrators of a département or the EPI run imports and linkage."""
    if not agent.is_authenticated or not agent.is_active:
        return False
    return agent.memberships.filter(
        is_active=True, role__in=["manager", "admin"], organisation__kind__in=["departement", "interdepartmental"]
    ).exists() or bool(agent.is_superuser)
