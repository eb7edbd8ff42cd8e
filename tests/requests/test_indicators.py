"""Request indicators for the services one manages: by service, instructor and age, exported to CSV."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.requests.models import Procedure
from relais.requests.services import RequestActor, request_assign, request_register
from relais.territory.policies import agent_access_scope
from tests.territory.factories import AgentFactory


@pytest.fixture
def manager92(world):
    return AgentFactory(email="responsable92@hauts-de-seine.fr", memberships=[(world.org92, world.accueil92, "manager")])


@pytest.fixture
def requests92(world, procedure, person92):
    actor = RequestActor(label="Accueil", agent=world.agent92, scope=agent_access_scope(world.agent92))

    def register(proc, days_ago=0):
        return request_register(
            procedure=proc, person=person92, channel="letter", subject="Demande", actor=actor,
            received_at=timezone.now() - dt.timedelta(days=days_ago),
        )  # fmt: skip

    old = register(procedure, days_ago=70)  # two months for an acceptance: its date has come
    assigned = register(procedure)
    register(procedure)
    request_assign(request=assigned, agent=world.agent92, actor=actor)
    pmi = Procedure.objects.create(
        code="92-PMI", name="Agrément", organisation=world.org92, service=world.pmi92, regime="acceptance", delay_value=3
    )
    register(pmi)  # another service's: not the manager's figures
    return old, assigned


def test_indicators_are_for_managers_only(world, manager92):
    client = world.client_for(world.agent92)
    assert client.get(reverse("requests:indicators")).status_code == 403
    assert "Indicateurs" not in client.get(reverse("requests:queue")).content.decode()
    manager = world.client_for(manager92)
    assert manager.get(reverse("requests:indicators")).status_code == 200
    assert "Indicateurs" in manager.get(reverse("requests:queue")).content.decode()


def test_manager_sees_their_services_by_service_instructor_and_age(world, manager92, requests92):
    data = world.client_for(manager92).get(reverse("requests:indicators")).context["data"]
    assert data.table("service").rows == [["Accueil 92", 3, 3, 1, 0, 0, 0]]  # the PMI's request is not counted
    by_agent = {row[0]: row[1:] for row in data.table("instructeur").rows}
    assert by_agent == {str(world.agent92): [1, 1, 0, 0, 0], "Non attribuées": [2, 2, 1, 0, 0]}
    backlog = {row[0]: row[1:] for row in data.table("anciennete").rows}
    assert backlog["Moins de 15 jours"] == [2, 0, 0, 0]
    assert backlog["60 à 89 jours"] == [1, 1, 0, 0]
    assert backlog["90 jours et plus"] == [0, 0, 0, 0]


def test_each_breakdown_exports_to_a_csv_for_french_excel(world, manager92, requests92):
    today = timezone.localdate()
    response = world.client_for(manager92).get(reverse("requests:indicators"), {"export": "service"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    start = today - dt.timedelta(days=365)
    assert f'filename="demandes-service-{start:%Y-%m-%d}-{today:%Y-%m-%d}.csv"' in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "Service;Reçues;En cours;dont échéance atteinte;Décidées;dont dans le délai;Décisions implicites",
        "Accueil 92;3;3;1;0;0;0",
    ]
    page = world.client_for(manager92).get(reverse("requests:indicators")).content.decode()
    assert "export=anciennete" in page and "Exporter « Demandes reçues par instructeur » en CSV" in page


def test_indicator_exports_write_formula_like_names_as_text(world, manager92, requests92):
    world.accueil92.name = '=HYPERLINK("https://evil.example")'
    world.accueil92.save()
    response = world.client_for(manager92).get(reverse("requests:indicators"), {"export": "service"})
    assert response.content.decode("utf-8-sig").splitlines()[1].startswith('"\'=HYPERLINK(""https://evil.example"")";3;')
