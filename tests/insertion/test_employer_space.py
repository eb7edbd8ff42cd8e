"""The employer space: an invited contact signs in, sees their company only, posts offers and answers
the profiles shared with them, pseudonymised."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relais.insertion import services
from relais.insertion.models import Offer, Proposal
from relais.insertion.pseudonymisation import candidate_pseudonym
from relais.notifications.models import OutgoingMessage
from relais.privacy.models import AccessLog
from relais.territory.models import Agent
from tests.insertion.factories import (
    CandidateProfileFactory,
    CompanyFactory,
    EmployerContactFactory,
    OfferFactory,
    ProposalFactory,
    metier,
)


@pytest.fixture
def company(world):
    return CompanyFactory(name="Hôtel du Parc", organisations=[world.org92])


@pytest.fixture
def contact(insertion, company):
    contact = EmployerContactFactory(company=company, first_name="Claire", last_name="Bernard", email="rh@hotel-du-parc.fr")
    services.employer_contact_invite(contact=contact, actor=insertion.agent92)
    contact.refresh_from_db()
    return contact


@pytest.fixture
def employer(contact) -> Client:
    client = Client()
    client.force_login(contact.account)
    return client


@pytest.fixture
def shared(world, insertion, company, person92):
    """A proposal of person92 for the company's offer, shared with the employer by the adviser."""
    profile = CandidateProfileFactory(
        person=person92, organisation=world.org92, referent=insertion.agent92, consent_shared=True, consent_at=timezone.now()
    )
    proposal = ProposalFactory(profile=profile, offer=OfferFactory(company=company, title="Réceptionniste de nuit"))
    for step in (Proposal.Status.CANDIDATE_AGREED, Proposal.Status.SHARED_WITH_EMPLOYER):
        proposal = services.proposal_transition(scope=insertion.scope92, proposal=proposal, to_status=step)
    return proposal


def test_invitation_creates_an_account_without_membership_nor_usable_password(contact):
    account = contact.account
    assert isinstance(account, Agent) and account.email == "rh@hotel-du-parc.fr"
    assert not account.has_usable_password() and not account.memberships.exists() and not account.is_staff
    message = OutgoingMessage.objects.get(kind="employer_invitation")
    assert message.recipient == "rh@hotel-du-parc.fr" and "/compte/mot-de-passe/nouveau/" in message.body


def test_invitation_refuses_an_address_already_used_by_an_agent(insertion, company):
    contact = EmployerContactFactory(company=company, email=insertion.agent92.email.upper())
    with pytest.raises(services.ValidationError):
        services.employer_contact_invite(contact=contact, actor=insertion.agent92)


def test_employer_lands_on_the_space_and_is_refused_agent_pages_and_the_api(employer, world, person92):
    home = employer.get("/")
    assert home.status_code == 302 and home["Location"] == "/employeurs/"
    page = employer.get("/employeurs/")
    assert page.status_code == 200 and "Hôtel du Parc" in page.content.decode()
    assert "Usagers" not in page.content.decode()  # the agents' menu is not shown
    for url in ("/usagers/", f"/usagers/{person92.public_id}/", "/echanges/", "/admin/"):
        assert employer.get(url).status_code == 403, url
    refused = employer.get("/usagers/").content.decode()
    assert "Revenir à l&#x27;espace employeur" in refused or "Revenir à l'espace employeur" in refused
    assert "Ma journée" not in refused
    api = employer.get("/api/v1/persons/")
    assert api.status_code == 403 and "espace employeur" in api.json()["detail"]


def test_an_agent_is_not_an_employer(world):
    client = world.client_for(world.agent92)
    assert client.get("/employeurs/").status_code == 403
    assert client.get("/employeurs/offres/1/").status_code == 404


def test_employer_writes_a_draft_edits_it_and_publishes_it(employer, contact):
    form = {
        "title": "Agent d'entretien H/F", "metier": "K2204", "contract_type": "cdi", "weekly_hours": "30", "positions": "2",
        "start_date": "2027-02-01", "commune": "92050", "education_level": "0", "skills": "Autonomie\n\nRigueur\n",
    }  # fmt: skip
    response = employer.post(reverse("employer:offer_create"), form)
    offer = Offer.objects.get(company=contact.company)
    assert response.status_code == 302 and response["Location"] == reverse("employer:offer", args=[offer.pk])
    assert offer.status == "draft" and offer.skills == ["Autonomie", "Rigueur"] and offer.created_by == contact.account
    employer.post(reverse("employer:offer_edit", args=[offer.pk]), {**form, "weekly_hours": "35"})
    offer.refresh_from_db()
    assert offer.weekly_hours == 35
    employer.post(reverse("employer:offer_status", args=[offer.pk]), {"status": "published"})
    offer.refresh_from_db()
    assert offer.status == "published" and offer.published_from == timezone.localdate()
    # Published: no longer edited here.
    assert employer.get(reverse("employer:offer_edit", args=[offer.pk])).status_code == 302
    employer.post(reverse("employer:offer_status", args=[offer.pk]), {"status": "draft"})
    offer.refresh_from_db()
    assert offer.status == "published"


def test_an_invalid_offer_is_answered_in_french(employer):
    response = employer.post(reverse("employer:offer_create"), {"title": "X", "weekly_hours": "60"})
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in response.content.decode()


