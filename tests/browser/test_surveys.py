"""The survey pages in a real browser: under the policy, without serious accessibility violation;
the kiosk comes back to a blank questionnaire by itself; errors take the keyboard to their summary."""

import datetime as dt

import pytest
from django.utils import timezone

from relais.evaluation import surveys
from relais.evaluation.defaults import install_defaults
from relais.evaluation.models import Label, Question, Questionnaire, SurveyInvitation, SurveyResponse
from relais.territory.models import Site
from tests.browser.conftest import serious_violations
from tests.browser.test_content_security_policy import console  # noqa: F401 - fixture
from tests.people.factories import PersonFactory
from tests.territory.factories import SiteFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def service_point(world):
    install_defaults(Questionnaire, Question, Label)  # a committing test before this one flushed them
    return SiteFactory(organisation=world.org78, name="France services des Mureaux", kind=Site.Kind.SERVICE_POINT)


def test_the_kiosk_takes_an_answer_and_comes_back_blank(page, console, world, service_point):  # noqa: F811
    questionnaire = Questionnaire.objects.get(is_default=True)
    _, token = surveys.kiosk_create(site=service_point, questionnaire=questionnaire, name="Hall", created_by=world.agent78)
    page.goto(f"/avis/borne/{token}/")
    assert serious_violations(page) == []
    page.get_by_label("Plutôt satisfait").check()
    page.get_by_label("Les horaires").check()
    page.get_by_role("button", name="Envoyer mon avis").click()
    page.get_by_role("heading", name="Merci pour votre avis").wait_for()
    # The refresh brings the next visitor a blank questionnaire, with nothing of the previous answer.
    page.get_by_role("heading", name="Votre avis sur votre visite").wait_for(timeout=15_000)
    assert not page.get_by_label("Plutôt satisfait").is_checked() and not page.get_by_label("Les horaires").is_checked()
    response = SurveyResponse.objects.get()
    assert (response.satisfaction, response.reasons, response.channel) == ("plutot_satisfait", ["horaires"], "kiosk")
    assert console == []


def test_a_link_answered_without_the_required_question(page, console, world, service_point):  # noqa: F811
    questionnaire = Questionnaire.objects.get(is_default=True)
    SurveyInvitation.objects.create(
        questionnaire=questionnaire, person=PersonFactory(), token_hash=surveys.token_hash("lien-navigateur"),
        channel="email", visit_key="appointment:navigateur", site=service_point,
        visit_date=timezone.localdate() - dt.timedelta(days=1), expires_at=timezone.now() + dt.timedelta(days=14),
    )  # fmt: skip
    page.goto("/avis/lien-navigateur/")
    page.get_by_role("button", name="Envoyer mon avis").click()
    page.get_by_text("Certaines réponses sont à compléter").wait_for()
    assert page.evaluate("document.activeElement.id") == "survey-errors"
    assert serious_violations(page) == []
    page.get_by_role("link", name="Globalement").click()
    page.get_by_label("Très satisfait").check()
    page.get_by_role("button", name="Envoyer mon avis").click()
    page.get_by_role("heading", name="Merci pour votre avis").wait_for()
    page.goto("/avis/lien-navigateur/")
    page.get_by_role("heading", name="Vous avez déjà donné votre avis").wait_for()
    # The 400 of the refused answer and the 410 of the used link are the only messages in the console.
    assert [m for m in console if "status of 4" not in m] == []
