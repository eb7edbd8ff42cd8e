"""Service points checked against the labels' rules: opening hours from agendas and declared hours,
partners from declarations, agendas and visio-guichet bookings, and what is missing, in French."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html import unescape

import pytest
from django.utils import timezone

from relais.appointments.models import Agenda, Appointment, OpeningPeriod
from relais.core.calendar import PARIS
from relais.evaluation.labels import Source, check_site, label_checks, mediators, site_partners, weekly_opening
from relais.evaluation.models import DeclaredOpening, Label, SitePartner
from relais.territory.models import Membership
from tests import test_content_security_policy as csp
from tests import test_french_wording as wording
from tests.appointments.factories import AgendaFactory, MotiveFactory
from tests.territory.factories import AgentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 30)


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _declare(site, weekday, start, end):
    return DeclaredOpening.objects.create(site=site, weekday=weekday, start_time=_t(start), end_time=_t(end))


def _counter_agenda(world, network, **kwargs):
    return AgendaFactory(
        kind=Agenda.Kind.COUNTER, organisation=world.org78, service=world.accueil78, site=network.mureaux, **kwargs
    )


def _open(agenda, weekdays, start, end, *, site=None, every=1, valid_from=MONDAY - dt.timedelta(weeks=8), valid_until=None):
    return OpeningPeriod.objects.create(
        agenda=agenda, site=site, weekdays=weekdays, start_time=_t(start), end_time=_t(end), every_n_weeks=every,
        valid_from=valid_from, valid_until=valid_until,
    )  # fmt: skip


@pytest.fixture
def seed_label():
    return Label.objects.get(code="relais-services-publics")  # 24 h on 3 days, 5 to 6 partners (migration 0002)


def test_the_opening_is_the_union_of_agendas_and_declared_hours(world, network):
    agenda = _counter_agenda(world, network)
    _open(agenda, [0, 1], "09:00", "12:00")  # a counter agenda of the site: no place of its own
    _declare(network.mureaux, 0, "11:00", "13:00")  # overlaps Monday's agenda: 9–13, counted once
    _declare(network.mureaux, 3, "14:00", "17:30")
    caf_agenda = AgendaFactory(kind=Agenda.Kind.COUNTER, organisation=world.caf, service=world.caf_service)
    _open(caf_agenda, [4], "09:00", "12:00", site=network.mureaux)  # a CAF permanence held at the site
    _open(caf_agenda, [2], "09:00", "12:00", site=network.rambouillet)  # elsewhere: not Les Mureaux'
    _open(agenda, [5], "09:00", "12:00", valid_until=MONDAY - dt.timedelta(days=1))  # ended
    inactive = _counter_agenda(world, network, is_active=False)
    _open(inactive, [6], "09:00", "12:00")

    opening = weekly_opening(network.mureaux, on=MONDAY)

    assert opening.intervals == {0: [(540, 780)], 1: [(540, 720)], 3: [(840, 1050)], 4: [(540, 720)]}
    assert opening.weekly_hours == Decimal("13.5") and opening.open_days == 4
    assert opening.describe()[0] == "lundi : 09:00–13:00"


def test_an_opening_every_two_weeks_counts_half_its_hours_and_no_day(world, network):
    agenda = _counter_agenda(world, network)
    _open(agenda, [0, 1, 2], "09:00", "17:00")  # 24 h every week
    _open(agenda, [5], "09:00", "13:00", every=2)  # Saturday morning one week in two: 2 h a week
    opening = weekly_opening(network.mureaux, on=MONDAY)
    assert opening.weekly_hours == Decimal(26) and opening.open_days == 3
    assert "samedi : 09:00–13:00 (certaines semaines)" in opening.describe()


def test_two_alternating_fortnightly_openings_make_a_weekly_one(world, network):
    agenda = _counter_agenda(world, network)
    _open(agenda, [3], "09:00", "12:00", every=2, valid_from=MONDAY)
    _open(agenda, [3], "09:00", "12:00", every=2, valid_from=MONDAY - dt.timedelta(weeks=1))
    opening = weekly_opening(network.mureaux, on=MONDAY)
    assert opening.weekly_hours == Decimal(3) and opening.open_days == 1


def test_partners_come_from_declarations_agendas_and_recent_visio_bookings(world, network):
    msa = OrganisationFactory(code="MSA-IDF", name="MSA Île-de-France", partner=True)
    ft = OrganisationFactory(code="FT78", name="France Travail Yvelines", partner=True)
    old = OrganisationFactory(code="CARSAT", name="Carsat Île-de-France", partner=True)
    SitePartner.objects.create(site=network.mureaux, partner=network.cpam)
    cpam_agenda = AgendaFactory(kind=Agenda.Kind.COUNTER, organisation=network.cpam, service=world.caf_service)
    _open(cpam_agenda, [1], "14:00", "17:00", site=network.mureaux)  # declared and by agenda: one partner, two sources
    _open(_counter_agenda(world, network), [0], "09:00", "12:00")  # the département's own agenda: not a partner

    def booked(organisation, days_ago, status=Appointment.Status.HONOURED):
        agenda = AgendaFactory(kind=Agenda.Kind.COUNTER, organisation=organisation, service=world.caf_service)
        start = dt.datetime.combine(MONDAY - dt.timedelta(days=days_ago), dt.time(10), PARIS)
        Appointment.objects.create(
            motive=MotiveFactory(service=world.caf_service, visio=True), agenda=agenda, start=start,
            end=start + dt.timedelta(minutes=30), blocked_until=start + dt.timedelta(minutes=30), status=status,
            booked_from_site=network.mureaux,
        )  # fmt: skip

    booked(world.caf, 10)
    booked(ft, 5, status=Appointment.Status.BOOKED)
    booked(msa, 3, status=Appointment.Status.CANCELLED_BY_PERSON)  # cancelled: not present
    booked(old, 120)  # beyond 90 days

    partners = site_partners(network.mureaux, on=MONDAY)

    assert [(p.partner.code, p.sources) for p in partners] == [
        ("CAF92", (Source.VISIO,)),
        ("CPAM78", (Source.DECLARED, Source.AGENDA)),
        ("FT78", (Source.VISIO,)),
    ]


def test_mediators_are_the_active_mediators_of_the_site(world, network):
    other = AgentFactory()
    Membership.objects.create(agent=other, organisation=world.org78, service=world.accueil78, role="mediator", site=network.mureaux,
                              is_active=False)  # fmt: skip
    assert mediators(network.mureaux) == 1
    assert mediators(network.rambouillet) == 0


def test_what_is_missing_is_said_in_french(world, network, seed_label):
    for weekday in (0, 1):
        _declare(network.mureaux, weekday, "09:00", "18:00")  # 18 h on 2 days
    for partner in (world.caf, network.cpam):
        SitePartner.objects.create(site=network.mureaux, partner=partner)
    msa = OrganisationFactory(code="MSA-IDF", name="MSA Île-de-France", partner=True)
    seed_label.required_partners.add(msa, world.caf)

    check = check_site(network.mureaux, seed_label, on=MONDAY)

    assert not check.ok
    assert (check.weekly_hours, check.open_days, check.partner_count) == (Decimal(18), 2, 2)
    assert check.missing == [
        "Ouverture : 18 h par semaine, il en faut 24 (6 h manquantes).",
        "Jours d'ouverture : 2, il en faut 3.",
        "Partenaires : 2, il en faut au moins 5.",
        "Partenaire exigé absent : MSA Île-de-France.",
    ]


def test_a_site_meeting_the_rules_is_compliant_and_too_many_partners_is_said(world, network, seed_label):
    agenda = _counter_agenda(world, network)
    _open(agenda, [0, 1, 2], "09:00", "17:00")
    partners = [OrganisationFactory(code=f"P{n}", name=f"Partenaire {n}", partner=True) for n in range(7)]
    for partner in partners[:5]:
        SitePartner.objects.create(site=network.mureaux, partner=partner)
    assert check_site(network.mureaux, seed_label, on=MONDAY).ok
    for partner in partners[5:]:
        SitePartner.objects.create(site=network.mureaux, partner=partner)
    assert check_site(network.mureaux, seed_label, on=MONDAY).missing == ["Partenaires : 7, il en faut au plus 6."]


def test_half_hours_are_written_with_a_comma(world, network, seed_label):
    for weekday in (0, 1, 2):
        _declare(network.mureaux, weekday, "09:00", "16:30")  # 22,5 h
    missing = check_site(network.mureaux, seed_label, on=MONDAY).missing
    assert missing[0] == "Ouverture : 22,5 h par semaine, il en faut 24 (1,5 h manquante)."


def test_label_checks_read_every_site_and_label_in_a_few_queries(world, network, django_assert_num_queries):
    for site in (network.mureaux, network.rambouillet, network.clichy):
        agenda = AgendaFactory(kind=Agenda.Kind.COUNTER, organisation=site.organisation, service=world.accueil78, site=site)
        for weekday in range(5):
            _open(agenda, [weekday], "09:00", "12:00")
            _open(agenda, [weekday], "14:00", "17:00", every=2)
        _declare(site, 5, "09:00", "12:00")
        SitePartner.objects.create(site=site, partner=world.caf)
    sites = [network.mureaux, network.rambouillet, network.clichy]
    with django_assert_num_queries(7):
        checks = label_checks(sites, on=MONDAY)
    assert len(checks) == 6  # 3 sites × the 2 default labels
    assert {check.label.code for check in checks} == {"relais-services-publics", "france-services"}
    assert all(check.weekly_hours == Decimal("25.5") for check in checks)


# --- pages ---------------------------------------------------------------------------------------------


def test_the_labels_page_lists_every_site_the_agent_follows_with_what_is_missing(world, network):
    _declare(network.mureaux, 0, "09:00", "12:00")
    page = world.client_for(network.mediator78).get("/evaluation/labels/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "France services des Mureaux" in html and "Clichy" not in html and "Rambouillet" not in html
    assert "Ouverture : 3 h par semaine, il en faut 24 (21 h manquantes)." in html
    assert "/evaluation/labels/point-d-accueil/" not in html  # a mediator does not edit the declarations
    assert not wording.slips(html) and not csp.inline_code(html)
    manager = world.client_for(network.manager78).get("/evaluation/labels/").content.decode()
    assert "Rambouillet" in manager and "/evaluation/labels/point-d-accueil/?site=78-FS-MUREAUX" in manager


def test_a_manager_declares_hours_and_partners_with_french_validation(world, network):
    client = world.client_for(network.manager78)
    url = "/evaluation/labels/point-d-accueil/"
    page = client.get(url, {"site": "78-FS-MUREAUX"})
    assert page.status_code == 200
    assert not wording.slips(page.content.decode()) and not csp.inline_code(page.content.decode())

    def add(weekday, start, end):
        return client.post(url, {"site": "78-FS-MUREAUX", "action": "add_opening", "horaire-weekday": weekday,
                                 "horaire-start_time": start, "horaire-end_time": end})  # fmt: skip

    assert add(0, "09:00", "12:00").status_code == 302
    backwards = add(1, "12:00", "09:00")
    assert (
        backwards.status_code == 422
        and "L'heure de fin doit être après l'heure de début" in backwards.context["opening_form"].errors["end_time"][0]
    )
    overlap = add(0, "11:00", "14:00")
    assert overlap.status_code == 422
    assert "chevauchent ceux déjà déclarés le lundi (09:00–12:00)" in overlap.context["opening_form"].non_field_errors()[0]
    assert list(DeclaredOpening.objects.values_list("weekday", "start_time", "end_time")) == [(0, _t("09:00"), _t("12:00"))]

    assert (
        client.post(url, {"site": "78-FS-MUREAUX", "action": "add_partner", "partenaire-partner": network.cpam.pk}).status_code
        == 302
    )
    refused = client.post(url, {"site": "78-FS-MUREAUX", "action": "add_partner", "partenaire-partner": world.org92.pk})
    assert refused.status_code == 422  # not a partner organisation: not in the list
    assert list(SitePartner.objects.values_list("partner__code", flat=True)) == ["CPAM78"]

    opening = DeclaredOpening.objects.get()
    client.post(url, {"site": "78-FS-MUREAUX", "action": "remove_opening", "opening": opening.pk})
    client.post(url, {"site": "78-FS-MUREAUX", "action": "remove_partner", "partner": network.cpam.pk})
    assert not DeclaredOpening.objects.exists() and not SitePartner.objects.exists()
    # Removed already (another tab, a colleague), or an id that is not one: said, not reported as done.
    again = client.post(url, {"site": "78-FS-MUREAUX", "action": "remove_opening", "opening": opening.pk}, follow=True)
    assert "Ces horaires n'étaient plus déclarés : rien n'a été supprimé." in unescape(again.content.decode())
    odd = client.post(url, {"site": "78-FS-MUREAUX", "action": "remove_partner", "partner": "²"}, follow=True)
    assert odd.status_code == 200 and "Ce partenaire n'était plus déclaré" in unescape(odd.content.decode())


def test_declarations_of_another_site_cannot_be_reached(world, network):
    clichy_opening = _declare(network.clichy, 0, "09:00", "12:00")
    manager78 = world.client_for(network.manager78)
    url = "/evaluation/labels/point-d-accueil/"
    assert manager78.get(url, {"site": "92-FS-CLICHY"}).status_code == 404
    # An id of the 92's declaration posted against the 78's own site removes nothing.
    manager78.post(url, {"site": "78-FS-MUREAUX", "action": "remove_opening", "opening": clichy_opening.pk})
    assert DeclaredOpening.objects.filter(pk=clichy_opening.pk).exists()
    assert (
        manager78.post(url, {"site": "92-FS-CLICHY", "action": "remove_opening", "opening": clichy_opening.pk}).status_code == 404
    )
    assert world.client_for(network.mediator78).get(url, {"site": "78-FS-MUREAUX"}).status_code == 403
    assert world.client_for(world.caf_agent).get("/evaluation/labels/").status_code == 403
    assert DeclaredOpening.objects.filter(pk=clichy_opening.pk).exists()


def test_today_is_the_default_date(world, network, seed_label):
    assert check_site(network.mureaux, seed_label).on == timezone.localdate()
