"""The agents' insertion pages, as an adviser or a chargé d'affaires uses them."""

import datetime as dt

import pytest

from relais.insertion.models import CandidateProfile, Company, Offer, Proposal
from relais.privacy.models import AccessLog
from tests.insertion.factories import (
    CandidateProfileFactory,
    CompanyFactory,
    OfferFactory,
    ProposalFactory,
    metier,
    valid_siret,
)
from tests.people.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup92(world, insertion):
    company = CompanyFactory(organisations=[world.org92], name="Brasserie du Parc")
    offer = OfferFactory(company=company, title="Commis de cuisine", start_date=dt.date.today() + dt.timedelta(days=40))
    person = PersonFactory(
        birth_name="Benali", first_names="Samia", organisations=[world.org92], commune_code="92050", city="Nanterre"
    )
    profile = CandidateProfileFactory(person=person, organisation=world.org92, available_from=dt.date.today())
    return company, offer, profile


def test_home_counts_and_nav_for_insertion_agents_only(world, insertion, setup92):
    page = world.client_for(insertion.agent92).get("/insertion/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Répartir les offres" in text and ">Insertion</a>" in text
    assert "1</strong> candidat en recherche" in text
    assert world.client_for(world.agent92).get("/insertion/").status_code == 403
    assert ">Insertion</a>" not in world.client_for(world.agent92).get("/").content.decode()


def test_company_with_a_bad_siret_shows_a_french_error_and_saves_nothing(world, insertion):
    client = world.client_for(insertion.agent92)
    page = client.post(
        "/insertion/entreprises/nouvelle/", {"name": "Net Services", "siret": "12345678901234", "commune": "92050"}
    )
    assert page.status_code == 400
    assert "n&#x27;est pas valide" in page.content.decode() and "Le formulaire contient 1 erreur" in page.content.decode()
    assert not Company.objects.exists()
    siret = valid_siret()
    page = client.post(
        "/insertion/entreprises/nouvelle/",
        {"name": "Net Services", "siret": f"{siret[:3]} {siret[3:9]} {siret[9:]}", "naf_code": "8121z", "commune": "92050"},
    )
    company = Company.objects.get()
    assert page.status_code == 302 and company.siret == siret and company.naf_code == "81.21Z"
    assert list(company.organisations.all()) == [world.org92]
    assert client.get(f"/insertion/entreprises/{company.pk}/").status_code == 200


def test_published_offer_appears_in_the_candidates_ranked_offers_with_reasons(world, insertion, setup92):
    company, _, profile = setup92
    client = world.client_for(insertion.agent92)
    start = (dt.date.today() + dt.timedelta(days=30)).strftime("%d/%m/%Y")
    page = client.post(
        "/insertion/offres/nouvelle/",
        {
            "company": company.pk, "title": "Serveur en brasserie", "metier": "G1602", "contract_type": "cdd",
            "weekly_hours": "30", "commune": "92050", "positions": "2", "start_date": start, "education_level": "0",
            "skills": "Service en salle, hygiène alimentaire",
        },
    )  # fmt: skip
    offer = Offer.objects.get(title="Serveur en brasserie")
    assert page.status_code == 302 and offer.status == "draft" and offer.skills == ["Service en salle", "hygiène alimentaire"]
    profile_url = f"/insertion/candidats/{profile.person.public_id}/"
    assert "Serveur en brasserie" not in client.get(profile_url).content.decode().split("Pourquoi pas")[0]
    client.post(f"/insertion/offres/{offer.pk}/statut/", {"status": "published"})
    offer.refresh_from_db()
    assert offer.status == "published"
    ranked = client.get(profile_url).content.decode().split("Pourquoi pas")[0]
    assert "Serveur en brasserie" in ranked and "Métier recherché : G1602" in ranked and "Même commune" in ranked


def test_why_not_lists_the_broken_constraint(world, insertion, setup92):
    company, _, profile = setup92
    night = OfferFactory(company=company, title="Veilleur de nuit", night_work=True, metier=metier("G1602"))
    page = world.client_for(insertion.agent92).get(
        f"/insertion/candidats/{profile.person.public_id}/pourquoi-pas/?offre={night.pk}"
    )
    assert page.status_code == 200
    assert "Travail de nuit non accepté" in page.content.decode()


def test_allocation_button_makes_proposals(world, insertion, setup92):
    _, offer, profile = setup92
    page = world.client_for(insertion.agent92).post("/insertion/repartition/", follow=True)
    assert Proposal.objects.filter(profile=profile, offer=offer).exists()
    assert "Répartition des offres : 1 proposition faite à 1 personne" in page.content.decode()


def test_propose_from_the_offer_page_then_a_refusal_without_reason_is_refused(world, insertion, setup92):
    _, offer, profile = setup92
    client = world.client_for(insertion.agent92)
    page = client.get(f"/insertion/offres/{offer.pk}/")
    assert "Samia" in page.content.decode() and "Proposer" in page.content.decode()
    client.post(f"/insertion/offres/{offer.pk}/proposer/", {"profile": profile.pk})
    proposal = Proposal.objects.get(profile=profile, offer=offer)
    assert proposal.score is not None and proposal.reasons
    page = client.post(f"/insertion/propositions/{proposal.pk}/", {"to_status": "refused", "note": "Appel du 3"})
    text = page.content.decode()
    assert page.status_code == 400 and "Indiquez le motif du refus." in text and "Appel du 3" in text
    proposal.refresh_from_db()
    assert proposal.status == "proposed"
    page = client.post(f"/insertion/propositions/{proposal.pk}/", {"to_status": "candidate_agreed"})
    proposal.refresh_from_db()
    assert page.status_code == 302 and proposal.status == "candidate_agreed"
    # Sharing without the person's consent: the service's French refusal, on the form.
    page = client.post(f"/insertion/propositions/{proposal.pk}/", {"to_status": "shared_with_employer"})
    assert page.status_code == 400 and "pas consenti au partage" in page.content.decode()


def test_a_78_agent_cannot_open_the_92s_profile_company_offer_or_proposal(world, insertion, setup92):
    company, offer, profile = setup92
    proposal = ProposalFactory(profile=profile, offer=offer)
    client = world.client_for(insertion.agent78)
    for url in (
        f"/insertion/candidats/{profile.person.public_id}/",
        f"/insertion/candidats/{profile.person.public_id}/modifier/",
        f"/insertion/entreprises/{company.pk}/",
        f"/insertion/offres/{offer.pk}/",
        f"/insertion/propositions/{proposal.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert "Samia" not in client.get("/insertion/propositions/").content.decode()
    assert "Brasserie du Parc" not in client.get("/insertion/entreprises/").content.decode()


def test_profile_pages_write_read_entries_and_hide_constraints_from_other_services(world, insertion, setup92):
    _, _, profile = setup92
    url = f"/insertion/candidats/{profile.person.public_id}/"
    page = world.client_for(insertion.agent92).get(url)
    assert "Garde d&#x27;enfant" in page.content.decode()
    assert AccessLog.objects.filter(person_id=profile.person_id, action="view", detail="profil d'insertion").exists()
    page = world.client_for(world.agent92).get(url)  # the 92's reception sees the person, not the constraints
    assert page.status_code == 200 and "Garde d&#x27;enfant" not in page.content.decode()


def test_profile_created_from_the_person_file(world, insertion):
    person = PersonFactory(birth_name="Durand", first_names="Luc", organisations=[world.org92], commune_code="92050")
    client = world.client_for(insertion.agent92)
    file_page = client.get(f"/usagers/{person.public_id}/").content.decode()
    assert "Créer un profil de candidat" in file_page
    page = client.post(
        f"/insertion/candidats/{person.public_id}/nouveau/",
        {"organisation": world.org92.pk, "desired_metiers": ["G1602"], "education_level": "3", "max_commute_km": "15",
         "hours_min": "30", "hours_max": "20", "skills": "cuisine"},
    )  # fmt: skip
    assert page.status_code == 400 and "supérieur ou égal au minimum" in page.content.decode()
    assert not CandidateProfile.objects.exists()
    page = client.post(
        f"/insertion/candidats/{person.public_id}/nouveau/",
        {"organisation": world.org92.pk, "desired_metiers": ["G1602"], "education_level": "3", "max_commute_km": "15",
         "hours_min": "20", "hours_max": "35", "skills": "cuisine", "consent_shared": "on"},
    )  # fmt: skip
    profile = CandidateProfile.objects.get(person=person)
    assert page.status_code == 302 and profile.consent_shared and profile.referent == insertion.agent92
    assert "Voir le profil de candidat" in client.get(f"/usagers/{person.public_id}/").content.decode()
    # The 92's reception agent sees a person but cannot create a profile.
    other = PersonFactory(organisations=[world.org92])
    assert "Créer un profil" not in world.client_for(world.agent92).get(f"/usagers/{other.public_id}/").content.decode()
    assert world.client_for(world.agent92).get(f"/insertion/candidats/{other.public_id}/nouveau/").status_code == 404


def test_hiring_needs_the_contract_and_the_date(world, insertion, setup92):
    _, offer, profile = setup92
    proposal = ProposalFactory(profile=profile, offer=offer, status="interview")
    client = world.client_for(insertion.agent92)
    page = client.post(f"/insertion/propositions/{proposal.pk}/", {"to_status": "hired", "hire_contract_type": "cdd"})
    assert page.status_code == 400 and "Indiquez la date d&#x27;embauche." in page.content.decode()
    start = (dt.date.today() + dt.timedelta(days=10)).strftime("%d/%m/%Y")
    page = client.post(
        f"/insertion/propositions/{proposal.pk}/", {"to_status": "hired", "hire_contract_type": "cdd", "hire_start_date": start}
    )
    proposal.refresh_from_db()
    assert page.status_code == 302 and proposal.status == "hired" and proposal.hire_contract_type == "cdd"
    assert proposal.events.filter(to_status="hired").exists()


def test_management_pages_are_closed_to_agents_outside_insertion(world, insertion, setup92):
    client = world.client_for(world.agent92)
    for url in ("/insertion/", "/insertion/entreprises/", "/insertion/offres/", "/insertion/propositions/"):
        assert client.get(url).status_code == 403, url
    assert client.post("/insertion/repartition/").status_code == 403
    assert not Proposal.objects.exists()


def test_every_insertion_page_reads_as_french(world, insertion, setup92):
    from tests.test_french_wording import slips

    company, offer, profile = setup92
    proposal = ProposalFactory(profile=profile, offer=offer, status="interview")
    public_id = profile.person.public_id
    client = world.client_for(insertion.agent92)
    urls = [
        "/insertion/", "/insertion/entreprises/", "/insertion/entreprises/nouvelle/", f"/insertion/entreprises/{company.pk}/",
        f"/insertion/entreprises/{company.pk}/modifier/", "/insertion/offres/", "/insertion/offres/nouvelle/",
        f"/insertion/offres/{offer.pk}/", f"/insertion/offres/{offer.pk}/modifier/", f"/insertion/candidats/{public_id}/",
        f"/insertion/candidats/{public_id}/modifier/", f"/insertion/candidats/{public_id}/pourquoi-pas/?offre={offer.pk}",
        "/insertion/propositions/", f"/insertion/propositions/{proposal.pk}/", f"/usagers/{public_id}/",
    ]  # fmt: skip
    found = {}
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        if problems := slips(page.content.decode()):
            found[url] = problems
    assert not found, found


def test_a_contact_added_on_the_company_page_is_invited_to_the_employer_space(world, insertion, setup92):
    from relais.insertion.models import EmployerContact
    from relais.notifications.models import OutgoingMessage

    company, _, _ = setup92
    client = world.client_for(insertion.agent92)
    bad = client.post(
        f"/insertion/entreprises/{company.pk}/contacts/nouveau/", {"first_name": "Claire", "email": "pas-une-adresse"}
    )
    assert bad.status_code == 400 and "Indiquez le nom." in bad.content.decode() and not EmployerContact.objects.exists()
    client.post(
        f"/insertion/entreprises/{company.pk}/contacts/nouveau/",
        {"first_name": "Claire", "last_name": "Bernard", "role": "Directrice", "email": "rh@brasserie.example.fr"},
    )
    contact = EmployerContact.objects.get()
    page = client.post(f"/insertion/entreprises/{company.pk}/contacts/{contact.pk}/inviter/", follow=True).content.decode()
    assert "Invitation envoyée à rh@brasserie.example.fr" in page and "Renvoyer l'invitation" in page
    assert OutgoingMessage.objects.get(kind="employer_invitation").recipient == "rh@brasserie.example.fr"
    # A 78 agent cannot invite the 92's contacts.
    other = world.client_for(insertion.agent78).post(f"/insertion/entreprises/{company.pk}/contacts/{contact.pk}/inviter/")
    assert other.status_code == 404


def test_a_site_is_added_with_its_own_siret_checked(world, insertion, setup92):
    company, _, _ = setup92
    client = world.client_for(insertion.agent92)
    url = f"/insertion/entreprises/{company.pk}/etablissements/nouveau/"
    bad = client.post(url, {"name": "Cuisine centrale", "siret": "123", "commune": "92050"})
    assert bad.status_code == 400 and not company.sites.exists()
    good = client.post(url, {"name": "Cuisine centrale", "siret": valid_siret(), "commune": "92050"}, follow=True)
    assert (
        "L&#x27;établissement Cuisine centrale est ajouté." in good.content.decode()
        or "Cuisine centrale est ajouté" in good.content.decode()
    )
    assert company.sites.get().commune_id == "92050"
    twice = client.post(url, {"name": "Cuisine centrale", "commune": "92050"})
    assert twice.status_code == 400 and company.sites.count() == 1
    assert "Un établissement de cette entreprise porte déjà ce nom." in twice.content.decode()
