"""The insertion API: scoped by département, French errors from the services, ranked lists with
their reasons, and every person shown written to the access log."""

from __future__ import annotations

import itertools

import pytest
from rest_framework.test import APIClient

from relais.api.services import api_token_create
from relais.insertion.models import CandidateProfile, Offer, Proposal
from relais.privacy.models import AccessLog
from tests.insertion.factories import CandidateProfileFactory, CompanyFactory, OfferFactory, ProposalFactory, valid_siret
from tests.people.factories import PersonFactory

_names = itertools.count()


def _client(organisation, service=None) -> APIClient:
    _, raw = api_token_create(organisation=organisation, name=f"logiciel insertion {next(_names)}", service=service)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def data(world, insertion):
    company92 = CompanyFactory(name="Brasserie du Parc", organisations=[world.org92])
    company78 = CompanyFactory(name="Hôtel de Versailles", organisations=[world.org78], commune_id="78646")
    offer92 = OfferFactory(company=company92, title="Commis de cuisine", commune_id="92050")
    offer78 = OfferFactory(company=company78, commune_id="78646")
    person92 = PersonFactory(birth_name="Martin", first_names="Léa", organisations=[world.org92], commune_code="92050")
    person78 = PersonFactory(birth_name="Durand", first_names="Paul", organisations=[world.org78], commune_code="78646")
    profile92 = CandidateProfileFactory(
        person=person92, organisation=world.org92, consent_shared=True, consent_at="2026-11-01T10:00Z"
    )
    profile78 = CandidateProfileFactory(person=person78, organisation=world.org78)
    proposal78 = ProposalFactory(profile=profile78, offer=offer78)
    return {
        "company92": company92, "company78": company78, "offer92": offer92, "offer78": offer78,
        "profile92": profile92, "profile78": profile78, "proposal78": proposal78,
    }  # fmt: skip


def test_a_token_of_the_78_reads_none_of_the_92s_objects(world, insertion, data):
    client = _client(world.org78, insertion.service78)
    for url in (
        f"/api/v1/insertion/companies/{data['company92'].pk}/",
        f"/api/v1/insertion/offers/{data['offer92'].pk}/",
        f"/api/v1/insertion/offers/{data['offer92'].pk}/candidates/",
        f"/api/v1/insertion/candidates/{data['profile92'].pk}/",
        f"/api/v1/insertion/candidates/{data['profile92'].pk}/offers/",
    ):
        response = client.get(url)
        assert response.status_code == 404 and response.json() == {"detail": "Ressource introuvable."}, url
    assert client.patch(f"/api/v1/insertion/companies/{data['company92'].pk}/", {"name": "X"}, format="json").status_code == 404
    assert (
        client.post(f"/api/v1/insertion/offers/{data['offer92'].pk}/status/", {"status": "closed"}, format="json").status_code
        == 404
    )
    listed = client.get("/api/v1/insertion/companies/").json()
    assert [c["name"] for c in listed["results"]] == ["Hôtel de Versailles"]
    assert [o["id"] for o in client.get("/api/v1/insertion/offers/").json()["results"]] == [data["offer78"].pk]
    assert [p["id"] for p in client.get("/api/v1/insertion/candidates/").json()["results"]] == [data["profile78"].pk]
    assert [p["id"] for p in client.get("/api/v1/insertion/proposals/").json()["results"]] == [data["proposal78"].pk]
    other = _client(world.org92, insertion.service92)
    assert other.get(f"/api/v1/insertion/proposals/{data['proposal78'].pk}/").status_code == 404


def test_constraints_are_read_by_the_holding_insertion_service_only(world, insertion, data):
    url = f"/api/v1/insertion/candidates/{data['profile92'].pk}/"
    assert _client(world.org92, insertion.service92).get(url).json()["constraints"] == "Garde d'enfant jusqu'à 16 h 30."
    read = _client(world.org92).get(url)  # the département's RSA software: sees the person, not the constraints
    assert read.status_code == 200 and read.json()["constraints"] is None
    assert AccessLog.objects.filter(person_id=data["profile92"].person_id, action="view", actor_kind="api").count() == 2


