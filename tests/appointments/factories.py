import datetime as dt

import factory

from relais.appointments.models import Agenda, Motive


class MotiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Motive

    name = factory.Sequence(lambda n: f"Motif {n}")
    duration_minutes = 30
    channel = Motive.Channel.ON_SITE
    bookable_by = Motive.BookableBy.PUBLIC
    min_booking_delay_minutes = 120
    max_booking_delay_days = 60

    class Params:
        collective = factory.Trait(is_collective=True, default_capacity=3, duration_minutes=120)
        visio = factory.Trait(channel=Motive.Channel.VISIO)


class AgendaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agenda

    kind = Agenda.Kind.AGENT
    name = factory.Sequence(lambda n: f"Agenda {n}")


def next_weekday(weekday: int, weeks_ahead: int = 1) -> dt.date:
    """A date in `weeks_ahead` weeks on the given weekday (0 = Monday)."""
    today = dt.date.today()
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks_ahead)
    day = monday + dt.timedelta(days=weekday)
    import holidays

    while day in holidays.France(years=day.year):
        day += dt.timedelta(weeks=1)
    return day
