"""An allocation round in a running service: the engine works on what the open proposals leave."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from relais.insertion.models import Proposal
from relais.insertion.services import proposals_allocate
from relais.privacy.models import AccessLog
from tests.insertion.factories import CandidateProfileFactory, CompanyFactory, OfferFactory, ProposalFactory, commune

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def market(world, insertion):
    company = CompanyFactory(organisations=[world.org92])
    offers = [OfferFactory(company=company, positions=1) for _ in range(2)]
    candidates = [CandidateProfileFactory(organisation=world.org92, max_commute_km=10) for _ in range(4)]
    return offers, candidates


def test_a_round_shares_the_offers_out_within_their_capacity(world, insertion, market):
    offers, _ = market
    result = proposals_allocate(
        scope=insertion.scope92, organisation_ids=[world.org92.pk], per_candidate=1, per_offer=2, today=TODAY
    )
    assert (result.candidates, result.offers, result.proposals, result.candidates_reached) == (4, 2, 4, 4)
    assert sorted(Proposal.objects.values_list("offer_id", flat=True)) == sorted([offers[0].pk] * 2 + [offers[1].pk] * 2)
    proposal = Proposal.objects.first()
    assert proposal.events.get().note == "Répartition des offres" and proposal.proposed_by == insertion.agent92
    assert any(reason.startswith("Métier recherché") for reason in proposal.reasons)
    assert AccessLog.objects.filter(action=AccessLog.Action.EDIT, detail="Répartition des offres").count() == 4
    assert str(result) == "4 propositions faites à 4 personnes, sur 4 candidats suivis et 2 offres ouvertes."


def test_a_second_round_counts_the_open_proposals_and_never_repeats_a_pair(world, insertion, market):
    offers, candidates = market
    ProposalFactory(profile=candidates[0], offer=offers[0])  # open: takes one of offer 0's two places
    ProposalFactory(profile=candidates[1], offer=offers[0], status=Proposal.Status.REFUSED, refusal_reason="hours")
    result = proposals_allocate(
        scope=insertion.scope92, organisation_ids=[world.org92.pk], per_candidate=1, per_offer=2, today=TODAY
    )
    made = Proposal.objects.filter(events__note="Répartition des offres")
    assert result.proposals == made.count() == 3  # candidate 0 already has their one open proposal
    assert not made.filter(profile=candidates[0]).exists()
    assert not made.filter(profile=candidates[1], offer=offers[0]).exists()
    assert Proposal.objects.filter(offer=offers[0], status__in=Proposal.OPEN_STATUSES).count() <= 2


def test_a_round_stays_within_the_departement_and_the_commute(world, insertion, market):
    far = CandidateProfileFactory(organisation=world.org92, max_commute_km=2, person__commune_code="92071", person__city="Sceaux")
    other_department = OfferFactory(company=CompanyFactory(organisations=[world.org78]), commune=commune("78646"))
    proposals_allocate(scope=insertion.scope92, organisation_ids=[world.org92.pk], per_candidate=5, per_offer=5, today=TODAY)
    assert not Proposal.objects.filter(profile=far).exists()  # Sceaux–Nanterre is more than 2 km
    assert not Proposal.objects.filter(offer=other_department).exists()


def test_an_offer_taken_meanwhile_makes_the_round_fail_whole(world, insertion, market, monkeypatch):
    from relais.insertion import selectors

    offers, candidates = market
    real = selectors.proposals_state

    def typed_meanwhile(*args):  # type: ignore[no-untyped-def]
        state = real(*args)
        for candidate in candidates:
            ProposalFactory(profile=candidate, offer=offers[0])
        return state

    monkeypatch.setattr(selectors, "proposals_state", typed_meanwhile)
    with pytest.raises(ValidationError, match="Une autre répartition"):
        proposals_allocate(scope=insertion.scope92, organisation_ids=[world.org92.pk], per_candidate=1, per_offer=4, today=TODAY)
