"""A request's reference typed in a search box opens it, wherever it is handled, for those who may see it."""

import re

from django.urls import reverse

from relais.requests.services import RequestActor, request_register
from relais.territory.policies import agent_access_scope


def _registered_for_the_pmi_by_the_reception(world, person92):
    """The reception agent registers a letter for the PMI: it is in the PMI's queue, not in theirs."""
    from relais.requests.models import Procedure

    pmi_procedure = Procedure.objects.create(
        code="92-AGREMENT", name="Agrément d'assistant maternel", organisation=world.org92, service=world.pmi92,
        regime="acceptance", delay_value=3,
    )  # fmt: skip
    actor = RequestActor(label="Accueil", agent=world.agent92, scope=agent_access_scope(world.agent92))
    return request_register(procedure=pmi_procedure, person=person92, channel="letter", subject="Agrément", actor=actor)


def test_global_search_opens_a_request_registered_for_another_service(world, person92):
    item = _registered_for_the_pmi_by_the_reception(world, person92)
    client = world.client_for(world.agent92)
    assert item not in client.get(reverse("requests:queue")).context["page"].object_list
    detail = reverse("requests:detail", args=[item.public_id])
    response = client.get(reverse("people:search"), {"q": f" {item.reference.lower()} "})
    assert response.status_code == 302 and response["Location"] == detail
    typed = client.get(reverse("people:search"), {"q": item.reference}, headers={"HX-Request": "true"})
    assert typed["HX-Redirect"] == detail
    assert client.get(detail).status_code == 200


def test_queue_search_opens_the_request_or_narrows_the_list_to_matching_references(world, procedure, person92):
    item = _registered_for_the_pmi_by_the_reception(world, person92)
    actor = RequestActor(label="Accueil", agent=world.agent92, scope=agent_access_scope(world.agent92))
    own = request_register(procedure=procedure, person=person92, channel="letter", subject="APA", actor=actor)
    client = world.client_for(world.agent92)
    response = client.get(reverse("requests:queue"), {"q": item.reference})
    assert response["Location"] == reverse("requests:detail", args=[item.public_id])
    narrowed = client.get(reverse("requests:queue"), {"q": own.reference[:-2]})
    assert list(narrowed.context["page"].object_list) == [own]
    assert 'value="' + own.reference[:-2] + '"' in narrowed.content.decode()


def test_a_reference_the_agent_may_not_see_answers_like_one_that_does_not_exist(world, person92):
    item = _registered_for_the_pmi_by_the_reception(world, person92)
    missing = item.reference[:-6] + "999999"
    client = world.client_for(world.agent78)
    for url in (reverse("people:search"), reverse("requests:queue")):
        hidden = client.get(url, {"q": item.reference})
        absent = client.get(url, {"q": missing})
        assert hidden.status_code == absent.status_code == 200
        assert _without_tokens(hidden.content.decode().replace(item.reference, missing)) == _without_tokens(
            absent.content.decode()
        )


def _without_tokens(page: str) -> str:
    return re.sub(r'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", page)
