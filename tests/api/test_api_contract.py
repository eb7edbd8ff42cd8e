"""The API contract, fuzzed: Schemathesis reads the OpenAPI schema that drf-spectacular generates,
sends generated requests (valid and invalid) to the application in-process through WSGI, once with
a token of each kind, and checks every answer: no server error, a status code the schema
documents, JSON, a body that matches the documented schema, valid input accepted, invalid input
refused. Bounded so that the whole run takes a few minutes: `uv run pytest -m contract`."""

from __future__ import annotations

import json
import uuid

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.specs.openapi.checks import positive_data_acceptance

from relais.api.services import api_token_create
from relais.appointments.services import Actor, session_create
from relais.territory.policies import agent_access_scope
from tests.appointments.factories import MotiveFactory
from tests.people.factories import PersonFactory

pytestmark = [pytest.mark.contract, pytest.mark.django_db]

# Each operation gets this many generated examples per phase (the coverage phase adds its own
# deterministic boundary and negative cases): with four kinds of token, a few minutes in all.
MAX_EXAMPLES = 8


@pytest.fixture
def _keep_connection():
    """Django's WSGI handler closes the database connection after each request, as in production;
    the test's transaction must survive every request, as with Django's test client."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _token(**kwargs) -> str:
    return api_token_create(**kwargs)[1]


@pytest.fixture
def tokens(world, booking, procedure, person92, person78):
    """Demo-like data the generated requests may meet, and one token of each kind."""
    raw = {
        # An integration acting for a whole organisation (the RSA software, the portal…).
        "organisation": _token(organisation=world.org92, name="logiciel métier"),
        # An integration acting for one sensitive service, which reads that service's content.
        "service": _token(organisation=world.org92, name="logiciel PMI", service=world.pmi92),
        # The mail server, with the recipient service's own token (its address is the procedure's).
        "inbound": _token(organisation=world.org92, name="serveur de messagerie", service=world.accueil92),
        # A partner organisation's integration: no identity edits.
        "partner": _token(organisation=world.caf, name="CAF"),
    }
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw['organisation']}")
    booked = client.post(
        "/api/v1/appointments/",
        {
            "motive": str(booking.motive.public_id),
            "agenda": str(booking.agenda.public_id),
            "start": booking.at(9).isoformat(),
            "person": str(person92.public_id),
        },
        format="json",
    )
    assert booked.status_code == 201, booked.content
    registered = client.post(
        "/api/v1/requests/",
        {"procedure": procedure.code, "person": str(person92.public_id), "channel": "email", "subject": "APA"},
        format="json",
    )
    assert registered.status_code == 201, registered.content
    logged = client.post(
        "/api/v1/exchanges/",
        {
            "persons": [str(person92.public_id)],
            "channel": "call_in",
            "occurred_at": "2026-01-05T10:00:00+01:00",
            "service": "92-ACCUEIL",
        },
        format="json",
    )
    assert logged.status_code == 201, logged.content
    meeting = MotiveFactory(service=world.accueil92, name="Atelier numérique", collective=True)
    booking.agenda.openings.first().motives.add(meeting)
    actor = Actor.for_scope(agent_access_scope(world.agent92), meeting)
    session_create(motive=meeting, agenda=booking.agenda, start=booking.at(11), actor=actor)
    PersonFactory(birth_name="Garnier", first_names="Lucie", organisations=[world.org92])
    return raw


# The schema drf-spectacular serves at /api/schema/, generated in-process when the module is collected.
schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
)
schema.app = WSGIHandler()  # called in-process, no server


# Requests the schema cannot tell apart from good ones, refused with a French field error (400):
# they name a service, procedure, person or agenda that does not exist for this token, or break a rule
# between fields. Everything else is still checked for them.
SCHEMA_VALID_BUT_REFUSED = {
    "POST /api/v1/exchanges/": "unknown service code, topic or person",
    "POST /api/v1/requests/": "unknown procedure code or person",
    # Phone numbers, e-mail addresses, NIR and postcodes are checked beyond their shape.
    "POST /api/v1/persons/": "phone, e-mail, NIR or postcode refused",
    "PATCH /api/v1/persons/{public_id}/": "phone, e-mail, NIR or postcode refused",
    "POST /api/v1/appointments/": "a new person's phone, e-mail… refused, as for persons",
}


def _contract_test(kind: str):
    @schema.parametrize()
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def test(case, tokens, _keep_connection):
        if "Idempotency-Key" in (case.headers or {}):
            # A client sends a new key for each booking; the generator reuses a few values, and a key
            # reused for another body is rightly refused (422, documented).
            case.headers["Idempotency-Key"] = uuid.uuid4().hex
        excluded = [positive_data_acceptance] if case.operation.label in SCHEMA_VALID_BUT_REFUSED else []
        case.call_and_validate(headers={"Authorization": f"Token {tokens[kind]}"}, excluded_checks=excluded)

    return test


test_contract_organisation_token = _contract_test("organisation")
test_contract_service_token = _contract_test("service")
test_contract_inbound_mail_token = _contract_test("inbound")
test_contract_partner_token = _contract_test("partner")
