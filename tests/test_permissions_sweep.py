"""Every URL with parameters, requested by agents of the wrong organisation or service, answers
exactly like a URL whose object does not exist. New URLs join the sweep automatically; a URL
with an unknown parameter makes this test fail until it is described here."""

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from relais.appointments.services import Actor, absence_save, appointment_book, session_create
from relais.exchanges.models import Attachment
from relais.people.merging import persons_merge
from relais.people.models import ImportJob, LinkJob, MatchPair, ProposedContact
from relais.requests.models import Procedure
from relais.requests.services import RequestActor, request_register
from relais.territory.policies import agent_access_scope
from tests.appointments.factories import MotiveFactory
from tests.exchanges.factories import ExchangeFactory
from tests.insertion.factories import (
    CandidateProfileFactory,
    CompanyFactory,
    EmployerContactFactory,
    OfferFactory,
    ProposalFactory,
)
from tests.people.factories import PersonFactory

# URLs anyone may open (login, password reset, accessibility statement, API schema and docs).
PUBLIC = {
    "login", "password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete",
    "accessibility", "api-schema", "api-docs", "api-console", "api-redoc", "appointments:feed", "short_link",
}  # fmt: skip
KNOWN_PARAMETERS = {
    "public_id", "person_id", "attachment_id", "motive_id", "session_id", "opening_id", "absence_id", "letter_id", "document_id", "name",
    "proposal_id", "company_id", "offer_id", "insertion_proposal_id", "id", "contact_id",
}  # fmt: skip


def _is_public(name: str) -> bool:
    # The citizens' portal and the survey pages (/avis/) are public by design; their own tests check them.
    return name in PUBLIC or name.startswith(("portal:", "portal_requests:", "survey:"))


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}", entry


def _project_urls():
    return [(route, name, entry) for route, name, entry in _walk(get_resolver().url_patterns) if not route.startswith("admin/")]


def _fill(route: str, values: dict[str, str]) -> str:
    import re

    def replace(match):
        return values[match.group(2)]

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", replace, route)


