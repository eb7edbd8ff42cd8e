"""What the candidate hears of: the offers proposed to them (one message per round), then an
employer's wish to meet them — by e-mail, else by SMS, never without a way to reach them."""

import datetime as dt

from relais.insertion.models import Proposal
from relais.insertion.services import proposal_create, proposal_transition, proposals_allocate
from relais.notifications.models import OutgoingMessage
from relais.people.models import ContactPoint
from tests.insertion.factories import CandidateProfileFactory, CompanyFactory, OfferFactory


def _profile(world, **contacts):  # type: ignore[no-untyped-def]
    profile = CandidateProfileFactory(organisation=world.org92, person__first_names="Samia", consent_shared=True,
                                      consent_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))  # fmt: skip
    for kind, value in contacts.items():
        ContactPoint.objects.create(person=profile.person, kind=kind, value=value)
    return profile


def test_a_round_tells_each_candidate_their_offers_in_one_email(world, insertion):
    profile = _profile(world, email="samia.benali@example.fr")
    company = CompanyFactory(organisations=[world.org92], name="Brasserie du Parc")
    OfferFactory(company=company, title="Commis de cuisine")
    OfferFactory(company=company, title="Plongeur")
    proposals_allocate(scope=insertion.scope92, organisation_ids=[world.org92.pk], today=dt.date(2026, 12, 1))
    [message] = OutgoingMessage.objects.filter(kind=OutgoingMessage.Kind.INSERTION_OFFERS_PROPOSED)
    assert message.recipient == "samia.benali@example.fr" and message.person == profile.person
    assert message.subject == "Relais — des offres d'emploi pour vous"
    assert "vous propose 2 offres d'emploi" in message.body
    assert "Commis de cuisine — Brasserie du Parc, Nanterre (CDI, 35 h par semaine)" in message.body


def test_a_single_proposal_goes_by_sms_to_a_mobile_when_there_is_no_email(world, insertion):
    profile = _profile(world, phone="+33612345678")
    offer = OfferFactory(company=CompanyFactory(organisations=[world.org92]), title="Commis de cuisine")
    proposal_create(scope=insertion.scope92, profile=profile, offer=offer)
    [message] = OutgoingMessage.objects.filter(kind=OutgoingMessage.Kind.INSERTION_OFFERS_PROPOSED)
    assert message.channel == "sms" and message.recipient == "+33612345678"
    assert message.body.startswith("Relais : votre conseiller vous propose une offre d'emploi (Commis de cuisine)")


def test_the_employers_wish_to_meet_reaches_the_candidate(world, insertion):
    profile = _profile(world, email="samia.benali@example.fr")
    offer = OfferFactory(company=CompanyFactory(organisations=[world.org92], name="Hôtel des Tilleuls"))
    proposal = proposal_create(scope=insertion.scope92, profile=profile, offer=offer)
    for status in (Proposal.Status.CANDIDATE_AGREED, Proposal.Status.SHARED_WITH_EMPLOYER, Proposal.Status.INTERVIEW):
        proposal = proposal_transition(scope=insertion.scope92, proposal=proposal, to_status=status)
    [message] = OutgoingMessage.objects.filter(kind=OutgoingMessage.Kind.INSERTION_INTERVIEW_FOR_CANDIDATE)
    assert message.subject == "Relais — un employeur souhaite vous rencontrer"
    assert "Hôtel des Tilleuls souhaite vous rencontrer" in message.body


def test_no_contact_no_message(world, insertion):
    profile = _profile(world)
    offer = OfferFactory(company=CompanyFactory(organisations=[world.org92]))
    proposal_create(scope=insertion.scope92, profile=profile, offer=offer)
    assert not OutgoingMessage.objects.filter(kind=OutgoingMessage.Kind.INSERTION_OFFERS_PROPOSED).exists()


def test_a_rounds_messages_cost_the_same_queries_whatever_the_number_of_candidates(world, insertion):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    company = CompanyFactory(organisations=[world.org92])

    def round_queries(candidates: int) -> int:  # type: ignore[no-untyped-def]
        for n in range(candidates):
            _profile(world, email=f"candidat{n}.{candidates}@example.fr")
        OfferFactory(company=company, positions=candidates)
        with CaptureQueriesContext(connection) as queries:
            proposals_allocate(
                scope=insertion.scope92, organisation_ids=[world.org92.pk], per_candidate=1, today=dt.date(2026, 12, 1)
            )
        return len(queries)

    # Messages are inserted one by one (each may be deduplicated): the reads must not grow per person.
    small, large = round_queries(2), round_queries(6)
    # Measured: 14 more for 4 more candidates (about 3 statements per message queued); reading each
    # person's contact points and adviser one by one made it 18.
    assert large - small <= 4 * 3 + 2
