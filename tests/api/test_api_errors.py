"""What the API contract fuzzing found, pinned in the default suite: JSON errors everywhere under
/api/, paginated lists documented as such, required and typed inputs refused with French field errors."""

import uuid

from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from relais.api.services import api_token_create


def _client(world) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(organisation=world.org92, name='outil')[1]}")
    return client


def test_a_malformed_identifier_in_the_path_gets_a_json_404(world):
    response = _client(world).get("/api/v1/persons/pas-un-uuid/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Ressource introuvable."}


def test_a_missing_or_malformed_motive_is_a_400_field_error(world):
    client = _client(world)
    for url in ("/api/v1/slots/", "/api/v1/sessions/"):
        missing = client.get(url)
        assert missing.status_code == 400 and "obligatoire" in missing.json()["motive"][0]
        assert client.get(url, {"motive": "abc"}).json() == {"motive": ["Identifiant de motif invalide."]}
        assert client.get(url, {"motive": str(uuid.uuid4())}).status_code == 404


def test_wrongly_typed_inputs_are_refused(world, person92):
    client = _client(world)
    assert client.get("/api/v1/persons/", {"page_size": "abc"}).json() == {"page_size": ["Nombre entier positif attendu."]}
    assert client.get("/api/v1/persons/", {"q": "Martin", "page_size": "0"}).status_code == 400
    created = client.post("/api/v1/persons/", {"birth_name": "Petit", "first_names": "Léa", "city": 0}, format="json")
    assert created.status_code == 400 and created.json() == {"city": ["Chaîne de caractères attendue."]}
    assert (
        client.post("/api/v1/persons/", "birth_name=Petit", content_type="application/x-www-form-urlencoded").status_code == 415
    )


def test_the_schema_documents_paginated_lists_and_errors():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    for path in ("/api/v1/persons/", "/api/v1/exchanges/", "/api/v1/appointments/", "/api/v1/requests/"):
        ok = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ok.startswith("#/components/schemas/Paginated"), path
        assert {p["name"] for p in paths[path]["get"]["parameters"]} >= {"page", "page_size"}
    for path, item in paths.items():
        for method, operation in item.items():
            if path.startswith("/api/v1/"):
                assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)
    assert set(paths["/api/v1/persons/{public_id}/"]["get"]["responses"]) >= {"200", "404"}
    assert set(paths["/api/v1/persons/"]["post"]["responses"]) >= {"201", "400", "413", "415"}