def test_the_shared_profile_is_pseudonymised_and_its_reading_logged(employer, contact, shared, person92):
    page = employer.get(reverse("employer:proposal", args=[shared.pk])).content.decode()
    assert candidate_pseudonym(shared.profile) in page and "Deux ans en restauration collective." in page
    for secret in (
        "Martin-Dupont", "Lefèvre", "Lef&#x27;vre", "Élodie", "elodie.martin@example.fr", "+33612345678", "06 12 34 56 78",
        "0612345678", "12/04/1985", "1985-04-12", "12 avril 1985", "Garde d'enfant", "Garde d&#x27;enfant", str(person92.public_id),
    ):  # fmt: skip
        assert secret not in page, secret
    entry = AccessLog.objects.filter(person_id=person92.pk, actor_id=contact.account_id).latest("at")
    assert "espace employeur" in entry.detail
    assert candidate_pseudonym(shared.profile) in employer.get("/employeurs/").content.decode()


def test_employer_proposes_an_interview_through_the_workflow(employer, shared, insertion):
    response = employer.post(reverse("employer:proposal_interview", args=[shared.pk]), {"note": "Mardi ou jeudi matin."})
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.status == "interview"
    event = shared.events.latest("at")
    assert event.actor_label == "Claire Bernard (Hôtel du Parc)" and event.note == "Mardi ou jeudi matin."
    mail = OutgoingMessage.objects.get(kind="insertion_interview_requested")
    assert mail.recipient == insertion.agent92.email and "Mardi ou jeudi matin." in mail.body
    assert "Martin" not in mail.body and candidate_pseudonym(shared.profile) in mail.body
    # Answered once: a second click changes nothing.
    employer.post(reverse("employer:proposal_interview", args=[shared.pk]))
    assert shared.events.count() == 3  # agreed, shared, interview


def test_employer_declines_with_a_reason_of_the_list(employer, shared):
    assert employer.post(reverse("employer:proposal_decline", args=[shared.pk]), {"reason": "not_reachable"}).status_code == 302
    shared.refresh_from_db()
    assert shared.status == "shared_with_employer"  # « personne injoignable » is the adviser's reason, not theirs
    employer.post(reverse("employer:proposal_decline", args=[shared.pk]), {"reason": "hours", "note": "Il faut finir à 23 h."})
    shared.refresh_from_db()
    assert shared.status == "refused" and shared.refusal_reason == "hours"
    assert shared.events.latest("at").actor_label == "Claire Bernard (Hôtel du Parc)"
    assert OutgoingMessage.objects.filter(kind="insertion_employer_declined").exists()
    # Still listed in their follow-up, no longer answerable.
    page = employer.get(reverse("employer:proposal", args=[shared.pk])).content.decode()
    assert "Horaires incompatibles" in page and "Proposer un entretien" not in page


def test_a_proposal_not_yet_shared_is_not_shown(employer, company, world, insertion):
    profile = CandidateProfileFactory(organisation=world.org92, consent_shared=True, consent_at=timezone.now())
    proposal = ProposalFactory(profile=profile, offer=OfferFactory(company=company))
    assert employer.get(reverse("employer:proposal", args=[proposal.pk])).status_code == 404


def test_withdrawn_consent_hides_the_profile(employer, shared):
    profile = shared.profile
    profile.consent_shared = False
    profile.consent_at = None
    profile.save()
    page = employer.get(reverse("employer:proposal", args=[shared.pk])).content.decode()
    assert "ne partage plus son profil" in page and "Deux ans en restauration" not in page
    assert "Proposer un entretien" not in page


def test_another_companys_offers_and_proposals_answer_404(employer, world, insertion, shared):
    other = CompanyFactory(organisations=[world.org92])
    offer = OfferFactory(company=other, draft=True)
    profile = CandidateProfileFactory(organisation=world.org92, consent_shared=True, consent_at=timezone.now())
    proposal = ProposalFactory(profile=profile, offer=OfferFactory(company=other), status="shared_with_employer")
    for name in ("offer", "offer_edit"):
        assert employer.get(reverse(f"employer:{name}", args=[offer.pk])).status_code == 404
    assert employer.post(reverse("employer:offer_status", args=[offer.pk]), {"status": "published"}).status_code == 404
    assert employer.get(reverse("employer:proposal", args=[proposal.pk])).status_code == 404
    assert employer.post(reverse("employer:proposal_interview", args=[proposal.pk])).status_code == 404
    assert employer.post(reverse("employer:proposal_decline", args=[proposal.pk]), {"reason": "hours"}).status_code == 404
    proposal.refresh_from_db()
    offer.refresh_from_db()
    assert proposal.status == "shared_with_employer" and offer.status == "draft"
    assert "Entreprise" not in employer.get("/employeurs/").content.decode().replace("Espace employeur", "")


def test_a_deactivated_contact_loses_the_space_but_not_the_lock(employer, contact):
    contact.is_active = False
    contact.save()
    assert employer.get("/employeurs/").status_code == 403
    assert employer.get("/usagers/").status_code == 403


def test_an_agent_who_is_also_a_contact_keeps_both(world, company):
    EmployerContactFactory(company=company, account=world.agent92)
    client = world.client_for(world.agent92)
    assert client.get("/employeurs/").status_code == 200
    assert client.get("/usagers/").status_code == 200


def test_metier_choice_lists_the_rome_subset(employer):
    page = employer.get(reverse("employer:offer_create")).content.decode()
    assert metier("K2204").label in page and dt.date.today().year > 2000


def test_the_admin_invites_a_contact(world, company, admin_client):
    contact = EmployerContactFactory(company=company, email="direction@hotel-du-parc.fr")
    response = admin_client.post(
        "/admin/insertion/employercontact/", {"action": "invite", "_selected_action": [contact.pk]}, follow=True
    )
    assert "invitation envoyée" in response.content.decode()
    contact.refresh_from_db()
    assert contact.account.email == "direction@hotel-du-parc.fr"
    assert OutgoingMessage.objects.filter(kind="employer_invitation", recipient="direction@hotel-du-parc.fr").exists()
