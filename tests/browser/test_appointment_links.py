"""Field trial (issue 10) in a real browser: the citizen's personal link (move with a confirmation,
cancel, each showing the true state), the commune field, the agent's slot pages by date, and a
visio-guichet booked by a mediator."""

import re

import pytest

from relais.appointments.links import manage_token
from relais.appointments.models import Appointment
from relais.appointments.services import Actor, appointment_book
from relais.territory.models import Commune
from relais.territory.policies import agent_access_scope
from tests.appointments.test_visio_guichet import visio  # noqa: F401 - shared fixture
from tests.browser.conftest import serious_violations
from tests.browser.test_workspace import _login

pytestmark = pytest.mark.browser


@pytest.fixture
def communes(page):
    """Browser tests flush the database between tests, communes loaded by migration included."""
    from importlib import import_module

    from django.apps import apps

    import_module("relais.territory.migrations.0002_load_communes").load_communes(apps, None)


def test_citizen_moves_after_confirming_then_cancels_and_sees_each_state(page, world, booking, person92):
    appointment = appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92],
        actor=Actor.for_scope(agent_access_scope(world.agent92), booking.motive),
    )  # fmt: skip
    page.goto(f"/rendez-vous-en-ligne/gerer/{manage_token(appointment, person92)}/")
    page.get_by_role("heading", name="Déplacer à un autre horaire").wait_for()
    assert serious_violations(page) == []
    page.locator(".slot-buttons button").nth(1).click()
    page.get_by_role("heading", name="Confirmer le déplacement").wait_for()
    assert page.get_by_text("Horaire actuel").is_visible() and page.get_by_text("Nouvel horaire").is_visible()
    assert serious_violations(page) == []
    appointment.refresh_from_db()
    assert appointment.start == booking.at(9)  # nothing moved yet
    page.get_by_role("button", name="Confirmer le déplacement").click()
    page.get_by_text("Votre rendez-vous est déplacé.").wait_for()
    assert page.get_by_text("Statut : prévu").is_visible()
    assert page.get_by_text("Ce champ est obligatoire").count() == 0
    assert page.locator(".slot-buttons button").count() > 0  # the other times are still offered
    appointment.refresh_from_db()
    assert appointment.start != booking.at(9)
    page.get_by_label("Je confirme l'annulation de ce rendez-vous").check()
    page.get_by_role("button", name="Annuler le rendez-vous").click()
    page.get_by_text("Votre rendez-vous est annulé.").wait_for()
    assert page.get_by_text("Statut : annulé par l'usager").is_visible()
    assert page.get_by_role("button", name="Annuler le rendez-vous").count() == 0
    assert serious_violations(page) == []


def test_citizen_types_a_postcode_and_gets_the_nearest_places(page, communes, world, booking):
    booking.site.commune = Commune.objects.get(name="Nanterre")
    booking.site.save()
    page.goto(f"/rendez-vous-en-ligne/motif/{booking.motive.public_id}/")
    field = page.get_by_label("Votre commune")
    assert field.get_attribute("list") == "communes"
    assert page.locator("#communes option[value='Nanterre (92000)']").count() == 1
    field.fill("92000")
    page.get_by_role("button", name="Trier par distance").click()
    page.locator(".results").get_by_text("à 0 km").wait_for()
    assert serious_violations(page) == []
    page.get_by_label("Votre commune").fill("Versailles")
    page.get_by_role("button", name="Trier par distance").click()
    page.get_by_text("Ce rendez-vous n'est pas proposé aux habitants de Versailles.").first.wait_for()
    assert serious_violations(page) == []


def test_agent_pages_through_dates_to_book(page, world, booking, person92):
    _login(page, "agent92@hauts-de-seine.fr")
    page.goto(f"/usagers/{person92.public_id}/rendez-vous/{booking.motive.public_id}/")
    first_heading = page.get_by_role("heading", name=re.compile("^Créneaux libres du")).inner_text()
    page.get_by_role("link", name="Dates suivantes").click()
    page.get_by_role("link", name="Dates précédentes").wait_for()
    assert page.get_by_role("heading", name=re.compile("^Créneaux libres du")).inner_text() != first_heading
    assert serious_violations(page) == []
    page.locator(".slot-buttons a").first.click()
    page.get_by_role("button", name="Réserver").click()
    page.get_by_text("Rendez-vous réservé le").wait_for()
    assert Appointment.objects.get().persons.get() == person92


def test_a_mediator_books_a_visio_guichet_held_at_their_point(page, communes, world, visio, person92):  # noqa: F811
    motive, _agenda, point, mediator = visio
    _login(page, mediator.email)
    page.goto(f"/usagers/{person92.public_id}/rendez-vous/{motive.public_id}/")
    page.locator(".slot-buttons a").first.click()
    chosen = page.get_by_label(re.compile("Réservé depuis"))
    assert chosen.input_value() == str(point.pk)  # the mediator's own point, already chosen
    assert serious_violations(page) == []
    page.get_by_role("button", name="Réserver").click()
    page.get_by_text("Rendez-vous réservé le").wait_for()
    page.get_by_text(
        "Rendez-vous en visio-guichet, à l'espace France services de Clichy, 80 boulevard Jean Jaurès, 92110 Clichy"
    ).wait_for()
    assert serious_violations(page) == []
    assert Appointment.objects.get().booked_from_site == point
