from __future__ import annotations

from dataclasses import dataclass

import pytest

from relais.territory.models import Agent, Service
from relais.territory.policies import AccessScope, agent_access_scope
from tests.territory.factories import AgentFactory, ServiceFactory


@dataclass
class Insertion:
    service78: Service
    service92: Service
    agent78: Agent
    agent92: Agent
    manager92: Agent

    @property
    def scope92(self) -> AccessScope:
        return agent_access_scope(self.agent92)

    @property
    def scope78(self) -> AccessScope:
        return agent_access_scope(self.agent78)


@pytest.fixture
def insertion(world) -> Insertion:
    """The insertion services of the two départements (as in the demo) and one agent of each."""
    service78 = ServiceFactory(code="78-INSERTION", name="Insertion et RSA (Yvelines)", organisations=[world.org78])
    service92 = ServiceFactory(code="92-INSERTION", name="Insertion et RSA (Hauts-de-Seine)", organisations=[world.org92])
    return Insertion(
        service78=service78,
        service92=service92,
        agent78=AgentFactory(email="insertion78@yvelines.fr", memberships=[(world.org78, service78, "social_worker")]),
        agent92=AgentFactory(email="insertion92@hauts-de-seine.fr", memberships=[(world.org92, service92, "social_worker")]),
        manager92=AgentFactory(email="responsable92@hauts-de-seine.fr", memberships=[(world.org92, service92, "manager")]),
    )
