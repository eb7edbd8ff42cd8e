"""The steps of a person's job proposals on their file's history."""

from django.urls import reverse

from relais.insertion.models import Proposal
from relais.insertion.services import proposal_transition
from tests.insertion.factories import CandidateProfileFactory, OfferFactory, ProposalFactory


def test_the_history_shows_each_step_in_detail_to_the_insertion_service_only(world, insertion):
    profile = CandidateProfileFactory(organisation=world.org92, person__organisations=[world.org92])
    offer = OfferFactory(title="Commis de cuisine")
    proposal = ProposalFactory(profile=profile, offer=offer)
    proposal_transition(scope=insertion.scope92, proposal=proposal, to_status=Proposal.Status.REFUSED, refusal_reason="hours")
    url = reverse("people:detail", args=[profile.person.public_id])

    page = world.client_for(insertion.agent92).get(url).content.decode()
    assert "Accompagnement vers l'emploi" in page and "Refusée" in page
    assert "Commis de cuisine" in page and "Horaires incompatibles" in page

    other = world.client_for(world.agent92).get(url).content.decode()  # a 92 agent outside insertion
    assert "Refusée" in other and "réservé au service d'insertion" in other
    assert "Commis de cuisine" not in other
