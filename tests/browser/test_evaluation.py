"""A manager of the 78 in chromium: the network's evaluation dashboard — figures, server-drawn charts
each with its table, the PDF report downloaded — passing axe's serious and critical checks."""

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps

from relais.evaluation.models import SurveyChannel, SurveyResponse, VisitCount
from relais.territory.models import Commune, Site
from tests.browser.conftest import login, serious_violations
from tests.territory.factories import AgentFactory, SiteFactory

pytestmark = pytest.mark.browser


def test_a_manager_reads_the_dashboard_and_downloads_the_report(page, world):
    # Browser tests flush the database between tests: the reference data loaded by migrations goes too.
    import_module("relais.territory.migrations.0002_load_communes").load_communes(apps, None)
    site = SiteFactory(organisation=world.org78, name="France services des Mureaux", code="78-FS-MUREAUX",
                       kind=Site.Kind.SERVICE_POINT, commune=Commune.objects.get(pk="78440"))  # fmt: skip
    manager = AgentFactory(email="responsable78@yvelines.fr", memberships=[(world.org78, world.accueil78, "manager")])
    last_month = dt.date.today().replace(day=1) - dt.timedelta(days=20)
    levels = ["tres_satisfait"] * 6 + ["plutot_satisfait"] * 3 + ["pas_du_tout_satisfait"]
    SurveyResponse.objects.bulk_create(
        SurveyResponse(site=site, channel=SurveyChannel.KIOSK, answered_on=last_month, satisfaction=level,
                       reasons=["proximite"], comment="Accueil très chaleureux." if i == 0 else "")
        for i, level in enumerate(levels)
    )  # fmt: skip
    monday = last_month - dt.timedelta(days=last_month.weekday())
    VisitCount.objects.create(site=site, week=monday, partner=world.caf, kind="visio", count=14)

    login(page, manager.email)
    page.goto("/evaluation/")
    page.get_by_role("heading", name="Évaluation du réseau des points d'accueil").wait_for()
    assert page.get_by_text("90,0").first.is_visible()  # 9 satisfied of 10
    assert page.get_by_role(
        "img", name="Graphique : visites par partenaire (les nombres sont dans le tableau qui suit)."
    ).is_visible()
    assert page.get_by_role("table", name="Visites par partenaire").is_visible()
    assert page.get_by_text("Accueil très chaleureux.").is_visible()
    assert serious_violations(page) == []

    with page.expect_download() as download:
        page.get_by_role("link", name="Rapport d'activité (PDF)").click()
    assert download.value.suggested_filename.startswith("rapport-evaluation-")
