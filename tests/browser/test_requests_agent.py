"""An agent finds a request by its reference, changes its status only by choosing one, and a manager
reads the indicators: in a real browser, with axe on each page."""

import re

import pytest

from relais.requests.models import Procedure
from relais.requests.services import RequestActor, request_register
from relais.territory.policies import agent_access_scope
from tests.browser.conftest import login, serious_violations
from tests.territory.factories import AgentFactory

pytestmark = pytest.mark.browser


def test_agent_opens_a_request_by_its_reference_and_must_choose_a_status(page, world, procedure, person92):
    actor = RequestActor(label="Accueil", agent=world.agent92, scope=agent_access_scope(world.agent92))
    pmi = Procedure.objects.create(
        code="92-AGREMENT", name="Agrément d'assistant maternel", organisation=world.org92, service=world.pmi92,
        regime="acceptance", delay_value=3,
    )  # fmt: skip
    elsewhere = request_register(procedure=pmi, person=person92, channel="letter", subject="Agrément", actor=actor)
    own = request_register(procedure=procedure, person=person92, channel="letter", subject="APA", actor=actor)
    login(page, "agent92@hauts-de-seine.fr")

    page.get_by_label(re.compile("Rechercher un usager ou une demande")).fill(elsewhere.reference)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Demande {elsewhere.reference}").wait_for()

    page.goto("/demandes/")
    assert serious_violations(page) == []
    page.get_by_label("Référence", exact=True).fill(own.reference)
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("heading", name=f"Demande {own.reference}").wait_for()
    status = page.get_by_label("Nouveau statut")
    assert status.input_value() == ""
    page.locator("form", has=status).get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Choisissez le nouveau statut de la demande.").wait_for()
    assert "Reçue → " not in page.locator("section[aria-labelledby=historique]").inner_text()
    assert serious_violations(page) == []


def test_manager_reads_the_indicators_and_finds_each_export(page, world, procedure, person92):
    AgentFactory(email="responsable92@hauts-de-seine.fr", memberships=[(world.org92, world.accueil92, "manager")])
    actor = RequestActor(label="Accueil", agent=world.agent92, scope=agent_access_scope(world.agent92))
    request_register(procedure=procedure, person=person92, channel="letter", subject="APA", actor=actor)
    login(page, "responsable92@hauts-de-seine.fr")
    page.goto("/demandes/")
    page.get_by_role("link", name="Indicateurs").click()
    page.get_by_role("heading", name="Indicateurs des demandes").wait_for()
    assert page.get_by_role("table", name="Demandes reçues par service").get_by_role("rowheader", name="Accueil 92").is_visible()
    assert page.get_by_role("link", name=re.compile("Exporter « Demandes en cours .* par ancienneté")).is_visible()
    assert serious_violations(page) == []
