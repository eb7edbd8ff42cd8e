"""Every page and API answer that shows a person's data writes an access-log entry for that person.

The walk reuses the permissions sweep: every URL of the project with its parameters filled, plus the
searches and lists a person appears in. A response that names the person (or shows their e-mail) must
have added at least one entry for them. New URLs join the walk automatically."""

import pytest
from rest_framework.test import APIClient

from relais.api.services import api_token_create
from relais.privacy.models import AccessLog
from tests import test_permissions_sweep as sweep
from tests.territory.factories import AgentFactory

objects = sweep.objects

# What identifies the person on a page or in a JSON answer (person92 of tests/conftest.py), besides
# their identifier: the API names persons by it.
MARKERS = ("martin-dupont", "elodie.martin@example.fr")

# Lists and searches: the walk opens them with a query that finds the person.
QUERIES = {
    "people:search": "q=Martin-Dupont",
    "people:household_candidates": "q=Martin",
    "api-persons": "q=Martin-Dupont",
}

# Pages that name the person without reading their file: the navigation back to themselves after an
# action (none today). Listed here with the reason, or the test fails.
NOT_A_READ: dict[str, str] = {}


def _urls(objects):
    for route, name, _ in sweep._project_urls():
        if name in ("logout", "api-schema") or name.endswith(("export", "letter", "document", "attachment", "feed", "ics")):
            continue  # downloads are logged by their own tests; the schema holds no data
        try:
            url = sweep._fill(route, sweep._values_for(name, objects))
        except KeyError:
            continue
        if name == "people:household_candidates":  # from another person's file: one never joins one's own household
            url = sweep._fill(
                route,
                {
                    "public_id": str(
                        objects["pair"].person_b.public_id
                        if objects["pair"].person_a == objects["person"]
                        else objects["pair"].person_a.public_id
                    )
                },
            )
        if name in QUERIES:
            url += "?" + QUERIES[name]
        yield name, url


def _shows_the_person(content: bytes, person) -> bool:
    text = content.decode("utf-8", errors="replace").lower()
    return any(marker in text for marker in (*MARKERS, str(person.public_id)))


@pytest.mark.parametrize("who", ["agent", "manager", "token"])
def test_every_answer_showing_a_person_is_in_the_access_log(world, objects, who):
    person = objects["person"]
    client = APIClient()
    if who == "agent":
        client.force_login(world.agent92)
    elif who == "manager":  # reviews duplicates and merges: pages of their own
        client.force_login(AgentFactory(memberships=[(world.org92, world.accueil92, "manager")]))
    else:  # an integration of the 92's reception service: the API alone
        _, raw = api_token_create(organisation=world.org92, name="logiciel d'accueil", service=world.accueil92)
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    shown, missing = [], []
    for name, url in _urls(objects):
        before = AccessLog.objects.filter(person_id=person.pk).count()
        response = client.get(url)
        if response.status_code != 200 or not _shows_the_person(response.content, person):
            continue
        shown.append(name)
        if name in NOT_A_READ:
            continue
        if AccessLog.objects.filter(person_id=person.pk).count() == before:
            missing.append(f"{name} {url}")
    # The walk really reached the pages that matter (a broken walk would pass vacuously).
    expected = ["api-person", "api-persons", "api-appointments", "api-appointment", "api-requests", "api-request"]
    if who == "manager":
        expected += ["people:review_queue", "people:review_pair"]
    if who == "agent":
        expected += ["people:detail", "people:search", "people:household_candidates", "requests:queue", "exchanges:list"]
    for name in expected:
        assert name in shown, f"{name} not reached: {shown}"
    assert not missing, "Pages showing the person without an access-log entry:\n" + "\n".join(missing)


def test_the_list_of_merges_is_a_read_of_both_records(world, objects):
    """The merge of the sweep joins two other persons than the walk's: checked on its own."""
    merge = objects["merge"]
    client = APIClient()
    client.force_login(AgentFactory(memberships=[(world.org92, world.accueil92, "manager")]))
    response = client.get("/usagers/fusions/")
    assert response.status_code == 200 and merge.kept.display_name.encode() in response.content
    logged = set(AccessLog.objects.filter(detail="fusions").values_list("person_id", flat=True))
    assert logged == {merge.kept_id, merge.absorbed_id}
