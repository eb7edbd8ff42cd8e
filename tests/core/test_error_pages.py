"""Error pages: French, in the site's layout, with the reason the project gave."""

import pytest
from django.test import Client
from django.urls import reverse


def test_an_unknown_address_gets_a_french_page_in_the_layout(world):
    response = Client().get("/nulle-part/")
    page = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="fr">' in page and "Page introuvable" in page and "Not Found" not in page
    assert "Prendre rendez-vous en ligne" in page and "Ma journée" not in page  # nobody is logged in

    agent = world.client_for(world.agent92)
    page = agent.get("/usagers/00000000-0000-0000-0000-000000000000/").content.decode()
    assert "Page introuvable" in page and "Revenir à « Ma journée »" in page and "No Person" not in page


def test_a_refusal_says_why_in_french(world):
    response = world.client_for(world.caf_agent).get(reverse("people:create"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "Accès refusé" in page and "Forbidden" not in page
    assert "Votre rôle ne permet pas de créer une fiche usager." in page


def test_an_expired_form_says_so_in_french(world):
    agent = world.client_for(world.agent92)
    agent.handler.enforce_csrf_checks = True
    response = agent.post(reverse("people:create"), {"birth_name": "Martin"})
    page = response.content.decode()
    assert response.status_code == 403 and "Page expirée" in page and "CSRF verification failed" not in page


@pytest.mark.urls("tests.core.failing_urls")
def test_a_server_error_gets_a_french_page(db, client):
    client.raise_request_exception = False
    response = client.get("/panne/")
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()
