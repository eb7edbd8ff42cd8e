from __future__ import annotations

from dataclasses import dataclass

import pytest

from relais.territory.models import Agent, Commune, Membership, Organisation, Site
from tests.territory.factories import AgentFactory, OrganisationFactory, SiteFactory


@dataclass
class Network:
    """Two service points of the 78 and one of the 92, two partners with an office each, a
    mediator at Les Mureaux, a manager of each département and one of the EPI."""

    mureaux: Site  # 78-FS-MUREAUX, Les Mureaux (78440)
    rambouillet: Site  # 78-FS-RAMBOUILLET (78517)
    clichy: Site  # 92-FS-CLICHY (92024)
    caf: Organisation  # CAF92, office at Nanterre (92050)
    cpam: Organisation  # CPAM78, office at Versailles (78646)
    mediator78: Agent
    manager78: Agent
    manager92: Agent
    manager_epi: Agent


@pytest.fixture
def network(world) -> Network:
    communes = Commune.objects.in_bulk(["78440", "78517", "92024", "92050", "78646"])
    caf = world.caf
    cpam = OrganisationFactory(code="CPAM78", name="CPAM des Yvelines", partner=True)
    SiteFactory(organisation=caf, name="Agence CAF de Nanterre", code="CAF92-NANTERRE", kind=Site.Kind.PARTNER_OFFICE,
                commune=communes["92050"])  # fmt: skip
    SiteFactory(organisation=cpam, name="Accueil CPAM de Versailles", code="CPAM78-VERSAILLES",
                kind=Site.Kind.PARTNER_OFFICE, commune=communes["78646"])  # fmt: skip
    mureaux = SiteFactory(organisation=world.org78, name="France services des Mureaux", code="78-FS-MUREAUX",
                          kind=Site.Kind.SERVICE_POINT, commune=communes["78440"])  # fmt: skip
    rambouillet = SiteFactory(organisation=world.org78, name="France services de Rambouillet", code="78-FS-RAMBOUILLET",
                              kind=Site.Kind.SERVICE_POINT, commune=communes["78517"])  # fmt: skip
    clichy = SiteFactory(organisation=world.org92, name="France services de Clichy", code="92-FS-CLICHY",
                         kind=Site.Kind.SERVICE_POINT, commune=communes["92024"])  # fmt: skip
    mediator78 = AgentFactory(email="mediateur78@yvelines.fr")
    Membership.objects.create(agent=mediator78, organisation=world.org78, service=world.accueil78, role="mediator", site=mureaux)
    return Network(
        mureaux=mureaux, rambouillet=rambouillet, clichy=clichy, caf=caf, cpam=cpam, mediator78=mediator78,
        manager78=AgentFactory(email="responsable78@yvelines.fr", memberships=[(world.org78, world.accueil78, "manager")]),
        manager92=AgentFactory(email="responsable92@hauts-de-seine.fr", memberships=[(world.org92, world.accueil92, "manager")]),
        manager_epi=AgentFactory(email="responsable@epi.fr", memberships=[(world.epi, world.adoption, "manager")]),
    )  # fmt: skip
