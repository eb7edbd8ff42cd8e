"""The weekly counting grid: prefilled from what Relais recorded, saved by mediators, closed by
managers, exported and imported as CSV."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from relais.appointments.models import Agenda, Appointment
from relais.core.calendar import PARIS
from relais.evaluation.grid import GridError, grid_for, grid_save, week_close, week_reopen
from relais.evaluation.imports import week_label
from relais.evaluation.models import SitePartner, VisitCount, VisitKind, WeekClosure, week_monday
from relais.exchanges.models import Channel
from tests import test_content_security_policy as csp
from tests import test_french_wording as wording
from tests.appointments.factories import AgendaFactory, MotiveFactory
from tests.exchanges.factories import ExchangeFactory
from tests.territory.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def week():
    """A week that has ended: two weeks before this one."""
    return week_monday(timezone.localdate()) - dt.timedelta(weeks=2)


def _at(week: dt.date, day: int, hour: int) -> dt.datetime:
    return dt.datetime.combine(week + dt.timedelta(days=day), dt.time(hour), PARIS)


def _visio_appointment(world, network, week, *, status=Appointment.Status.HONOURED, day=1, from_site=None):
    agenda = Agenda.objects.filter(organisation=world.caf, kind=Agenda.Kind.COUNTER).first() or AgendaFactory(
        kind=Agenda.Kind.COUNTER, organisation=world.caf, service=world.caf_service, name="Visio-guichet CAF"
    )
    motive = MotiveFactory(service=world.caf_service, visio=True, name=f"Visio {status} {day}")
    start = _at(week, day, 10)
    return Appointment.objects.create(
        motive=motive, agenda=agenda, start=start, end=start + dt.timedelta(minutes=30),
        blocked_until=start + dt.timedelta(minutes=30), status=status, booked_from_site=from_site or network.mureaux,
    )  # fmt: skip


def _counter_exchange(world, network, week, *, organisation=None, channel=Channel.COUNTER, day=0, site=None):
    organisation = organisation or world.org78
    service = world.caf_service if organisation == world.caf else world.accueil78
    return ExchangeFactory(
        organisation=organisation, service=service, site=site or network.mureaux, channel=channel,
        occurred_at=_at(week, day, 11), agent=network.mediator78,
    )  # fmt: skip


def _cell(grid, partner, kind):
    return next(cell for cell in grid.cells() if cell.partner == partner and cell.kind == kind)


def _values(grid, **overrides):
    """The grid's values as the page submits them, with some cells changed: {(partner, kind): "3"}."""
    values = {cell.key: str(cell.value) for cell in grid.cells()}
    values.update(overrides.get("cells", {}))
    return values


# --- prefill -------------------------------------------------------------------------------------


def test_counter_exchanges_and_honoured_visio_appointments_prefill_the_grid(world, network, week):
    _counter_exchange(world, network, week)
    _counter_exchange(world, network, week, day=2)
    _counter_exchange(world, network, week, organisation=world.caf)  # a CAF permanence at the site
    _counter_exchange(world, network, week, channel=Channel.VISIO)
    _visio_appointment(world, network, week)
    # Not this grid's: another site, another week, a cancelled appointment, a phone call.
    _counter_exchange(world, network, week, site=network.rambouillet)
    _counter_exchange(world, network, week - dt.timedelta(weeks=1))
    _visio_appointment(world, network, week, status=Appointment.Status.CANCELLED_BY_PERSON, day=2)
    _counter_exchange(world, network, week, channel=Channel.CALL_IN)

    grid = grid_for(network.mureaux, week)

    assert [row.label for row in grid.rows] == ["CAF des Hauts-de-Seine (CAF92)", "Sans partenaire"]
    assert _cell(grid, None, VisitKind.INFORMATION).prefill == 2
    assert _cell(grid, None, VisitKind.VISIO).prefill == 1
    assert _cell(grid, world.caf, VisitKind.INFORMATION).prefill == 1
    assert _cell(grid, world.caf, VisitKind.VISIO).prefill == 1  # the appointment, with the agenda's partner
    assert all(cell.is_prefilled for cell in grid.cells() if cell.prefill)
    assert grid.total == 5 and grid.column_totals[0] == 3
    assert _cell(grid, world.caf, VisitKind.VISIO).label == "CAF92 — Visio-guichet"


