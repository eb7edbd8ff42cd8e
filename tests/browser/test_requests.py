import re

import pytest

from relais.requests.models import CitizenRequest
from tests.browser.conftest import serious_violations

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def test_citizen_submits_a_request_online_with_a_document_and_follows_it(page, world, procedure, tmp_path):
    document = tmp_path / "avis-imposition.pdf"
    document.write_bytes(PDF)
    page.goto("/demarches/")
    page.get_by_role("link", name=re.compile("Allocation personnalisée d'autonomie")).click()
    assert serious_violations(page) == []
    page.get_by_label("Nom de naissance").fill("Durand")
    page.get_by_label("Prénom").fill("Léa")
    page.get_by_label("Date de naissance").fill("03/02/1950")
    page.get_by_label("Adresse e-mail").fill("lea.durand@example.fr")
    page.get_by_label("Pièces jointes").set_input_files(str(document))
    page.get_by_label(re.compile("J'accepte")).check()
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.get_by_role("heading", name="Votre demande est enregistrée").wait_for()
    item = CitizenRequest.objects.get()
    assert item.reference in page.content() and item.documents.get().original_name == "avis-imposition.pdf"
    page.get_by_role("link", name="votre page de suivi").click()
    page.get_by_role("heading", name=re.compile("Suivi de votre demande")).wait_for()
    assert "Reçue" in page.content() and serious_violations(page) == []
    page.get_by_role("textbox", name=re.compile("^Message")).fill("Dois-je joindre un certificat médical ?")
    page.get_by_role("button", name="Envoyer au service").click()
    page.get_by_text("Dois-je joindre un certificat médical ?").wait_for()
