"""The e-mails of the employer space, sent for real over SMTP by the worker (these tests commit)."""

import importlib
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relais.insertion import services
from relais.insertion.models import Proposal
from relais.insertion.pseudonymisation import candidate_pseudonym
from tests.insertion.factories import (
    CandidateProfileFactory,
    CompanyFactory,
    EmployerContactFactory,
    OfferFactory,
    ProposalFactory,
)


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """The communes and the ROME come with the migrations, and a committing test before this one
    may have flushed them: loaded again (both loaders ignore rows already there)."""
    importlib.import_module("relais.territory.migrations.0002_load_communes").load_communes(apps, None)
    importlib.import_module("relais.insertion.migrations.0002_load_rome").load_rome(apps, None)


def _link(delivered: dict) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/\S+/)", delivered["data"].replace("=\n", "")).group(1)


def test_invitation_link_sets_the_password_and_the_login_lands_on_the_employer_space(
    transactional_db, world, insertion, smtp_server, run_worker
):
    company = CompanyFactory(name="Nettoyage Plus", organisations=[world.org92])
    contact = EmployerContactFactory(company=company, first_name="Karim", email="k.benali@nettoyage-plus.fr")
    services.employer_contact_invite(contact=contact, actor=insertion.agent92)
    run_worker()
    [delivered] = smtp_server.messages
    assert delivered["to"] == ["k.benali@nettoyage-plus.fr"]
    assert "espace employeur" in delivered["data"] and "Nettoyage Plus" in delivered["data"]
    client = Client()
    form_page = client.get(_link(delivered), follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Recrutement-2027-ok", "new_password2": "Recrutement-2027-ok"}
    )
    assert done.status_code == 302
    login = client.post(
        reverse("login"), {"username": "k.benali@nettoyage-plus.fr", "password": "Recrutement-2027-ok"}, follow=True
    )
    assert login.redirect_chain[-1][0] == "/employeurs/" and "Nettoyage Plus" in login.content.decode()
    assert client.get("/usagers/").status_code == 403
    assert client.get("/api/v1/persons/").status_code == 403
    # The link is used: it does not work twice.
    assert not client.get(_link(delivered), follow=True).context["validlink"]


def test_sharing_a_profile_mails_the_employer_the_pseudonym_only(
    transactional_db, world, insertion, person92, smtp_server, run_worker
):
    company = CompanyFactory(name="Hôtel du Parc", organisations=[world.org92])
    contact = EmployerContactFactory(company=company, email="rh@hotel-du-parc.fr")
    services.employer_contact_invite(contact=contact, actor=insertion.agent92)
    EmployerContactFactory(company=company, email="sans-compte@hotel-du-parc.fr")  # not invited: not written to
    run_worker()
    smtp_server.messages.clear()
    profile = CandidateProfileFactory(
        person=person92, organisation=world.org92, referent=insertion.agent92, consent_shared=True, consent_at=timezone.now()
    )
    proposal = ProposalFactory(profile=profile, offer=OfferFactory(company=company, title="Réceptionniste"))
    for step in (Proposal.Status.CANDIDATE_AGREED, Proposal.Status.SHARED_WITH_EMPLOYER):
        proposal = services.proposal_transition(scope=insertion.scope92, proposal=proposal, to_status=step)
    run_worker()
    [delivered] = smtp_server.messages
    assert delivered["to"] == ["rh@hotel-du-parc.fr"]
    text = delivered["data"].replace("=\n", "")
    assert candidate_pseudonym(profile) in text and f"/employeurs/propositions/{proposal.pk}/" in text
    for secret in ("Martin", "Lef", "lodie", "elodie.martin", "612345678", "1985", "Garde"):
        assert secret not in text, secret
    # The employer answers: the adviser is told by e-mail.
    client = Client()
    contact.refresh_from_db()
    client.force_login(contact.account)
    client.post(reverse("employer:proposal_interview", args=[proposal.pk]), {"note": "Disponible jeudi."})
    run_worker()
    answer = smtp_server.messages[-1]
    assert answer["to"] == [insertion.agent92.email] and "entretien" in answer["data"].replace("=\n", "")
