import re

import pytest

from relais.appointments.models import Appointment
from tests.browser.conftest import serious_violations
from tests.browser.test_workspace import _login

pytestmark = pytest.mark.browser


def test_citizen_books_online_in_the_browser(page, world, booking):
    page.goto("/rendez-vous-en-ligne/")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Information RSA").click()
    page.get_by_role("link", name="Pôle social de Nanterre").click()
    page.get_by_role("heading", name="Créneaux disponibles").wait_for()
    assert serious_violations(page) == []
    page.locator(".slot-buttons button").first.click()
    page.get_by_role("heading", name="Vos coordonnées").wait_for()
    page.get_by_label("Nom de naissance").fill("Durand")
    page.get_by_label("Prénom").fill("Léa")
    page.get_by_label("Date de naissance").fill("03/02/1990")
    page.get_by_label("Adresse e-mail").fill("lea.durand@example.fr")
    page.get_by_label(re.compile("J'accepte")).check()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    page.get_by_role("heading", name="Votre rendez-vous est confirmé").wait_for()
    appointment = Appointment.objects.get()
    assert appointment.status == "booked" and appointment.booked_online


def test_agent_books_from_the_person_file_in_the_browser(page, world, booking, person92):
    _login(page, "agent92@hauts-de-seine.fr")
    page.goto(f"/usagers/{person92.public_id}/")
    page.get_by_role("link", name="Prendre rendez-vous").click()
    page.get_by_role("link", name="Information RSA").click()
    page.locator(".slot-buttons a").first.click()
    page.get_by_role("button", name="Réserver").click()
    page.get_by_text("Rendez-vous réservé le").wait_for()
    assert serious_violations(page) == []
    page.goto("/rendez-vous/")
    assert serious_violations(page) == []
    assert Appointment.objects.get().persons.get() == person92