def test_declared_partners_have_a_row_even_without_visits(world, network, week):
    SitePartner.objects.create(site=network.mureaux, partner=network.cpam)
    grid = grid_for(network.mureaux, week)
    assert [row.partner for row in grid.rows] == [network.cpam, None]
    assert grid.total == 0 and not grid.has_prefill


def test_a_saved_count_wins_over_the_prefill(world, network, week):
    _counter_exchange(world, network, week)
    grid = grid_for(network.mureaux, week)
    changed = grid_save(
        network.mureaux, week, _values(grid, cells={(None, VisitKind.INFORMATION): "7"}), network.mediator78,
        version=grid.version,
    )  # fmt: skip
    assert changed == 1
    _counter_exchange(world, network, week, day=3)  # recorded after the save: the count stays as saved
    cell = _cell(grid_for(network.mureaux, week), None, VisitKind.INFORMATION)
    assert (cell.saved, cell.value, cell.is_prefilled) == (7, 7, False)
    saved = VisitCount.objects.get()
    assert (saved.updated_by, saved.source, saved.partner) == (network.mediator78, VisitCount.Source.GRID, None)


def test_saving_an_accepted_prefill_records_it_and_zero_cells_write_nothing(world, network, week):
    _visio_appointment(world, network, week)
    grid = grid_for(network.mureaux, week)
    grid_save(network.mureaux, week, _values(grid), network.mediator78, version=grid.version)
    assert list(VisitCount.objects.values_list("partner", "kind", "count")) == [(world.caf.pk, "visio", 1)]
    # Set back to 0, the prefilled cell keeps a row saying 0: the prefill no longer shows.
    grid = grid_for(network.mureaux, week)
    grid_save(network.mureaux, week, _values(grid, cells={(world.caf.pk, "visio"): "0"}), network.mediator78,
              version=grid.version)  # fmt: skip
    assert _cell(grid_for(network.mureaux, week), world.caf, "visio").value == 0


# --- refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-2", "ne peut pas être négatif"),
        ("2,5", "nombre entier"),
        ("abc", "nombre entier"),
        ("1000000", "plus de 100000"),
        ("²", "nombre entier"),
        ("-①", "nombre entier"),
    ],  # digits that int() refuses
)
def test_wrong_values_are_refused_cell_by_cell_and_nothing_is_written(network, week, typed, message):
    grid = grid_for(network.mureaux, week)
    values = _values(grid, cells={(None, "information"): "3", (None, "printing"): typed})
    with pytest.raises(GridError) as refused:
        grid_save(network.mureaux, week, values, network.mediator78, version=grid.version)
    assert list(refused.value.cells) == [(None, "printing")]
    assert message in refused.value.cells[(None, "printing")]
    assert not VisitCount.objects.exists()


def test_a_closed_week_is_refused(network, week):
    WeekClosure.objects.create(site=network.mureaux, week=week, closed_by=network.manager78)
    grid = grid_for(network.mureaux, week)
    with pytest.raises(GridError, match="a été clôturée par"):
        grid_save(network.mureaux, week, _values(grid, cells={(None, "other"): "1"}), network.mediator78, version=grid.version)
    assert not VisitCount.objects.exists()


def test_a_grid_saved_by_someone_else_since_it_was_loaded_is_refused(world, network, week):
    loaded = grid_for(network.mureaux, week)  # the mediator opens the grid
    colleague = AgentFactory(first_name="Inès", last_name="Durand", memberships=[(world.org78, world.accueil78, "mediator")])
    colleague.memberships.update(site=network.mureaux)
    grid_save(network.mureaux, week, _values(loaded, cells={(None, "information"): "4"}), colleague, version=loaded.version)
    with pytest.raises(GridError, match="Inès Durand a enregistré cette grille") as refused:
        grid_save(network.mureaux, week, _values(loaded, cells={(None, "information"): "9"}), network.mediator78,
                  version=loaded.version)  # fmt: skip
    assert refused.value.conflict
    assert VisitCount.objects.get().count == 4


