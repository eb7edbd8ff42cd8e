import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from relais.insertion import workflow
from relais.insertion.models import Proposal, ProposalEvent
from relais.insertion.services import proposal_create, proposal_transition
from relais.privacy.models import AccessLog
from tests.insertion.factories import CandidateProfileFactory, OfferFactory, ProposalFactory
from tests.people.factories import PersonFactory

pytestmark = pytest.mark.django_db
S = Proposal.Status


@pytest.fixture
def profile(world):
    return CandidateProfileFactory(
        person=PersonFactory(organisations=[world.org92]), consent_shared=True, consent_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    )


def test_the_whole_pipeline_to_a_hire_is_recorded_step_by_step(insertion, profile):
    scope = insertion.scope92
    proposal = proposal_create(scope=scope, profile=profile, offer=OfferFactory(), score=0.72, reasons=["Métier recherché"])
    assert proposal.proposed_by == insertion.agent92
    for status in (S.CANDIDATE_AGREED, S.SHARED_WITH_EMPLOYER, S.INTERVIEW):
        proposal = proposal_transition(scope=scope, proposal=proposal, to_status=status)
    proposal = proposal_transition(
        scope=scope,
        proposal=proposal,
        to_status=S.HIRED,
        hire_contract_type="cdd",
        hire_start_date=dt.date(2027, 1, 4),
        note="Signé",
    )
    assert (proposal.status, proposal.hire_contract_type, proposal.hire_start_date) == (S.HIRED, "cdd", dt.date(2027, 1, 4))
    steps = list(ProposalEvent.objects.filter(proposal=proposal).values_list("from_status", "to_status", "actor_label"))
    assert steps == [
        ("", S.PROPOSED, scope.label),
        (S.PROPOSED, S.CANDIDATE_AGREED, scope.label),
        (S.CANDIDATE_AGREED, S.SHARED_WITH_EMPLOYER, scope.label),
        (S.SHARED_WITH_EMPLOYER, S.INTERVIEW, scope.label),
        (S.INTERVIEW, S.HIRED, scope.label),
    ]
    assert ProposalEvent.objects.get(proposal=proposal, to_status=S.HIRED).note == "Signé"
    assert AccessLog.objects.filter(person_id=profile.person_id, action=AccessLog.Action.EDIT).count() == 5


@pytest.mark.parametrize("start", [S.PROPOSED, S.CANDIDATE_AGREED, S.SHARED_WITH_EMPLOYER, S.INTERVIEW])
def test_refused_and_withdrawn_are_possible_from_every_open_status(insertion, profile, start):
    refused = ProposalFactory(profile=profile, status=start)
    refused = proposal_transition(scope=insertion.scope92, proposal=refused, to_status=S.REFUSED, refusal_reason="not_reachable")
    assert (refused.status, refused.get_refusal_reason_display()) == (S.REFUSED, "Personne injoignable")
    withdrawn = ProposalFactory(profile=profile, status=start)
    assert proposal_transition(scope=insertion.scope92, proposal=withdrawn, to_status=S.WITHDRAWN).status == S.WITHDRAWN


@pytest.mark.parametrize(
    "start, target, message",
    [
        (S.PROPOSED, S.HIRED, "Une proposition « proposée » ne peut pas passer à « embauche »."),
        (
            S.PROPOSED,
            S.SHARED_WITH_EMPLOYER,
            "Une proposition « proposée » ne peut pas passer à « profil transmis à l'employeur ».",
        ),
        (S.HIRED, S.WITHDRAWN, "Une proposition « embauche » ne peut pas passer à « retirée »."),
        (S.REFUSED, S.PROPOSED, "Une proposition « refusée » ne peut pas passer à « proposée »."),
    ],
)
def test_an_impossible_transition_is_refused_in_french_and_changes_nothing(insertion, profile, start, target, message):
    fields = {"refusal_reason": "other"} if start == S.REFUSED else {}
    if start == S.HIRED:
        fields = {"hire_contract_type": "cdi", "hire_start_date": dt.date(2027, 1, 4)}
    proposal = ProposalFactory(profile=profile, status=start, **fields)
    with pytest.raises(workflow.TransitionRefused, match=message):
        proposal_transition(scope=insertion.scope92, proposal=proposal, to_status=target)
    assert Proposal.objects.get(pk=proposal.pk).status == start
    assert not ProposalEvent.objects.filter(proposal=proposal).exists()


def test_a_refusal_needs_a_reason_and_a_hire_its_contract(insertion, profile):
    proposal = ProposalFactory(profile=profile, status=S.INTERVIEW)
    with pytest.raises(workflow.TransitionRefused, match=r"Indiquez le motif du refus."):
        proposal_transition(scope=insertion.scope92, proposal=proposal, to_status=S.REFUSED)
    with pytest.raises(workflow.TransitionRefused, match=r"Indiquez le contrat signé et la date d'embauche."):
        proposal_transition(scope=insertion.scope92, proposal=proposal, to_status=S.HIRED, hire_contract_type="cdi")
    with transaction.atomic(), pytest.raises(IntegrityError):
        Proposal.objects.filter(pk=proposal.pk).update(status=S.REFUSED)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Proposal.objects.filter(pk=proposal.pk).update(status=S.HIRED)


def test_the_profile_is_shared_with_the_employer_only_with_consent(world, insertion):
    profile = CandidateProfileFactory(person=PersonFactory(organisations=[world.org92]))
    proposal = ProposalFactory(profile=profile, status=S.CANDIDATE_AGREED)
    with pytest.raises(workflow.TransitionRefused, match=r"n'a pas consenti au partage"):
        proposal_transition(scope=insertion.scope92, proposal=proposal, to_status=S.SHARED_WITH_EMPLOYER)


def test_one_open_proposal_per_profile_and_offer(insertion, profile):
    offer = OfferFactory()
    first = proposal_create(scope=insertion.scope92, profile=profile, offer=offer)
    with pytest.raises(ValidationError, match=r"Une proposition est déjà en cours pour cette personne et cette offre."):
        proposal_create(scope=insertion.scope92, profile=profile, offer=offer)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Proposal.objects.create(profile=profile, offer=offer)
    proposal_transition(scope=insertion.scope92, proposal=first, to_status=S.REFUSED, refusal_reason="candidate_choice")
    again = proposal_create(scope=insertion.scope92, profile=profile, offer=offer)  # a closed one does not count
    assert again.status == S.PROPOSED


def test_only_a_published_offer_is_proposed(insertion, profile):
    with pytest.raises(ValidationError, match=r"Seule une offre publiée peut être proposée."):
        proposal_create(scope=insertion.scope92, profile=profile, offer=OfferFactory(draft=True))


def test_the_score_stays_between_0_and_1(profile):
    with pytest.raises(IntegrityError):
        ProposalFactory(profile=profile, score=1.5)


def test_the_transition_table_covers_every_status_and_the_open_ones():
    assert set(workflow.PROPOSAL_TRANSITIONS) == set(S.values)
    assert set(workflow.OPEN_PROPOSAL_STATUSES) == set(Proposal.OPEN_STATUSES)