@pytest.fixture
def objects(world, person92, booking):
    exchange = ExchangeFactory(
        persons=[person92], agent=world.agent92, service=world.accueil92, organisation=world.org92, follow_up="Rappeler"
    )
    attachment = Attachment(exchange=exchange, original_name="a.txt", content_type="text/plain", size=5, sha256="0" * 64)
    attachment.file.save("a.txt", SimpleUploadedFile("a.txt", b"hello"), save=False)
    attachment.save()
    scope = agent_access_scope(world.agent92)
    actor = Actor.for_scope(scope, booking.motive)
    appointment = appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92], actor=actor
    )
    absence = absence_save(scope=scope, agenda=booking.agenda, starts_at=booking.at(11), ends_at=booking.at(12))
    meeting = MotiveFactory(service=world.accueil92, name="Réunion RSA", collective=True, bookable_by="agents")
    booking.agenda.openings.first().motives.add(meeting)
    session = session_create(motive=meeting, agenda=booking.agenda, start=booking.at(10), actor=actor)
    procedure = Procedure.objects.create(
        code="92-TEST", name="Demande test", organisation=world.org92, service=world.accueil92, regime="acceptance", delay_value=2
    )
    saisine = request_register(
        procedure=procedure, person=person92, channel="letter", subject="Demande", actor=RequestActor(label="test"),
        files=[SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n")],
    )  # fmt: skip
    twin = PersonFactory(birth_name="Lefevre", first_names="Elodie", organisations=[world.org92])
    pair = MatchPair.objects.create(
        person_a=min(person92, twin, key=lambda p: p.pk), person_b=max(person92, twin, key=lambda p: p.pk), probability=0.9
    )
    first, second = PersonFactory(organisations=[world.org92]), PersonFactory(organisations=[world.org92])
    merge = persons_merge(kept=first, absorbed=second, acting_user=world.agent92)
    import_job = ImportJob.objects.create(source="GRC92", organisation=world.org92, file_name="a.csv", file_sha256="0" * 64)
    link_job = LinkJob.objects.create(description="Rapprochement 78-92")
    proposal = ProposedContact.objects.create(
        person=person92, kind="email", value="propose@example.fr", origin="demande en ligne"
    )
    # Insertion (JOB92): a company of the 92's portfolio, its offer, person92's profile and a proposal.
    company = CompanyFactory(organisations=[world.org92])
    offer = OfferFactory(company=company)
    profile = CandidateProfileFactory(person=person92, organisation=world.org92)
    insertion_proposal = ProposalFactory(profile=profile, offer=offer)
    contact = EmployerContactFactory(company=company)
    return {
        "contact": contact,
        "company": company, "offer": offer, "insertion_proposal": insertion_proposal,
        # the insertion API's routes name them by kind (api-insertion-<kind>)
        "insertion-company": company, "insertion-offer": offer, "insertion-candidate": profile,
        "insertion-proposal": insertion_proposal,
        "proposal": proposal,
        "pair": pair, "merge": merge, "import_job": import_job, "link_job": link_job,
        "request": saisine, "letter": saisine.letters.first(), "document": saisine.documents.first(),
        "person": person92, "exchange": exchange, "attachment": attachment, "appointment": appointment, "agenda": booking.agenda,
        "opening": booking.agenda.openings.first(), "absence": absence, "session": session, "motive": meeting,
    }  # fmt: skip


AGENDA_ROUTES = {"appointments:agenda", "appointments:opening_remove", "appointments:absence_remove", "appointments:feed_token"}


def _values_for(name: str, objects, missing: bool = False) -> dict[str, str]:
    def pick(key: str) -> str:
        return str(uuid.uuid4()) if missing else str(objects[key].public_id)

    if name.startswith("exchanges:"):
        public_id = pick("exchange")
    elif (name.startswith("requests:") and name != "requests:register") or name in ("api-request", "api-request-transitions"):
        public_id = pick("request")
    elif name == "api-appointment":
        public_id = pick("appointment")
    elif name == "api-session-registrations":
        public_id = pick("session")
    elif name in ("people:review_pair", "people:review_decide"):
        public_id = pick("pair")
    elif name == "people:merge_undo":
        public_id = pick("merge")
    elif name in ("people:import_job", "people:link_job"):
        public_id = pick(name.split(":")[1])
    elif name in AGENDA_ROUTES:
        public_id = pick("agenda")
    elif name.startswith("appointments:") and not name.startswith("appointments:book"):
        public_id = pick("appointment")
    else:
        public_id = pick("person")
    # The insertion API's integer identifiers: api-insertion-<object>[-<action>].
    kind = next((k for k in ("company", "offer", "candidate", "proposal") if name.startswith(f"api-insertion-{k}")), None)
    insertion_id = str(10**9 if missing or kind is None else objects[f"insertion-{kind}"].pk)
    return {
        "id": insertion_id,
        "public_id": public_id,
        "person_id": pick("person"),
        "attachment_id": pick("attachment"),
        "motive_id": str(objects["motive"].public_id),
        "session_id": pick("session"),
        "opening_id": str(10**9 if missing else objects["opening"].pk),
        "absence_id": str(10**9 if missing else objects["absence"].pk),
        "proposal_id": str(10**9 if missing else objects["proposal"].pk),
        "company_id": str(10**9 if missing else objects["company"].pk),
        "offer_id": str(10**9 if missing else objects["offer"].pk),
        "insertion_proposal_id": str(10**9 if missing else objects["insertion_proposal"].pk),
        "contact_id": str(10**9 if missing else objects["contact"].pk),
        "letter_id": pick("letter"),
        "document_id": pick("document"),
        "name": "transition",
        "uidb64": "MQ",
        "token": "x-y",
    }


def test_every_url_is_known_to_the_sweep():
    for route, name, _ in _project_urls():
        if _is_public(name):
            continue
        for param in __import__("re").findall(r"<(?:\w+:)?(\w+)>", route):
            assert param in KNOWN_PARAMETERS, f"{name}: parameter {param} unknown to the sweep"


@pytest.mark.parametrize("outsider", ["agent78", "caf_agent"])
def test_objects_of_another_organisation_answer_like_missing_ones(world, objects, outsider):
    client = world.client_for(getattr(world, outsider))
    checked = 0
    for route, name, _ in _project_urls():
        if _is_public(name) or "<" not in route:
            continue
        if route.startswith("api/"):
            continue  # the API is swept below with session and token clients
        for method in ("get", "post"):
            forbidden = getattr(client, method)(_fill(route, _values_for(name, objects)))
            missing = getattr(client, method)(_fill(route, _values_for(name, objects, missing=True)))
            assert forbidden.status_code == missing.status_code, (
                f"{method.upper()} {name}: {forbidden.status_code} vs {missing.status_code}"
            )
            assert forbidden.status_code in (404, 405), f"{method.upper()} {name} answered {forbidden.status_code}"
            if forbidden.status_code == 404:
                assert _without_csrf_token(forbidden.content) == _without_csrf_token(missing.content)
            checked += 1
    assert checked >= 10


def _without_csrf_token(page: bytes) -> bytes:
    """The page as the user reads it: the CSRF token is masked anew on every response."""
    return re.sub(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]*"', b"", page)


@pytest.mark.parametrize("outsider", ["agent78", "caf_agent"])
def test_api_objects_of_another_organisation_answer_like_missing_ones(world, objects, outsider):
    client = APIClient()
    client.force_login(getattr(world, outsider))
    for route, name, _ in _project_urls():
        if not route.startswith("api/") or "<" not in route:
            continue
        for method in ("get", "patch", "post"):
            body = {"person": str(objects["person"].public_id)}
            forbidden = getattr(client, method)(_fill(route, _values_for(name, objects)), body, format="json")
            missing = getattr(client, method)(_fill(route, _values_for(name, objects, missing=True)), body, format="json")
            assert (forbidden.status_code, forbidden.json()) == (missing.status_code, missing.json()), f"{method} {name}"
            assert forbidden.status_code in (403, 404, 405)


def test_sensitive_service_members_only_from_other_services_of_the_same_departement(world, person92):
    exchange = ExchangeFactory(
        persons=[person92], agent=world.pmi_agent, service=world.pmi92, organisation=world.org92, follow_up="Visite"
    )
    client = world.client_for(world.agent92)
    page = client.get(f"/echanges/{exchange.public_id}/")
    assert page.status_code == 200 and not page.context["content_visible"]
    assert client.post(f"/echanges/{exchange.public_id}/suite-traitee/").status_code == 404


def test_anonymous_visitors_are_sent_to_login_everywhere_but_public_pages(world, objects, client):
    for route, name, _ in _project_urls():
        if _is_public(name) or route.startswith("api/"):
            continue
        response = client.get(_fill(route, _values_for(name, objects)))
        assert response.status_code == 302 and "/compte/connexion/" in response["Location"], name
