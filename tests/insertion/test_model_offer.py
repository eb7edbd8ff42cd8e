import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from relais.insertion import workflow
from relais.insertion.models import Offer, RomeAppellation
from relais.insertion.services import offer_set_status
from tests.insertion.factories import OfferFactory, metier

pytestmark = pytest.mark.django_db
S = Offer.Status


def test_an_offer_is_published_then_filled_and_its_publication_starts_that_day():
    offer = OfferFactory(draft=True)
    offer = offer_set_status(offer=offer, status=S.PUBLISHED, today=dt.date(2026, 12, 2))
    assert (offer.status, offer.published_from) == (S.PUBLISHED, dt.date(2026, 12, 2))
    offer = offer_set_status(offer=offer, status=S.FILLED)
    offer = offer_set_status(offer=offer, status=S.PUBLISHED)  # the hire fell through
    offer = offer_set_status(offer=offer, status=S.CLOSED)
    assert Offer.objects.get(pk=offer.pk).status == S.CLOSED


@pytest.mark.parametrize(
    "start, target, message",
    [
        (S.DRAFT, S.FILLED, "Une offre « brouillon » ne peut pas passer à « pourvue »."),
        (S.CLOSED, S.PUBLISHED, "Une offre « clôturée » ne peut pas passer à « publiée »."),
        (S.PUBLISHED, S.DRAFT, "Une offre « publiée » ne peut pas passer à « brouillon »."),
    ],
)
def test_an_impossible_offer_transition_is_refused_in_french(start, target, message):
    offer = OfferFactory(status=start, published_from=dt.date(2026, 12, 1))
    with pytest.raises(workflow.TransitionRefused, match=message):
        offer_set_status(offer=offer, status=target)
    assert Offer.objects.get(pk=offer.pk).status == start


def test_every_offer_status_is_in_the_table():
    assert set(workflow.OFFER_TRANSITIONS) == set(S.values)


@pytest.mark.parametrize(
    "fields",
    [
        {"positions": 0},
        {"weekly_hours": 0},
        {"weekly_hours": 60},
        {"education_level": 2},
        {"contract_type": "stage"},
        {"published_from": dt.date(2026, 12, 10), "published_until": dt.date(2026, 12, 1)},
        {"status": S.PUBLISHED, "published_from": None},
    ],
)
def test_the_database_refuses_an_inconsistent_offer(fields):
    with pytest.raises(IntegrityError):
        OfferFactory(**fields)


def test_the_appellation_must_be_of_the_offer_metier():
    offer = OfferFactory.build(
        metier=metier("G1602"), appellation=RomeAppellation.objects.get(label="Agent / Agente de sécurité")
    )
    offer.company.save()
    offer.company_id = offer.company.pk
    with pytest.raises(ValidationError) as refused:
        offer.full_clean()
    assert refused.value.message_dict["appellation"] == ["Cette appellation n'appartient pas au métier choisi."]
