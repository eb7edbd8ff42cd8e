"""Insertion indicators on a small known history: exact numbers, the page, its CSV and XLSX exports,
and who may open it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from relais.insertion.indicators import congestion, insertion_indicators, sector_of
from relais.insertion.models import CandidateProfile, Proposal, ProposalEvent
from tests.insertion.factories import CandidateProfileFactory, CompanyFactory, OfferFactory, ProposalFactory
from tests.people.factories import PersonFactory
from tests.territory.factories import AgentFactory, ServiceFactory

UTC = dt.UTC
TODAY = dt.date(2026, 12, 1)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def _profile(world, created: dt.date, referent=None) -> CandidateProfile:
    person = PersonFactory(organisations=[world.org92], commune_code="92050")
    profile = CandidateProfileFactory(person=person, organisation=world.org92, referent=referent)
    CandidateProfile.objects.filter(pk=profile.pk).update(created_at=_at(created))
    return profile


def _proposal(profile, offer, created: dt.date, steps: list[tuple[str, dt.date]], **fields) -> Proposal:
    status = steps[-1][0] if steps else "proposed"
    proposal = ProposalFactory(profile=profile, offer=offer, status=status, **fields)
    Proposal.objects.filter(pk=proposal.pk).update(created_at=_at(created))
    previous = ""
    for to_status, day in [("proposed", created), *steps]:
        event = ProposalEvent.objects.create(proposal=proposal, from_status=previous, to_status=to_status, actor_label="test")
        ProposalEvent.objects.filter(pk=event.pk).update(at=_at(day))
        previous = to_status
    return proposal


def _hired(day: dt.date) -> list[tuple[str, dt.date]]:
    return [("candidate_agreed", day), ("shared_with_employer", day), ("interview", day), ("hired", day)]


@pytest.fixture
def history(world, insertion):
    d = dt.date
    brasserie = CompanyFactory(name="Brasserie du Parc", organisations=[world.org92])
    vigiles = CompanyFactory(name="Sécurité Sud", organisations=[world.org92])
    kitchen = OfferFactory(company=brasserie, metier_id="G1602", positions=2)
    guard = OfferFactory(company=vigiles, metier_id="K2503", positions=1)
    adviser = insertion.agent92
    p1, p2 = _profile(world, d(2026, 9, 1), adviser), _profile(world, d(2026, 9, 1), adviser)
    p3, p4 = _profile(world, d(2026, 3, 1), adviser), _profile(world, d(2026, 3, 1))
    hire = {"hire_contract_type": "cdi", "hire_start_date": d(2026, 11, 15)}
    _proposal(p1, kitchen, d(2026, 10, 1), _hired(d(2026, 10, 21)), **hire)  # hired after 20 days
    _proposal(p2, kitchen, d(2026, 10, 5), _hired(d(2026, 11, 4)), **hire)  # after 30 days
    _proposal(p3, kitchen, d(2026, 7, 1), [("refused", d(2026, 7, 3))], refusal_reason="candidate_choice")
    _proposal(
        p1, guard, d(2026, 11, 1), [("candidate_agreed", d(2026, 11, 2)), ("refused", d(2026, 11, 8))], refusal_reason="hours"
    )
    _proposal(p2, guard, d(2026, 11, 10), [])
    _proposal(p4, guard, d(2026, 1, 10), [("withdrawn", d(2026, 1, 12))])  # before the period
    return {"adviser": adviser}


def _rows(data, key):
    return {row[0]: row[1:] for row in data.table(key).rows}


def test_indicators_of_a_known_history(world, history):
    data = insertion_indicators(organisation_ids=[world.org92.pk], start=dt.date(2026, 6, 1), end=TODAY, today=TODAY)
    # candidates, proposals, agreed, rate, interviews, hires, median days, idle 90 d, mean, median, max per position, top 10 %
    assert _rows(data, "departement") == {world.org92.name: [4, 5, 3, 60.0, 2, 2, 25.0, 2, 1.75, 1.75, 2.0, 60.0]}
    assert _rows(data, "secteur") == {
        "Hôtellerie-restauration": [3, 3, 2, 66.7, 2, 2, 25.0, None, 1.5, 1.5, 1.5, 100.0],
        "Sécurité": [2, 2, 1, 50.0, 0, 0, None, None, 2.0, 2.0, 2.0, 100.0],
    }
    advisers = _rows(data, "referent")
    assert advisers["Sans référent"] == [1, 0, 0, None, 0, 0, None, 1, None, None, None, None]
    (name,) = set(advisers) - {"Sans référent"}
    assert advisers[name][:8] == [3, 5, 3, 60.0, 2, 2, 25.0, 1]
    assert _rows(data, "employeur")["Sécurité Sud"][:6] == [2, 2, 1, 50.0, 0, 0]
    assert data.table("refus").rows == [["Choix de la personne", 1, 1], ["Horaires incompatibles", 1, 1]]
    assert [(bar.label, bar.proposals, bar.hires) for bar in data.chart] == [
        ("Hôtellerie-restauration", 3, 2),
        ("Sécurité", 2, 0),
    ]
    assert data.chart[0].proposals_width == 360 and data.chart[1].proposals_width == 240


def test_sectors_and_congestion_spread():
    assert sector_of("G1602") == "Hôtellerie-restauration" and sector_of("K1302") == "Aide à domicile"
    assert sector_of("K2204") == sector_of("K2303") == "Propreté" and sector_of("A1101") == "Autres secteurs"
    # 20 offers of one position: one gets 11 proposals, the others 1: the top 10 % (2 offers) take 12 of 30.
    counts = {1: 11, **dict.fromkeys(range(2, 21), 1)}
    assert congestion(counts, dict.fromkeys(counts, 1)) == (1.5, 1.0, 11.0, 40.0)


@pytest.fixture
def recent(world, insertion):
    offer = OfferFactory(company=CompanyFactory(name="=HYPERLINK(1)", organisations=[world.org92]), metier_id="K2204")
    profile = CandidateProfileFactory(person=PersonFactory(organisations=[world.org92]), organisation=world.org92)
    ProposalFactory(profile=profile, offer=offer)
    return offer


def test_the_page_and_its_exports(world, insertion, recent):
    client = world.client_for(insertion.manager92)
    page = client.get("/insertion/indicateurs/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "<svg" in content and 'style="' not in content and "Propreté" in content and "Par employeur" in content
    csv = client.get("/insertion/indicateurs/", {"export": "employeur", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv") and csv["Content-Disposition"].endswith('.csv"')
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Employeur;Candidats actifs;Propositions;Acceptées par la personne;Taux d'acceptation (%)")
    assert lines[1].startswith("'=HYPERLINK(1);1;1;0;0.0;0;0;;;1.0;1.0;1.0;100.0")
    xlsx = client.get("/insertion/indicateurs/", {"export": "secteur", "format": "xlsx"})
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Secteur", "Candidats actifs", "Propositions") and rows[1][:3] == ("Propreté", 1, 1)
    everything = load_workbook(io.BytesIO(client.get("/insertion/indicateurs/", {"export": "tout", "format": "xlsx"}).content))
    assert everything.sheetnames == [
        "Par département",
        "Par conseiller référent",
        "Par secteur",
        "Par employeur",
        "Motifs de refus",
    ]
    employer = list(everything["Par employeur"].iter_rows(values_only=True))
    assert employer[1][0] == "'=HYPERLINK(1)"  # text, never a formula


def test_only_insertion_services_open_the_page_and_the_epi_sees_both(world, insertion, recent):
    for agent in (world.agent92, world.agent78, world.caf_agent):
        assert world.client_for(agent).get("/insertion/indicateurs/").status_code == 403
        assert world.client_for(agent).get("/insertion/indicateurs/", {"export": "employeur"}).status_code == 403
    assert world.client_for(insertion.agent78).get("/insertion/indicateurs/").context["data"].totals["proposals"] == 0
    shared = ServiceFactory(code="EPI-INSERTION", name="Agence d'insertion", organisations=[world.epi, world.org78, world.org92])
    epi_agent = AgentFactory(email="insertion@epi.fr", memberships=[(world.epi, shared, "manager")])
    page = world.client_for(epi_agent).get("/insertion/indicateurs/")
    assert page.status_code == 200 and page.context["data"].totals["proposals"] == 1
    assert {org.code for org in page.context["organisations"]} >= {"78", "92"}
    only78 = world.client_for(epi_agent).get("/insertion/indicateurs/", {"departement": "78"})
    assert only78.context["data"].totals["proposals"] == 0
