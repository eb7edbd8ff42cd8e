import datetime as dt

import factory
from django.utils import timezone

from relais.exchanges.models import Channel, Exchange, ExchangePerson, Topic


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Thème {n}")


class ExchangeFactory(factory.django.DjangoModelFactory):
    """ExchangeFactory(persons=[p], agent=a, service=s, organisation=o)."""

    class Meta:
        model = Exchange
        skip_postgeneration_save = True

    channel = Channel.CALL_IN
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    summary = "Appel au sujet du dossier."

    @factory.post_generation
    def persons(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        for person in extracted or []:
            ExchangePerson.objects.create(exchange=self, person=person)
