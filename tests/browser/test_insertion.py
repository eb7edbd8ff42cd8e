"""An adviser of the 92 in chromium: a candidate's ranked offers, « Pourquoi pas ? » without a reload,
then a proposal made from the profile — the page passing axe's serious and critical checks."""

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps

from relais.insertion.models import Proposal
from tests.browser.conftest import login, serious_violations
from tests.insertion.factories import CandidateProfileFactory, CompanyFactory, OfferFactory
from tests.people.factories import PersonFactory
from tests.territory.factories import AgentFactory, ServiceFactory

pytestmark = pytest.mark.browser


def test_an_adviser_sees_why_not_and_proposes_an_offer(page, world):
    # Browser tests flush the database between tests: the reference data loaded by migrations goes too.
    import_module("relais.territory.migrations.0002_load_communes").load_communes(apps, None)
    import_module("relais.insertion.migrations.0002_load_rome").load_rome(apps, None)
    service = ServiceFactory(code="92-INSERTION", name="Insertion et RSA (Hauts-de-Seine)", organisations=[world.org92])
    adviser = AgentFactory(email="insertion92@hauts-de-seine.fr", memberships=[(world.org92, service, "social_worker")])
    company = CompanyFactory(organisations=[world.org92], name="Brasserie du Parc")
    start = dt.date.today() + dt.timedelta(days=30)
    OfferFactory(company=company, title="Commis de cuisine", start_date=start)
    night = OfferFactory(company=company, title="Veilleur de nuit", night_work=True, start_date=start)
    person = PersonFactory(
        birth_name="Benali", first_names="Samia", organisations=[world.org92], commune_code="92050", city="Nanterre"
    )
    CandidateProfileFactory(person=person, organisation=world.org92, available_from=dt.date.today())

    login(page, adviser.email)
    page.goto(f"/insertion/candidats/{person.public_id}/")
    page.get_by_role("heading", name="Offres qui conviennent").wait_for()
    assert page.get_by_role("link", name="Commis de cuisine — Brasserie du Parc").is_visible()
    assert serious_violations(page) == []

    page.get_by_label("Pourquoi pas cette offre ?").select_option(str(night.pk))
    page.get_by_role("button", name="Pourquoi pas ?").click()
    page.get_by_text("Travail de nuit non accepté").wait_for()

    page.get_by_role("button", name="Proposer l'offre « Commis de cuisine — Brasserie du Parc »").click()
    page.get_by_text("Proposition en cours").first.wait_for()
    assert Proposal.objects.get().profile.person == person