def test_the_page_shows_the_refused_values_again_with_the_colleagues(world, network, week):
    client = world.client_for(network.mediator78)
    url = f"/evaluation/grille/?site=78-FS-MUREAUX&semaine={week_label(week)}"
    page = client.get(url)
    version = page.context["version"]
    field = "cell-0-information"
    colleague = AgentFactory(first_name="Inès", last_name="Durand", memberships=[(world.org78, world.accueil78, "mediator")])
    colleague.memberships.update(site=network.mureaux)
    loaded = grid_for(network.mureaux, week)
    grid_save(network.mureaux, week, _values(loaded, cells={(None, "information"): "4"}), colleague, version=loaded.version)

    refused = client.post(
        "/evaluation/grille/", {"site": "78-FS-MUREAUX", "semaine": week_label(week), "version": version, field: "12"}
    )

    assert refused.status_code == 422
    html = refused.content.decode()
    assert "Inès Durand a enregistré cette grille" in html
    assert 'name="cell-0-information" id="cell-0-information" value="12"' in html  # nothing typed is lost
    assert "Enregistré entre-temps : 4" in html
    # Submitting again (the page now carries the new version) saves the typed value.
    again = client.post(
        "/evaluation/grille/",
        {"site": "78-FS-MUREAUX", "semaine": week_label(week), "version": refused.context["version"], field: "12"},
    )
    assert again.status_code == 302
    assert VisitCount.objects.get().count == 12


def test_the_page_keeps_typed_values_after_a_wrong_cell(world, network, week):
    client = world.client_for(network.mediator78)
    version = client.get(f"/evaluation/grille/?semaine={week_label(week)}").context["version"]
    response = client.post("/evaluation/grille/", {
        "site": "78-FS-MUREAUX", "semaine": week_label(week), "version": version,
        "cell-0-information": "5", "cell-0-printing": "-1",
    })  # fmt: skip
    assert response.status_code == 422
    html = response.content.decode()
    assert 'value="5"' in html and 'aria-invalid="true"' in html and "ne peut pas être négatif" in html
    assert not VisitCount.objects.exists()


def test_a_week_to_come_is_refused(network):
    next_week = week_monday(timezone.localdate()) + dt.timedelta(weeks=1)
    grid = grid_for(network.mureaux, next_week)
    with pytest.raises(GridError, match="n'a pas commencé"):
        grid_save(network.mureaux, next_week, {(None, "other"): "1"}, network.mediator78, version=grid.version)


# --- closing ---------------------------------------------------------------------------------------


def test_managers_close_an_ended_week_and_reopen_it(network, week):
    closure = week_close(network.mureaux, week, network.manager78)
    assert closure.closed_by == network.manager78
    with pytest.raises(GridError, match="a été clôturée"):
        week_close(network.mureaux, week, network.manager78)
    week_reopen(network.mureaux, week, network.manager78)
    assert not WeekClosure.objects.exists()


def test_a_week_that_has_not_ended_cannot_be_closed(network):
    this_week = week_monday(timezone.localdate())
    with pytest.raises(GridError, match="n'est pas terminée"):
        week_close(network.mureaux, this_week, network.manager78)


def test_mediators_and_other_managers_cannot_close(network, week):
    with pytest.raises(PermissionDenied):
        week_close(network.mureaux, week, network.mediator78)
    with pytest.raises(PermissionDenied):
        week_close(network.mureaux, week, network.manager92)


def test_the_closed_grid_reads_who_closed_it_and_has_no_save_button(world, network, week):
    network.manager78.first_name, network.manager78.last_name = "Paul", "Martin"
    network.manager78.save()
    manager = world.client_for(network.manager78)
    response = manager.post("/evaluation/grille/cloture/", {"site": "78-FS-MUREAUX", "semaine": week_label(week)})
    assert response.status_code == 302
    page = world.client_for(network.mediator78).get(response["Location"]).content.decode()
    assert "Semaine clôturée par Paul Martin" in page and "Enregistrer la grille" not in page and "readonly" in page
    assert "Rouvrir la semaine" not in page
    assert "Rouvrir la semaine" in manager.get(response["Location"]).content.decode()


