import pytest

from relais.insertion import policies
from relais.insertion.models import Proposal, ProposalEvent
from relais.territory.policies import agent_access_scope
from tests.insertion.factories import (
    CandidateProfileFactory,
    CompanyFactory,
    EmployerContactFactory,
    OfferFactory,
    ProposalFactory,
)
from tests.people.factories import PersonFactory
from tests.territory.factories import AgentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_an_insertion_agent_of_the_78_cannot_see_the_92_profiles(world, insertion):
    profile92 = CandidateProfileFactory(person=PersonFactory(organisations=[world.org92]), organisation=world.org92)
    profile78 = CandidateProfileFactory(person=PersonFactory(organisations=[world.org78]), organisation=world.org78)
    assert list(policies.profiles_visible(insertion.scope78)) == [profile78]
    assert list(policies.profiles_visible(insertion.scope92)) == [profile92]
    assert not policies.profile_may_edit(insertion.scope78, profile92)
    assert policies.profile_may_edit(insertion.scope92, profile92)


def test_the_stated_constraints_are_read_by_the_holding_insertion_service_only(world, insertion):
    profile = CandidateProfileFactory(person=PersonFactory(organisations=[world.org92]), organisation=world.org92)
    reception = agent_access_scope(world.agent92)
    assert policies.profiles_visible(reception).filter(pk=profile.pk).exists()  # the person's file's rule
    assert not policies.profile_may_read_constraints(reception, profile)
    assert not policies.profile_may_read_constraints(agent_access_scope(world.pmi_agent), profile)
    assert policies.profile_may_read_constraints(insertion.scope92, profile)
    assert policies.profile_may_read_constraints(agent_access_scope(insertion.manager92), profile)
    assert not policies.profile_may_create(reception, person_id=profile.person_id, organisation_id=world.org92.pk)


def test_a_partner_sees_no_profile_of_a_person_it_does_not_deal_with(world):
    CandidateProfileFactory(person=PersonFactory(organisations=[world.org92]), organisation=world.org92)
    assert not policies.profiles_visible(agent_access_scope(world.caf_agent)).exists()


def test_companies_and_offers_are_managed_by_the_insertion_service_of_a_departement_holding_them(world, insertion):
    company92 = CompanyFactory(organisations=[world.org92])
    company78 = CompanyFactory(organisations=[world.org78])
    shared = CompanyFactory(organisations=[world.org78, world.org92])
    assert set(policies.companies_manageable(insertion.agent92)) == {company92, shared}
    assert set(policies.companies_manageable(insertion.agent78)) == {company78, shared}
    assert not policies.companies_manageable(world.agent92).exists()  # reception, not insertion
    assert not policies.company_may_create(world.agent92)
    assert policies.company_may_create(insertion.manager92)
    offer = OfferFactory(company=company92)
    assert list(policies.offers_manageable(insertion.agent92)) == [offer]
    assert not policies.offers_manageable(insertion.agent78).exists()


def test_a_partner_member_of_a_service_named_insertion_gains_nothing(world):
    partner = OrganisationFactory(code="FTIDF", partner=True)
    from tests.territory.factories import ServiceFactory

    service = ServiceFactory(code="FTIDF-INSERTION", organisations=[partner])
    agent = AgentFactory(memberships=[(partner, service)])
    CompanyFactory(organisations=[world.org92])
    assert not policies.works_in_insertion(agent)
    assert not policies.companies_manageable(agent).exists()


def test_an_employer_contact_sees_only_their_company_offers_and_the_proposals_shared_with_them(world):
    account = AgentFactory(email="rh@hotel.example.fr")
    contact = EmployerContactFactory(account=account)
    own_offer = OfferFactory(company=contact.company)
    other_offer = OfferFactory()
    assert policies.employer_contact_for(account) == contact
    assert policies.employer_contact_for(world.agent92) is None
    assert list(policies.offers_for_contact(contact)) == [own_offer]

    profile = CandidateProfileFactory(person=PersonFactory(organisations=[world.org92]))
    not_yet = ProposalFactory(profile=profile, offer=own_offer)
    shared = ProposalFactory(
        profile=CandidateProfileFactory(person=PersonFactory(organisations=[world.org92])),
        offer=own_offer, status=Proposal.Status.INTERVIEW,
    )  # fmt: skip
    refused_after = ProposalFactory(
        profile=CandidateProfileFactory(person=PersonFactory(organisations=[world.org92])),
        offer=own_offer, status=Proposal.Status.REFUSED, refusal_reason="employer_choice",
    )  # fmt: skip
    ProposalEvent.objects.create(
        proposal=refused_after, from_status="shared_with_employer", to_status="refused", actor_label="rh@hotel.example.fr"
    )
    elsewhere = ProposalFactory(profile=profile, offer=other_offer, status=Proposal.Status.INTERVIEW)
    visible = set(policies.proposals_for_contact(contact))
    assert visible == {shared, refused_after}
    assert not_yet not in visible and elsewhere not in visible
    assert agent_access_scope(account).is_empty  # and no person at all through the agents' rules