def test_company_and_offer_lifecycle_with_french_errors(world, insertion):
    client = _client(world.org92, insertion.service92)
    bad = client.post("/api/v1/insertion/companies/", {"siret": "12345678900000", "name": "X", "commune": "92050"}, format="json")
    assert bad.status_code == 400 and "SIRET" in bad.json()["siret"][0]
    created = client.post(
        "/api/v1/insertion/companies/", {"siret": valid_siret(), "name": "Nettoyage Plus", "commune": "92050"}, format="json"
    )
    assert created.status_code == 201 and created.json()["organisations"] == ["92"]
    company = created.json()["id"]
    assert _client(world.org92).post("/api/v1/insertion/companies/", {}, format="json").status_code == 403
    offer = client.post(
        "/api/v1/insertion/offers/",
        {"company": company, "metier": "K2204", "contract_type": "cdi", "weekly_hours": 30, "commune": "92050",
         "positions": 2, "start_date": "2027-02-01", "education_level": 0, "skills": ["Nettoyage"]},
        format="json",
    )  # fmt: skip
    assert offer.status_code == 201 and offer.json()["status"] == "draft"
    url = f"/api/v1/insertion/offers/{offer.json()['id']}/"
    assert client.patch(url, {"weekly_hours": 60}, format="json").status_code == 400
    assert client.patch(url, {"metier": "Z9999"}, format="json").json() == {"metier": ["Code ROME inconnu."]}
    assert client.post(url + "status/", {"status": "published"}, format="json").json()["status"] == "published"
    assert client.post(url + "status/", {"status": "closed"}, format="json").json()["status"] == "closed"
    again = client.post(url + "status/", {"status": "published"}, format="json")
    assert again.status_code == 409 and again.json()["detail"] == "Une offre « clôturée » ne peut pas passer à « publiée »."
    published = client.get("/api/v1/insertion/offers/", {"status": "closed", "rome": "K22", "commune": "92050"}).json()
    assert [o["metier"] for o in published["results"]] == ["K2204"]


def test_proposals_are_created_and_moved_with_french_errors(world, insertion, data):
    client = _client(world.org92, insertion.service92)
    profile, offer = data["profile92"], data["offer92"]
    created = client.post("/api/v1/insertion/proposals/", {"candidate": profile.pk, "offer": offer.pk}, format="json")
    assert created.status_code == 201, created.content
    proposal = created.json()
    assert 0 <= proposal["score"] <= 1 and proposal["reasons"] and proposal["status"] == "proposed"
    twice = client.post("/api/v1/insertion/proposals/", {"candidate": profile.pk, "offer": offer.pk}, format="json")
    assert (
        twice.status_code == 409
        and twice.json()["detail"] == "Une proposition est déjà en cours pour cette personne et cette offre."
    )
    url = f"/api/v1/insertion/proposals/{proposal['id']}/transitions/"
    skipped = client.post(url, {"to": "hired"}, format="json")
    assert skipped.status_code == 400 and skipped.json()["hire_contract_type"] == ["Indiquez le contrat signé."]
    jump = client.post(url, {"to": "interview"}, format="json")
    assert jump.status_code == 409 and "ne peut pas passer à « entretien »" in jump.json()["detail"]
    assert client.post(url, {"to": "refused"}, format="json").json() == {"refusal_reason": ["Indiquez le motif du refus."]}
    for step in ("candidate_agreed", "shared_with_employer", "interview"):
        assert client.post(url, {"to": step}, format="json").json()["status"] == step
    hired = client.post(url, {"to": "hired", "hire_contract_type": "cdd", "hire_start_date": "2027-01-10"}, format="json")
    assert hired.status_code == 200 and hired.json()["allowed_transitions"] == []
    assert [e["to_status"] for e in hired.json()["events"]] == [
        "proposed", "candidate_agreed", "shared_with_employer", "interview", "hired",
    ]  # fmt: skip
    assert Proposal.objects.get(pk=proposal["id"]).hire_contract_type == "cdd"
    draft = OfferFactory(company=data["company92"], draft=True)
    refused = client.post("/api/v1/insertion/proposals/", {"candidate": profile.pk, "offer": draft.pk}, format="json")
    assert refused.status_code == 409 and refused.json()["detail"] == "Seule une offre publiée peut être proposée."
    # The département's RSA software reads the proposal but does not move it.
    assert _client(world.org92).post(url, {"to": "withdrawn"}, format="json").status_code == 403