# --- pages and permissions ---------------------------------------------------------------------------


def test_the_grid_page_is_keyboard_ready_and_marks_prefilled_cells(world, network, week):
    _counter_exchange(world, network, week)
    page = world.client_for(network.mediator78).get(f"/evaluation/grille/?semaine={week_label(week)}")
    assert page.status_code == 200 and page.context["site"] == network.mureaux
    html = page.content.decode()
    assert 'inputmode="numeric" min="0"' in html and 'aria-label="Sans partenaire — Information, orientation"' in html
    assert 'aria-describedby="prefill-help"' in html and 'id="prefill-help"' in html
    assert "data-count-grid" in html and '<th scope="row">Sans partenaire</th>' in html
    assert not wording.slips(html) and not csp.inline_code(html)


def test_a_mediator_of_another_site_gets_a_404_and_an_agent_without_site_a_403(world, network, week):
    mediator = world.client_for(network.mediator78)
    assert mediator.get("/evaluation/grille/?site=92-FS-CLICHY").status_code == 404
    assert mediator.post("/evaluation/grille/", {"site": "92-FS-CLICHY", "semaine": week_label(week),
                                                  "cell-0-information": "3"}).status_code == 404  # fmt: skip
    assert mediator.post("/evaluation/grille/cloture/", {"site": "78-FS-MUREAUX", "semaine": week_label(week)}).status_code == 403
    assert mediator.get("/evaluation/grille/fichiers/").status_code == 403
    assert world.client_for(world.agent92).get("/evaluation/grille/").status_code == 403
    assert world.client_for(world.caf_agent).get("/evaluation/grille/").status_code == 403
    assert world.client_for(network.manager92).post("/evaluation/grille/cloture/",
                                                     {"site": "78-FS-MUREAUX", "semaine": week_label(week)}).status_code == 404  # fmt: skip
    assert not VisitCount.objects.exists() and not WeekClosure.objects.exists()


def test_a_manager_chooses_among_their_sites(world, network, week):
    page = world.client_for(network.manager78).get(f"/evaluation/grille/?site=78-FS-RAMBOUILLET&semaine={week_label(week)}")
    assert page.status_code == 200 and page.context["site"] == network.rambouillet
    assert {site.code for site in page.context["sites"]} == {"78-FS-MUREAUX", "78-FS-RAMBOUILLET"}


def test_a_wrong_week_falls_back_to_this_week_with_a_message(world, network):
    page = world.client_for(network.mediator78).get("/evaluation/grille/?semaine=2026-W60")
    assert page.status_code == 200 and "n'a pas de semaine 60" in page.context["errors"][0]
    assert page.context["grid"].week == week_monday(timezone.localdate())


@pytest.mark.parametrize("typed", ["9999-W52", "0001-W01", "31/12/9999", "01/01/1999"])
def test_a_week_off_the_calendar_falls_back_to_this_week_with_a_message(world, network, typed):
    page = world.client_for(network.mediator78).get("/evaluation/grille/", {"semaine": typed})
    assert page.status_code == 200 and "entre 2000 et l'an prochain" in page.context["errors"][0]
    assert page.context["grid"].week == week_monday(timezone.localdate())


def test_a_save_with_a_wrong_week_writes_nothing_into_the_week_shown(world, network):
    client = world.client_for(network.mediator78)
    this_week = grid_for(network.mureaux, week_monday(timezone.localdate()))
    page = client.post("/evaluation/grille/", {"site": "78-FS-MUREAUX", "semaine": "2026-W60", "version": this_week.version,
                                               "cell-0-information": "7"})  # fmt: skip
    assert page.status_code == 422 and "Rien n'a été enregistré." in page.context["errors"]
    assert not VisitCount.objects.exists()


