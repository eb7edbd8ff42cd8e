"""The person's file and the duplicate review in a real browser: small screens, unique ids, focus
after « Afficher plus », and a merge that asks before it happens."""

import datetime as dt

import pytest
from django.utils import timezone

from relais.people.models import MatchPair, PersonMerge
from tests.browser.conftest import serious_violations
from tests.browser.test_workspace import _login
from tests.exchanges.factories import ExchangeFactory
from tests.people.factories import PersonFactory
from tests.territory.factories import AgentFactory

pytestmark = pytest.mark.browser

DUPLICATE_IDS = """() => {
  const seen = {};
  for (const element of document.querySelectorAll("[id]")) seen[element.id] = (seen[element.id] || 0) + 1;
  return Object.keys(seen).filter((id) => seen[id] > 1);
}"""


def _history(world, person, count: int) -> None:
    now = timezone.now()
    for index in range(count):
        ExchangeFactory(
            persons=[person], organisation=world.org92, service=world.accueil92, agent=world.agent92,
            occurred_at=now - dt.timedelta(days=index + 1),
            summary=f"Échange n° {index + 1} : appel au sujet du dossier d'allocation personnalisée d'autonomie à domicile.",
        )  # fmt: skip


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_person_file_and_the_work_queue_fit_a_phone_screen_and_the_file_has_unique_ids(page, world, person92, procedure):
    from relais.requests.services import RequestActor, request_register

    _history(world, person92, 3)
    request_register(
        procedure=procedure, person=person92, channel="email", subject="Demande d'allocation personnalisée d'autonomie à domicile",
        actor=RequestActor(label="accueil", agent=world.agent92),
    )  # fmt: skip
    page.set_viewport_size({"width": 375, "height": 800})
    _login(page, "agent92@hauts-de-seine.fr")

    page.goto(f"/usagers/{person92.public_id}/")
    assert page.evaluate(DUPLICATE_IDS) == []
    assert _width(page) <= 375
    page.get_by_text("Nouvel échange avec Élodie").click()  # the exchange form open is wider still
    assert _width(page) <= 375

    page.goto("/demandes/")
    page.get_by_role("heading", level=1).wait_for()
    assert _width(page) <= 375


def test_the_manager_s_queue_and_jobs_fit_a_phone_screen(page, world, person92):
    """Visually hidden text in a table cell must not stretch the page past the table's scroll region."""
    from relais.people.models import LinkJob

    job = LinkJob.objects.create(description="Rapprochement 78-92", status="done", records=5000, pairs=1, to_review=1)
    copy = PersonFactory(birth_name="LEFEVRE", first_names="Elodie", organisations=[world.org78])
    a, b = sorted([person92, copy], key=lambda person: person.pk)
    MatchPair.objects.create(job=job, person_a=a, person_b=b, probability=0.9, explanation={})
    AgentFactory(email="responsable92@hauts-de-seine.fr", memberships=[(world.org92, world.accueil92, "manager")])
    page.set_viewport_size({"width": 375, "height": 800})
    _login(page, "responsable92@hauts-de-seine.fr")

    for url in ("/usagers/traitements/", "/usagers/doublons/"):
        page.goto(url)
        assert "1 paire à examiner" in page.locator("main").inner_text()
        assert _width(page) <= 375, url


def test_afficher_plus_moves_the_keyboard_to_the_first_new_item(page, world, person92):
    _history(world, person92, 30)
    _login(page, "agent92@hauts-de-seine.fr")
    page.goto(f"/usagers/{person92.public_id}/")
    more = page.get_by_role("link", name="Afficher plus")
    more.focus()

    page.keyboard.press("Enter")

    page.locator("#historique-26:focus").wait_for()
    assert "Échange n° 26" in page.evaluate("document.activeElement.textContent")
    assert page.locator("#timeline li").count() == 30


def test_a_merge_asks_first_escape_cancels_and_a_second_key_press_confirms(page, world, person92):
    copy = PersonFactory(birth_name="LEFEVRE", first_names="Elodie", organisations=[world.org92])
    a, b = sorted([person92, copy], key=lambda person: person.pk)
    pair = MatchPair.objects.create(person_a=a, person_b=b, probability=0.9, explanation={})
    AgentFactory(email="responsable92@hauts-de-seine.fr", memberships=[(world.org92, world.accueil92, "manager")])
    _login(page, "responsable92@hauts-de-seine.fr")
    page.goto(f"/usagers/doublons/{pair.public_id}/")
    dialog = page.get_by_role("dialog", name="Fusionner ces deux fiches ?")

    page.keyboard.press("a")

    dialog.wait_for()
    assert page.evaluate("document.activeElement.textContent") == "Confirmer la fusion (a)"
    assert serious_violations(page) == []
    assert not PersonMerge.objects.exists()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.textContent") == "Fusionner (a)"
    assert not PersonMerge.objects.exists()

    page.keyboard.press("a")
    dialog.wait_for()
    page.keyboard.press("a")

    page.get_by_text("Fiches fusionnées dans celle de").wait_for()
    assert PersonMerge.objects.count() == 1


def test_a_printed_person_file_keeps_the_content_in_black_on_white_without_navigation_or_forms(page, world, person92):
    _history(world, person92, 2)
    _login(page, "agent92@hauts-de-seine.fr")
    page.goto(f"/usagers/{person92.public_id}/")
    page.emulate_media(media="print")

    assert not page.get_by_role("navigation", name="Menu principal").is_visible()
    assert not page.get_by_role("button", name="Filtrer").is_visible()
    assert not page.get_by_role("link", name="Prendre rendez-vous").is_visible()
    assert not page.get_by_text("Nouvel échange avec Élodie").is_visible()
    assert page.get_by_role("heading", name="Historique").is_visible()
    assert page.get_by_text("Échange n° 1 :").is_visible()
    colours = page.evaluate(
        "[getComputedStyle(document.querySelector('main')).color, getComputedStyle(document.body).backgroundColor]"
    )
    assert colours[0] == "rgb(0, 0, 0)" and colours[1] in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
