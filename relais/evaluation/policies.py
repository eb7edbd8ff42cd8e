"""Who may see and do what in the evaluation of the service network.

- **Mediators** (and any agent whose usual site is a service point) count the visits of their
  site's grid, type in paper questionnaires for it, and see its dashboard.
- **Managers and functional administrators** of a département or of the EPI see the dashboards of
  every service point of their organisation (the EPI's: every service point of the network), close
  their weeks' grids, build questionnaires, set up kiosks, and edit the declared hours and partners
  checked against the labels.
- **Superusers** see everything. Partners' agents have no access: the report is the network's.
Nothing here reads a person: answers are stored apart from them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from relais.territory.models import Membership, Organisation, Site
from relais.territory.policies import agent_active_memberships

if TYPE_CHECKING:
    from relais.territory.models import Agent

MANAGING_ROLES = (Membership.Role.MANAGER, Membership.Role.ADMIN)


def service_points() -> QuerySet[Site]:
    return Site.objects.filter(kind=Site.Kind.SERVICE_POINT, is_active=True).select_related("organisation", "commune")


def partner_organisations() -> QuerySet[Organisation]:
    """The partners a visit, an answer or a declaration may name (a département's own services at a
    point are visits without partner)."""
    return Organisation.objects.filter(kind=Organisation.Kind.PARTNER).order_by("name")


def _managed_organisation_ids(agent: Agent) -> set[int]:
    return {
        m.organisation_id for m in agent_active_memberships(agent) if m.role in MANAGING_ROLES and not m.organisation.is_partner
    }


def _manages_network(agent: Agent) -> bool:
    """Superusers and the EPI's managers see the whole network (the EPI runs the pooled services)."""
    if agent.is_superuser:
        return True
    return any(
        m.role in MANAGING_ROLES and m.organisation.kind == Organisation.Kind.INTERDEPARTMENTAL
        for m in agent_active_memberships(agent)
    )


def managed_sites(agent: Agent) -> QuerySet[Site]:
    """The service points whose grids the agent closes and whose settings they edit."""
    if not agent.is_authenticated or not agent.is_active:
        return Site.objects.none()
    if _manages_network(agent):
        return service_points()
    return service_points().filter(organisation__in=_managed_organisation_ids(agent))


def counting_sites(agent: Agent) -> QuerySet[Site]:
    """The service points whose grid the agent fills and whose paper answers they type in: their
    usual site when it is a service point, and every site they manage."""
    if not agent.is_authenticated or not agent.is_active:
        return Site.objects.none()
    # A partner's agent holding a permanence at a point has it as usual site: not theirs to count.
    own = {m.site_id for m in agent_active_memberships(agent) if m.site_id is not None and not m.organisation.is_partner}
    return service_points().filter(pk__in=own) | managed_sites(agent)


def visible_sites(agent: Agent) -> QuerySet[Site]:
    """The service points whose dashboards the agent sees (the same as those they count or manage)."""
    return counting_sites(agent).distinct()


def may_see_evaluation(agent: Agent) -> bool:
    return visible_sites(agent).exists()


def may_manage(agent: Agent, site: Site) -> bool:
    return managed_sites(agent).filter(pk=site.pk).exists()


def may_count(agent: Agent, site: Site) -> bool:
    return counting_sites(agent).filter(pk=site.pk).exists()


def may_manage_questionnaires(agent: Agent) -> bool:
    """Questionnaires serve the whole network: any manager of a département or of the EPI."""
    return agent.is_authenticated and agent.is_active and (agent.is_superuser or bool(_managed_organisation_ids(agent)))