# --- CSV ---------------------------------------------------------------------------------------------


def test_export_then_import_changes_nothing_and_a_wrong_file_imports_nothing(world, network, week):
    VisitCount.objects.create(site=network.mureaux, week=week, partner=world.caf, kind="visio", count=6)
    VisitCount.objects.create(site=network.mureaux, week=week, partner=None, kind="information", count=14)
    VisitCount.objects.create(site=network.clichy, week=week, partner=None, kind="information", count=99)  # the 92's
    manager = world.client_for(network.manager78)
    exported = manager.get(f"/evaluation/grille/fichiers/grille.csv?du={week_label(week)}&au={week_label(week)}")
    assert exported.status_code == 200
    content = exported.content
    assert b"92-FS-CLICHY" not in content and f"78-FS-MUREAUX;{week_label(week)};CAF92;visio;6".encode() in content

    imported = manager.post("/evaluation/grille/fichiers/", {"fichier": SimpleUploadedFile("grille.csv", content)})
    assert imported.status_code == 200
    outcome = imported.context["outcome"]
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 2)
    assert "0 case créée, 0 modifiée, 2 inchangées" in imported.content.decode()

    wrong = content + f"92-FS-CLICHY;{week_label(week)};;information;1\r\n78-FS-MUREAUX;{week_label(week)};;other;-3\r\n".encode()
    refused = manager.post("/evaluation/grille/fichiers/", {"fichier": SimpleUploadedFile("grille.csv", wrong)})
    html = refused.content.decode()
    assert refused.status_code == 422 and "aucune case n'a été modifiée" in html
    assert "ligne 4" in html and "site inconnu" in html and "ligne 5" in html
    assert VisitCount.objects.filter(site=network.mureaux).count() == 2
    assert VisitCount.objects.get(site=network.clichy).count == 99


def test_an_export_with_reversed_weeks_swaps_them_and_a_wrong_week_leads_to_the_page_that_says_why(world, network, week):
    VisitCount.objects.create(site=network.mureaux, week=week, partner=None, kind="information", count=14)
    manager = world.client_for(network.manager78)
    url = "/evaluation/grille/fichiers/grille.csv"
    reversed_weeks = manager.get(url, {"du": week_label(week + dt.timedelta(weeks=1)), "au": week_label(week)})
    assert (
        reversed_weeks.status_code == 200
        and f"78-FS-MUREAUX;{week_label(week)};;information;14".encode() in reversed_weeks.content
    )
    wrong = manager.get(url, {"du": "2026-W60"}, follow=True)
    assert wrong.redirect_chain[0][0].startswith("/evaluation/grille/fichiers/?")
    assert wrong.status_code == 422 and "n'a pas de semaine 60" in wrong.context["errors"][0]


def test_an_imported_file_corrects_cells_and_the_page_says_so(world, network, week):
    VisitCount.objects.create(site=network.mureaux, week=week, partner=None, kind="information", count=14)
    text = f"site_code,week,partner_code,kind,count\n78-FS-MUREAUX,{week_label(week)},,information,15\n"
    text += f"78-FS-MUREAUX,{week_label(week)},CAF92,visio,2\n"
    manager = world.client_for(network.manager78)
    response = manager.post("/evaluation/grille/fichiers/", {"fichier": SimpleUploadedFile("g.csv", text.encode())})
    assert "1 case créée, 1 modifiée, 0 inchangée" in response.content.decode()
    again = manager.post("/evaluation/grille/fichiers/", {"fichier": SimpleUploadedFile("g.csv", text.encode())})
    assert "0 case créée, 0 modifiée, 2 inchangées" in again.content.decode()
    assert sorted(VisitCount.objects.values_list("count", flat=True)) == [2, 15]
    assert not wording.slips(again.content.decode()) and not csp.inline_code(again.content.decode())


def test_export_of_a_site_the_manager_does_not_manage_is_a_404(world, network):
    assert world.client_for(network.manager78).get("/evaluation/grille/fichiers/grille.csv?site=92-FS-CLICHY").status_code == 404
