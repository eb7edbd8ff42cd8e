"""The main pages of each role, in a real browser under the Content-Security-Policy: nothing is refused
(no securitypolicyviolation event, no error in the console) and htmx still works (the calendar's
view switch, search as you type)."""

import re

import pytest

from relais.appointments.services import Actor, appointment_book
from relais.requests.services import RequestActor, request_register
from relais.territory.policies import agent_access_scope
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

# Every violation the browser sees is written to the console, where the test collects it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " " + event.blockedURI + " "
    + event.sourceFile + ":" + event.lineNumber + " " + event.sample);
});
"""


@pytest.fixture
def console(page):
    """The console's errors and warnings, and every policy violation, of every page the test opens."""
    messages: list[str] = []
    page.context.add_init_script(REPORT_VIOLATIONS)

    def collect(message):
        if message.type not in ("error", "warning"):
            return
        if message.location.get("url", "").endswith("/favicon.ico"):
            return  # Relais has no favicon: the browser's own request for one answers 404
        messages.append(f"{page.url}: {message.type}: {message.text}")

    page.on("console", collect)
    page.on("pageerror", lambda error: messages.append(f"{page.url}: exception: {error}"))
    return messages


def _settled(page) -> None:
    page.wait_for_load_state("networkidle")
    # htmx was told not to inject its indicator styles (the policy would refuse them): no <style> at all.
    assert page.evaluate("document.querySelectorAll('style').length") == 0


def test_agent_pages_run_under_the_policy_without_violation(page, console, world, booking, person92, procedure):
    actor = Actor.for_scope(agent_access_scope(world.agent92), booking.motive)
    appointment_book(motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92], actor=actor)
    request_actor = RequestActor(label="Accueil", agent=world.agent92, scope=agent_access_scope(world.agent92))
    request = request_register(procedure=procedure, person=person92, channel="letter", subject="APA", actor=request_actor)

    page.goto("/compte/connexion/")
    _settled(page)
    login(page, "agent92@hauts-de-seine.fr")
    _settled(page)

    # The calendar: the week's grid places the appointment with classes; switching to the day view
    # is an htmx request that replaces the grid.
    page.goto(f"/rendez-vous/?agenda={booking.agenda.public_id}&date={booking.day.isoformat()}")
    _settled(page)
    item = page.locator(".calendar-grid__item").first
    assert item.evaluate("element => getComputedStyle(element).gridRowStart") == "6"
    assert item.evaluate("element => getComputedStyle(element).gridRowEnd") == "span 2"
    page.get_by_label("Vue").select_option(label="Jour")
    page.locator(".calendar-grid--day").wait_for()
    _settled(page)

    # The person file, and the search that answers while the agent types (htmx).
    page.goto(f"/usagers/{person92.public_id}/")
    page.get_by_role("heading", name="MARTIN-DUPONT Élodie (née Lefèvre)", level=1).wait_for()
    _settled(page)
    page.goto("/usagers/")
    page.get_by_label("Nom, prénom, commune, téléphone, e-mail ou date de naissance").fill("06 12 34")
    page.locator("#search-results").get_by_role("link", name="MARTIN-DUPONT Élodie (née Lefèvre)").wait_for()
    _settled(page)

    # The requests' queue and a request.
    page.goto("/demandes/")
    page.get_by_role("link", name=re.compile(request.reference)).first.wait_for()
    _settled(page)
    page.goto(f"/demandes/{request.public_id}/")
    page.get_by_role("heading", name=f"Demande {request.reference}").wait_for()
    _settled(page)

    # The API reference and the interactive console (Swagger UI builds its page with scripts, from static files).
    page.goto("/api/docs/")
    _settled(page)
    page.goto("/api/console/")
    page.locator(".opblock").first.wait_for()
    page.wait_for_load_state("networkidle")

    assert console == []


def test_citizen_books_online_without_violation(page, console, world, booking):
    page.goto("/rendez-vous-en-ligne/")
    _settled(page)
    page.get_by_role("link", name="Information RSA").click()
    page.get_by_role("link", name="Pôle social de Nanterre").click()
    page.get_by_role("heading", name="Créneaux disponibles").wait_for()
    _settled(page)
    page.locator(".slot-buttons button").first.click()
    page.get_by_role("heading", name="Vos coordonnées").wait_for()
    _settled(page)
    page.get_by_label("Nom de naissance").fill("Durand")
    page.get_by_label("Prénom").fill("Léa")
    page.get_by_label("Date de naissance").fill("03/02/1990")
    page.get_by_label("Adresse e-mail").fill("lea.durand@example.fr")
    page.get_by_label(re.compile("J'accepte")).check()
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    page.get_by_role("heading", name="Votre rendez-vous est confirmé").wait_for()
    _settled(page)
    assert console == []


def test_the_browser_enforces_the_policy(page, console, world):
    """The checks above would pass vacuously without a policy: an inline style and an inline script
    added to the page are refused, and reported."""
    page.goto("/compte/connexion/")
    page.evaluate("""() => {
      const box = document.createElement("div");
      box.setAttribute("style", "color: red");
      document.body.append(box);
      const script = document.createElement("script");
      script.textContent = "window.inlineRan = true";
      document.body.append(script);
    }""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.inlineRan") is None
    assert any("CSP violation: style-src-attr" in message for message in console)
    assert any("CSP violation: script-src-elem" in message for message in console)


def test_htmx_keeps_no_copy_of_the_pages_in_the_browser(page, console, world, person92):
    """Pages are sent no-store; htmx's history cache would keep them in sessionStorage anyway (after a
    logout, the back button would show them): it is off, and going back reloads from the server."""
    login(page, "agent92@hauts-de-seine.fr")
    page.goto("/usagers/")
    page.get_by_label("Nom, prénom, commune, téléphone, e-mail ou date de naissance").fill("06 12 34")
    person = page.locator("#search-results").get_by_role("link", name="MARTIN-DUPONT Élodie (née Lefèvre)")
    person.wait_for()
    page.wait_for_url(re.compile(r"q=06"))  # htmx pushed the search into the history
    person.click()
    page.get_by_role("heading", name="MARTIN-DUPONT Élodie (née Lefèvre)", level=1).wait_for()
    assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") is None
    page.go_back()
    page.locator("#search-results").get_by_role("link", name="MARTIN-DUPONT Élodie (née Lefèvre)").wait_for()
    assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") is None
    assert console == []
