import datetime as dt
import re

import pytest

from relais.exchanges.models import Exchange
from tests.browser.conftest import serious_violations
from tests.territory.factories import PASSWORD

pytestmark = pytest.mark.browser


def _login(page, email):
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Ma journée").wait_for()


def test_agent_finds_a_person_logs_an_exchange_and_sees_it_on_the_timeline(page, world, person92, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _login(page, "agent92@hauts-de-seine.fr")
    page.get_by_label("Rechercher un usager").fill("lefevre")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="MARTIN-DUPONT Élodie (née Lefèvre)").click()
    page.get_by_role("heading", name="MARTIN-DUPONT Élodie (née Lefèvre)", level=1).wait_for()

    page.get_by_text("Nouvel échange avec Élodie").click()
    page.locator("#exchange-form").get_by_label("Canal").select_option(label="Appel entrant")
    page.get_by_label("Résumé de l'échange").fill("Appel pour une demande d'APA pour sa mère.")
    page.get_by_label("Suite à donner").fill("Envoyer le dossier APA")
    page.get_by_label("Échéance de la suite").fill((dt.date.today() + dt.timedelta(days=5)).strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Enregistrer l'échange").click()
    page.get_by_text("L'échange a été enregistré.").wait_for()
    timeline = page.locator("#timeline")
    assert "Appel pour une demande d'APA pour sa mère." in timeline.inner_text()
    assert Exchange.objects.get().channel == "call_in"


def test_live_search_updates_results_while_typing(page, world, person92):
    _login(page, "agent92@hauts-de-seine.fr")
    page.goto("/usagers/")
    page.get_by_label("Nom, prénom, commune, téléphone, e-mail ou date de naissance").fill("06 12 34")
    page.locator("#search-results").get_by_role("link", name="MARTIN-DUPONT Élodie (née Lefèvre)").wait_for()


def test_invalid_exchange_shows_french_errors_in_place(page, world, person92):
    _login(page, "agent92@hauts-de-seine.fr")
    page.goto(f"/usagers/{person92.public_id}/")
    page.get_by_text("Nouvel échange avec Élodie").click()
    page.get_by_label(re.compile(r"^Date")).fill("32/13/2026")
    page.get_by_role("button", name="Enregistrer l'échange").click()
    page.get_by_text("Saisissez une date valide.").wait_for()
    assert not Exchange.objects.exists()


def test_main_pages_have_no_serious_accessibility_violation(page, world, person92):
    page.goto("/compte/connexion/")
    problems = {"connexion": serious_violations(page)}
    _login(page, "agent92@hauts-de-seine.fr")
    for name, url in [
        ("ma journée", "/"),
        ("recherche", "/usagers/?q=lefevre"),
        ("fiche usager", f"/usagers/{person92.public_id}/"),
        ("modification", f"/usagers/{person92.public_id}/modifier/"),
        ("création", "/usagers/nouveau/"),
        ("échanges", "/echanges/"),
        ("accessibilité", "/accessibilite/"),
        ("documentation de l'API", "/api/docs/"),
        ("page introuvable", "/nulle-part/"),
    ]:
        page.goto(url)
        problems[name] = serious_violations(page)
    assert {name: found for name, found in problems.items() if found} == {}


def test_a_reviewer_reads_why_two_records_are_two_people_and_an_agent_creating_a_person_sees_their_relatives(
    page, world, person92
):
    """The review page spells out the contradiction, the creation form tells a parent apart: both
    pass axe with no serious violation."""
    from relais.people.models import MatchPair
    from tests.people.factories import PersonFactory

    person92.birth_date = dt.date(1962, 4, 12)
    person92.save()
    daughter = PersonFactory(
        birth_name="Lefèvre", first_names="Élodie", sex="F", birth_date=dt.date(1990, 4, 12), organisations=[world.org92]
    )
    a, b = sorted([person92, daughter], key=lambda person: person.pk)
    finding = {"code": "birth_dates_differ", "severity": "against", "message": "dates de naissance à 28 ans d'écart"}
    pair = MatchPair.objects.create(
        person_a=a,
        person_b=b,
        probability=0.62,
        explanation={"comparisons": [], "findings": [finding], "household_discount": 1.0},
    )
    from tests.territory.factories import AgentFactory

    AgentFactory(email="responsable92@hauts-de-seine.fr", memberships=[(world.org92, world.accueil92, "manager")])
    _login(page, "responsable92@hauts-de-seine.fr")
    page.goto(f"/usagers/doublons/{pair.public_id}/")
    alert = page.get_by_role("note")
    assert "Ce qui désigne deux personnes différentes" in alert.inner_text()
    assert "Fort indice : Dates de naissance à 28 ans d'écart." in alert.inner_text()
    problems = {"comparaison": serious_violations(page)}

    page.goto("/usagers/nouveau/")
    page.get_by_label("Nom de naissance").fill("LEFEVRE")
    page.get_by_label("Prénoms").fill("Élodie")
    page.get_by_label("Date de naissance").fill("12/04/1990")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Personnes proches, qui ne sont pas la même personne").wait_for()
    assert "dates de naissance à 28 ans d'écart" in page.locator("main").inner_text()
    problems["création"] = serious_violations(page)
    assert problems == {"comparaison": [], "création": []}
