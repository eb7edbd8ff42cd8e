import datetime as dt
from dataclasses import dataclass

import pytest

from relais.appointments.calendar import PARIS
from relais.appointments.models import Agenda, Motive
from relais.appointments.services import opening_save
from relais.territory.models import Site
from relais.territory.policies import agent_access_scope
from tests.appointments.factories import AgendaFactory, MotiveFactory, next_weekday
from tests.territory.factories import SiteFactory


@dataclass
class Booking:
    site: Site
    agenda: Agenda
    motive: Motive
    day: dt.date

    def at(self, hour: int, minute: int = 0, day: dt.date | None = None) -> dt.datetime:
        return dt.datetime.combine(day or self.day, dt.time(hour, minute), PARIS)


@pytest.fixture
def booking(world):
    """An agenda of the 92's reception agent, open Monday to Friday 9:00–12:00, for a 30-minute motive
    bookable online; `day` is a Tuesday next week."""
    site = SiteFactory(organisation=world.org92, name="Pôle social de Nanterre", address="2 rue Pasteur")
    agenda = AgendaFactory(organisation=world.org92, service=world.accueil92, agent=world.agent92, name="Karim Benali", site=site)
    motive = MotiveFactory(service=world.accueil92, name="Information RSA")
    opening_save(
        scope=agent_access_scope(world.agent92), agenda=agenda, motives=[motive], weekdays=[0, 1, 2, 3, 4],
        start_time=dt.time(9), end_time=dt.time(12), valid_from=dt.date.today(), site=site,
    )  # fmt: skip
    return Booking(site=site, agenda=agenda, motive=motive, day=next_weekday(1))
