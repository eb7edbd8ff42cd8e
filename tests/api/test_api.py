import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from relais.api.models import ApiToken
from relais.exchanges.models import Exchange
from relais.people.models import Person
from relais.privacy.models import AccessLog
from tests.exchanges.factories import ExchangeFactory


def _token_for(code, name="logiciel RSA", service=None):
    from io import StringIO

    out = StringIO()
    args = ["--organisation", code, "--name", name] + (["--service", service] if service else [])
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().strip()


def _client(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_create_api_token_prints_a_token_that_is_stored_only_hashed(world):
    raw = _token_for("92")
    assert raw.startswith("rls_") and len(raw) > 30
    token = ApiToken.objects.get()
    assert token.organisation == world.org92 and raw not in token.key_hash


def test_create_api_token_refuses_an_unknown_organisation(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="inconnue"):
        call_command("create_api_token", "--organisation", "99", "--name", "x")


def test_requests_without_or_with_a_wrong_token_are_refused(world):
    assert APIClient().get("/api/v1/persons/").status_code in (401, 403)
    response = _client("rls_faux").get("/api/v1/persons/")
    assert response.status_code == 401 and response.json()["detail"] == "Jeton inconnu."


def test_token_searches_and_reads_only_its_organisations_persons(world, person92, person78):
    client = _client(_token_for("92"))
    found = client.get("/api/v1/persons/", {"q": "lefevre"}).json()
    assert [p["id"] for p in found["results"]] == [str(person92.public_id)]
    listed = client.get("/api/v1/persons/").json()
    assert {p["id"] for p in listed["results"]} == {str(person92.public_id)}
    assert client.get(f"/api/v1/persons/{person78.public_id}/").status_code == 404
    assert client.get("/api/v1/persons/00000000-0000-0000-0000-000000000000/").status_code == 404
    read = client.get(f"/api/v1/persons/{person92.public_id}/")
    assert read.json()["phones"] == ["+33612345678"] and "nir" not in read.json()
    assert AccessLog.objects.filter(actor_kind="api", person_id=person92.pk).exists()


def test_token_creates_a_person_with_french_validation_errors(world):
    client = _client(_token_for("92"))
    bad = client.post("/api/v1/persons/", {"birth_name": "Petit", "first_names": "Léa", "phones": ["12"]}, format="json")
    assert bad.status_code == 400 and "numéro de téléphone" in bad.json()["phones"][0]
    good = client.post(
        "/api/v1/persons/", {"birth_name": "Petit", "first_names": "Léa", "phones": ["06 11 22 33 44"]}, format="json"
    )
    assert good.status_code == 201 and good.json()["phones"] == ["+33611223344"]
    assert Person.objects.get().organisations.get() == world.org92


def test_update_needs_the_version_read_and_refuses_a_stale_one(world, person92):
    client = _client(_token_for("92"))
    url = f"/api/v1/persons/{person92.public_id}/"
    etag = client.get(url)["ETag"]
    assert client.patch(url, {"city": "Clamart"}, format="json").status_code == 428
    ok = client.patch(url, {"city": "Clamart"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok.json()["city"] == "Clamart" and ok.json()["usage_name"] == "Martin-Dupont"
    stale = client.patch(url, {"city": "Sceaux"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    person92.refresh_from_db()
    assert person92.city == "Clamart"


def test_partner_token_cannot_create_persons(world):
    client = _client(_token_for("CAF92"))
    assert client.post("/api/v1/persons/", {"birth_name": "Petit", "first_names": "Léa"}, format="json").status_code == 403


def test_exchanges_are_listed_with_sensitive_content_hidden_and_created(world, person92):
    ExchangeFactory(persons=[person92], agent=world.pmi_agent, service=world.pmi92, organisation=world.org92, summary="Suivi PMI")
    client = _client(_token_for("92"))
    listed = client.get("/api/v1/exchanges/", {"person": str(person92.public_id)}).json()
    assert listed["count"] == 1
    assert listed["results"][0]["content_visible"] is False and listed["results"][0]["summary"] is None
    created = client.post(
        "/api/v1/exchanges/",
        {
            "persons": [str(person92.public_id)],
            "channel": "email",
            "occurred_at": "2026-01-15T10:00:00+01:00",
            "service": "92-ACCUEIL",
            "summary": "Mail reçu",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    exchange = Exchange.objects.get(public_id=created.json()["id"])
    assert exchange.api_token is not None and exchange.agent is None
    refused = client.post(
        "/api/v1/exchanges/",
        {
            "persons": [str(person92.public_id)],
            "channel": "email",
            "occurred_at": "2026-01-15T10:00:00+01:00",
            "service": "78-ACCUEIL",
        },
        format="json",
    )
    assert refused.status_code == 400 and "hors du périmètre" in refused.json()["service"][0]


def test_bad_filters_get_french_errors(world):
    client = _client(_token_for("92"))
    response = client.get("/api/v1/exchanges/", {"channel": "pigeon"})
    assert response.status_code == 400 and "Canal inconnu" in response.json()["channel"][0]


def test_openapi_schema_and_docs_are_served(world, client):
    schema = client.get(reverse("api-schema"), {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/persons/", "/api/v1/persons/{public_id}/", "/api/v1/exchanges/"} <= set(paths)
    docs = client.get(reverse("api-docs"))
    page = docs.content.decode()
    assert docs.status_code == 200 and '<html lang="fr">' in page
    # Every operation of the schema is documented, in French, with its parameters and body.
    assert page.count('class="card api-operation"') == sum(
        method in {"get", "post", "put", "patch", "delete"} for item in paths.values() for method in item
    )
    assert "<code>GET /api/v1/persons/</code> — Rechercher ou lister les usagers visibles" in page
    assert "<code>Idempotency-Key (en-tête)</code>" in page and "Corps de la requête (JSON)" in page
    assert "<code>Authorization: Token &lt;jeton&gt;</code>" in page and "`" not in page
    assert client.get(reverse("api-console")).status_code == 200


def test_agent_session_can_use_the_api_with_the_same_policies(world, person92, person78):
    client = APIClient()
    client.force_login(world.agent78)
    ids = {p["id"] for p in client.get("/api/v1/persons/").json()["results"]}
    assert ids == {str(person78.public_id)}


def test_a_search_costs_the_same_queries_whatever_the_number_of_persons_found(world, person92):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relais.people.models import ContactPoint
    from tests.people.factories import PersonFactory

    for n in range(30):
        person = PersonFactory(birth_name="Brossard", first_names="Lucie", organisations=[world.org92])
        ContactPoint.objects.create(person=person, kind="phone", value=f"+3361234{n:04d}")
    client = _client(_token_for("92"))
    client.get("/api/v1/persons/", {"q": "lefevre"})  # the first request warms what is cached per process
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/persons/", {"q": "lefevre"}).json()["count"] == 1
    with CaptureQueriesContext(connection) as thirty:
        found = client.get("/api/v1/persons/", {"q": "brossard lucie"}).json()
    assert found["count"] == 30 and all(len(person["phones"]) == 1 for person in found["results"])
    assert len(thirty.captured_queries) == len(one.captured_queries)
    # Every person read is in the access log, in one insert.
    assert AccessLog.objects.filter(actor_kind="api", detail="API liste").count() == 1 + 1 + 30
    assert sum("privacy_accesslog" in query["sql"] for query in thirty.captured_queries) == 1


def test_reads_are_logged_without_waiting_for_the_disk_but_exports_wait(world, person92):
    from django.db import connection, transaction
    from django.test import RequestFactory

    from relais.privacy.services import access_log_record
    from relais.territory.policies import agent_access_scope

    if connection.vendor != "postgresql":
        pytest.skip("asynchronous commit is PostgreSQL's")
    scope = agent_access_scope(world.agent92)

    def synchronous_commit_after(action: str, method: str) -> str:
        request = getattr(RequestFactory(), method)(f"/usagers/{person92.public_id}/")
        with transaction.atomic(), connection.cursor() as cursor:
            access_log_record(scope=scope, action=action, persons=[person92], request=request)
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    # In this order: the test runs in one transaction, where SET LOCAL lasts until its end.
    assert synchronous_commit_after(AccessLog.Action.EXPORT, "get") == "on"
    assert synchronous_commit_after(AccessLog.Action.EDIT, "post") == "on"
    assert synchronous_commit_after(AccessLog.Action.VIEW, "get") == "off"


def test_a_rotated_token_answers_to_its_new_secret_only(world, person92):
    from relais.api.services import api_token_create, api_token_rotate

    token, old = api_token_create(organisation=world.org92, name="démonstration")
    new = api_token_rotate(token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert client.get("/api/v1/persons/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert client.get("/api/v1/persons/").status_code == 200


def test_an_agent_session_is_throttled_on_the_api_with_a_french_answer(world, monkeypatch, settings):
    from relais.api.throttling import AgentSessionThrottle

    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_agent"] == "1200/hour"
    monkeypatch.setattr(AgentSessionThrottle, "rate", "3/hour", raising=False)  # DRF reads the rates once, at import
    client = APIClient()
    client.force_login(world.agent78)
    assert [client.get("/api/v1/persons/").status_code for _ in range(3)] == [200, 200, 200]

    refused = client.get("/api/v1/persons/")

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["detail"].startswith("Trop de requêtes : réessayez dans ")
    colleague = APIClient()  # counted per agent
    colleague.force_login(world.agent92)
    assert colleague.get("/api/v1/persons/").status_code == 200
