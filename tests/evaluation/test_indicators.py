"""Travel avoided by the visio-guichet, and the dashboard that shows the report (who sees what)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from relais.appointments.calendar import PARIS
from relais.appointments.models import Appointment, Participant
from relais.evaluation.indicators import Scope, evaluation_figures
from relais.evaluation.models import SurveyChannel, SurveyResponse, VisitCount
from relais.territory.models import Commune
from relais.territory.selectors import commune_distance_km
from tests.appointments.factories import AgendaFactory, MotiveFactory
from tests.people.factories import PersonFactory
from tests.territory.factories import ServiceFactory

MARCH = Scope(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31))


@pytest.fixture
def caf_visio(world, network):
    service = ServiceFactory(code="CAF92-VISIO", name="Visio-guichet CAF", organisations=[network.caf])
    agenda = AgendaFactory(organisation=network.caf, service=service, agent=world.caf_agent, name="Visio CAF")
    motive = MotiveFactory(service=service, name="Visio-guichet CAF", visio=True)

    def held(day: int, commune_code: str, status: str = Appointment.Status.HONOURED, site=None) -> Appointment:
        start = dt.datetime(2026, 3, day, 10, tzinfo=PARIS)
        appointment = Appointment.objects.create(
            motive=motive, agenda=agenda, start=start, end=start + dt.timedelta(minutes=30),
            blocked_until=start + dt.timedelta(minutes=30), status=status, booked_from_site=site or network.mureaux,
        )  # fmt: skip
        Participant.objects.create(appointment=appointment, person=PersonFactory(commune_code=commune_code))
        return appointment

    return held


def _km(a: str, b: str) -> float:
    communes = Commune.objects.in_bulk([a, b])
    distance = commune_distance_km(communes[a], communes[b])
    assert distance is not None
    return distance


def test_travel_avoided_is_the_round_trip_to_the_partner_office_minus_the_one_to_the_service_point(settings, caf_visio):
    settings.EVALUATION_ROAD_FACTOR = 1.3
    settings.EVALUATION_EMISSION_FACTOR_KG_PER_KM = 0.2
    caf_visio(3, "78440")  # lives in Les Mureaux, where the service point is: the whole trip to Nanterre is saved
    caf_visio(4, "78517")  # lives in Rambouillet: Les Mureaux is nearer than Nanterre, the difference is saved
    caf_visio(5, "78440", status=Appointment.Status.NO_SHOW)  # did not come: no trip saved
    caf_visio(6, "")  # commune unknown: counted apart

    figures = evaluation_figures(MARCH)
    saved_mureaux = 2 * 1.3 * _km("78440", "92050")
    saved_rambouillet = max(0.0, 2 * 1.3 * (_km("78517", "92050") - _km("78517", "78440")))
    assert figures.travel.km_avoided == pytest.approx(saved_mureaux + saved_rambouillet, abs=0.1)
    assert figures.travel.trips_counted == 2
    assert figures.travel.trips_unknown == 1
    assert figures.travel.co2_avoided_kg == pytest.approx(figures.travel.km_avoided * 0.2, abs=0.1)
    assert (figures.visio.honoured, figures.visio.no_shows) == (3, 1)


def test_a_trip_that_the_service_point_lengthens_saves_nothing(caf_visio, network):
    caf_visio(3, "92050")  # lives in Nanterre, next to the CAF office, came to Les Mureaux
    assert evaluation_figures(MARCH).travel.km_avoided == 0


def test_the_report_of_one_site_counts_only_the_sessions_taken_there(caf_visio, network):
    caf_visio(3, "78440")
    caf_visio(4, "78440", site=network.clichy)
    assert evaluation_figures(Scope(MARCH.date_from, MARCH.date_to, sites=(network.clichy,))).visio.honoured == 1


def _answers(site, levels: list[str], comment: str = "") -> None:
    SurveyResponse.objects.bulk_create(
        SurveyResponse(site=site, channel=SurveyChannel.PAPER, answered_on=dt.date(2026, 3, 10), satisfaction=level,
                       comment=comment)
        for level in levels
    )  # fmt: skip


def test_the_dashboard_shows_the_rates_and_hides_small_groups(world, network, settings):
    settings.EVALUATION_MIN_GROUP_SIZE = 5
    _answers(network.mureaux, ["tres_satisfait"] * 3, comment="Madame X m'a reconnue")
    VisitCount.objects.create(site=network.mureaux, week=dt.date(2026, 3, 2), partner=network.caf, kind="visio", count=9)
    client = world.client_for(network.mediator78)
    page = client.get(reverse("evaluation:dashboard"), {"du": "01/03/2026", "au": "31/03/2026"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "moins de 5 réponses" in text
    assert "Madame X" not in text  # 3 answers: no comment is shown by itself
    assert "CAF des Hauts-de-Seine" in text and "<svg" in text

    _answers(network.mureaux, ["plutot_satisfait", "pas_du_tout_satisfait"], comment="Très bien reçue")
    text = client.get(reverse("evaluation:dashboard"), {"du": "01/03/2026", "au": "31/03/2026"}).content.decode()
    assert "80,0\u202f%" in text  # 4 satisfied of 5
    assert "Très bien reçue" in text


def test_a_mediator_sees_only_their_site_and_cannot_ask_for_another(world, network):
    _answers(network.clichy, ["pas_du_tout_satisfait"] * 6)
    client = world.client_for(network.mediator78)
    page = client.get(reverse("evaluation:dashboard"), {"du": "01/03/2026", "au": "31/03/2026", "site": "92-FS-CLICHY"})
    text = page.content.decode()
    assert "pas parmi ceux que vous suivez" in text
    assert "France services de Clichy" not in text
    assert page.context["report"].figures.survey.answers == 0


def test_managers_see_their_département_the_epi_the_network_and_others_nothing(world, network):
    def sites(agent) -> set[str]:
        page = world.client_for(agent).get(reverse("evaluation:dashboard"))
        return {site.code for site in page.context["sites"]}

    assert sites(network.manager78) == {"78-FS-MUREAUX", "78-FS-RAMBOUILLET"}
    assert sites(network.manager92) == {"92-FS-CLICHY"}
    assert sites(network.manager_epi) == {"78-FS-MUREAUX", "78-FS-RAMBOUILLET", "92-FS-CLICHY"}
    assert world.client_for(world.agent78).get(reverse("evaluation:dashboard")).status_code == 403
    assert world.client_for(world.caf_agent).get(reverse("evaluation:report_pdf")).status_code == 403


def test_exports_hold_the_dashboard_tables(world, network):
    VisitCount.objects.create(site=network.mureaux, week=dt.date(2026, 3, 2), partner=network.caf, kind="visio", count=9)
    client = world.client_for(network.manager78)
    query = {"du": "01/03/2026", "au": "31/03/2026", "export": "partenaires", "format": "csv"}
    csv = client.get(reverse("evaluation:dashboard"), query)
    assert csv["Content-Type"].startswith("text/csv")
    assert "CAF92;CAF des Hauts-de-Seine;9;100.0" in csv.content.decode("utf-8-sig")
    pdf = client.get(reverse("evaluation:report_pdf"), {"du": "01/03/2026", "au": "31/03/2026"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    workbook = client.get(reverse("evaluation:export"), {"du": "01/03/2026", "au": "31/03/2026"})
    assert workbook.content.startswith(b"PK")


def test_a_partner_agent_at_a_service_point_sees_no_evaluation(world, network):
    from relais.territory.models import Membership

    Membership.objects.filter(agent=world.caf_agent).update(site=network.mureaux)  # a permanence at the point
    client = world.client_for(world.caf_agent)
    assert client.get(reverse("evaluation:dashboard")).status_code == 403
    assert client.get(reverse("evaluation:grid"), {"site": "78-FS-MUREAUX"}).status_code in (403, 404)


def test_small_groups_show_no_count_per_answer_and_wild_periods_are_brought_back(world, network, settings):
    settings.EVALUATION_MIN_GROUP_SIZE = 5
    _answers(network.mureaux, ["pas_du_tout_satisfait"])
    client = world.client_for(network.mediator78)
    csv = client.get(reverse("evaluation:dashboard"), {"du": "01/03/2026", "au": "31/03/2026", "export": "satisfaction"})
    assert "Pas du tout satisfait;;" in csv.content.decode("utf-8-sig")  # neither its count nor its share
    page = client.get(reverse("evaluation:dashboard"), {"du": "01/01/1000", "au": "31/12/9999"})
    assert page.status_code == 200
    assert "ramenée" in page.content.decode()
    scope = page.context["report"].figures.scope
    assert scope.date_to == dt.date.today() and (scope.date_to - scope.date_from).days <= 5 * 366
    year_one = client.get(reverse("evaluation:dashboard"), {"au": "01/01/0001"})  # no start: twelve months before it
    assert year_one.status_code == 200 and "ramenée" in year_one.content.decode()