def test_ranked_lists_both_ways_with_reasons_and_reads_logged(world, insertion, data):
    client = _client(world.org92, insertion.service92)
    far = OfferFactory(company=data["company92"], commune_id="92050", metier_id="K2204")  # not a métier wanted
    ranked = client.get(f"/api/v1/insertion/candidates/{data['profile92'].pk}/offers/").json()
    assert [row["offer"]["id"] for row in ranked] == [data["offer92"].pk] and far.pk not in [r["offer"]["id"] for r in ranked]
    assert ranked[0]["rank"] == 1 and 0 < ranked[0]["score"] <= 1 and any("Métier" in r for r in ranked[0]["reasons"])
    before = AccessLog.objects.filter(person_id=data["profile92"].person_id).count()
    candidates = client.get(f"/api/v1/insertion/offers/{data['offer92'].pk}/candidates/", {"limit": 5}).json()
    assert [(row["rank"], row["candidate"]) for row in candidates] == [(1, data["profile92"].pk)]
    assert candidates[0]["person"] == str(data["profile92"].person.public_id) and candidates[0]["reasons"]
    assert AccessLog.objects.filter(person_id=data["profile92"].person_id).count() == before + 1
    assert client.get(f"/api/v1/insertion/offers/{data['offer92'].pk}/candidates/", {"limit": 0}).status_code == 400


def test_candidate_profiles_created_and_updated_by_the_insertion_service(world, insertion):
    person = PersonFactory(organisations=[world.org92], commune_code="92050")
    client = _client(world.org92, insertion.service92)
    refused = client.post(
        "/api/v1/insertion/candidates/", {"person": str(person.public_id), "desired_metiers": ["Z0000"]}, format="json"
    )
    assert refused.status_code == 400 and "Code ROME inconnu" in refused.json()["desired_metiers"][0]
    created = client.post(
        "/api/v1/insertion/candidates/",
        {"person": str(person.public_id), "desired_metiers": ["g1602"], "hours_min": 20, "hours_max": 30, "consent_shared": True},
        format="json",
    )
    assert (
        created.status_code == 201 and created.json()["desired_metiers"] == ["G1602"] and created.json()["organisation"] == "92"
    )
    url = f"/api/v1/insertion/candidates/{created.json()['id']}/"
    inverted = client.patch(url, {"hours_min": 40}, format="json")
    assert inverted.status_code == 400 and "supérieur ou égal" in inverted.json()["hours_max"][0]
    assert client.patch(url, {"constraints": "Pas le mercredi"}, format="json").json()["constraints"] == "Pas le mercredi"
    assert _client(world.org92).patch(url, {"vehicle": True}, format="json").status_code == 403
    assert CandidateProfile.objects.get(person=person).constraints == "Pas le mercredi"
    assert AccessLog.objects.filter(person_id=person.pk, action="create").exists()


def test_offers_list_filters_are_checked(world, insertion, data):
    client = _client(world.org92, insertion.service92)
    assert client.get("/api/v1/insertion/offers/", {"status": "perdue"}).status_code == 400
    assert client.get("/api/v1/insertion/offers/", {"status": "published"}).json()["count"] == 1
    assert Offer.objects.count() == 2


def test_an_interview_step_links_the_persons_appointment_only(world, insertion, data, booking):
    from relais.appointments.services import Actor, appointment_book
    from relais.territory.policies import agent_access_scope

    client = _client(world.org92, insertion.service92)
    profile, offer = data["profile92"], data["offer92"]
    proposal = client.post("/api/v1/insertion/proposals/", {"candidate": profile.pk, "offer": offer.pk}, format="json").json()
    url = f"/api/v1/insertion/proposals/{proposal['id']}/transitions/"
    for step in ("candidate_agreed", "shared_with_employer"):
        client.post(url, {"to": step}, format="json")
    scope = agent_access_scope(world.agent92)

    def book(person, hour):  # type: ignore[no-untyped-def]
        return appointment_book(
            motive=booking.motive, agenda=booking.agenda, start=booking.at(hour), persons=[person],
            actor=Actor.for_scope(scope, booking.motive),
        )  # fmt: skip

    someone_else = book(PersonFactory(organisations=[world.org92]), 9)
    refused = client.post(url, {"to": "interview", "interview": str(someone_else.public_id)}, format="json")
    assert refused.status_code == 400 and refused.json() == {"interview": ["Rendez-vous introuvable pour cette personne."]}
    own = book(profile.person, 10)
    linked = client.post(url, {"to": "interview", "interview": str(own.public_id)}, format="json")
    assert linked.status_code == 200 and Proposal.objects.get(pk=proposal["id"]).interview == own
