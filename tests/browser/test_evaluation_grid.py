"""The weekly counting grid in a real browser: typed from the keyboard (Enter goes down, arrows
move, nothing is submitted before « Enregistrer »), totals follow, no serious accessibility issue;
the label checks page too."""

import datetime as dt

import pytest
from django.utils import timezone

from relais.evaluation.imports import week_label
from relais.evaluation.models import SitePartner, VisitCount, week_monday
from tests.browser.conftest import login, serious_violations
from tests.evaluation.conftest import network  # noqa: F401 - shared fixture

pytestmark = pytest.mark.browser


@pytest.fixture
def communes(page):
    """Browser tests flush the database between tests, communes loaded by migration included."""
    from importlib import import_module

    from django.apps import apps

    import_module("relais.territory.migrations.0002_load_communes").load_communes(apps, None)


@pytest.fixture
def labels(page):
    from importlib import import_module

    from django.apps import apps

    import_module("relais.evaluation.migrations.0002_defaults").install(apps, None)


def test_a_mediator_types_the_grid_from_the_keyboard(page, communes, network):  # noqa: F811
    week = week_monday(timezone.localdate()) - dt.timedelta(weeks=1)
    SitePartner.objects.create(site=network.mureaux, partner=network.cpam)
    login(page, network.mediator78.email)
    page.goto(f"/evaluation/grille/?semaine={week_label(week)}")
    first = page.get_by_label("CPAM78 — Information, orientation")
    first.fill("4")
    first.press("Enter")  # the cell below
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Sans partenaire — Information, orientation"
    page.keyboard.press("ArrowRight")
    page.keyboard.type("3")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Sans partenaire — Aide à une démarche en ligne"
    assert page.locator("[data-grand-total]").inner_text() == "7"
    assert not VisitCount.objects.exists()  # Enter did not submit
    assert serious_violations(page) == []
    page.get_by_role("button", name="Enregistrer la grille").click()
    page.get_by_text("La grille est enregistrée.").wait_for()
    assert set(VisitCount.objects.values_list("partner__code", "kind", "count")) == {
        ("CPAM78", "information", 4),
        (None, "online_procedure", 3),
    }


def test_the_labels_page_has_no_serious_accessibility_issue(page, communes, labels, network):  # noqa: F811
    login(page, network.mediator78.email)
    page.goto("/evaluation/labels/")
    page.get_by_role("heading", name="France services des Mureaux").wait_for()
    assert serious_violations(page) == []
