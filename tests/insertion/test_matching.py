"""The matching engine: hard constraints never broken, capacities kept, reach as good as possible,
French reasons (relais/insertion/matching.py)."""

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relais.insertion.matching import (
    CandidateRow,
    OfferRow,
    Proposal,
    allocate,
    candidates_for,
    explain,
    feasible_pairs,
    naive_top_k,
    offers_for,
    reachable_bound,
)
from relais.territory.communes import commune_coordinates

COORDINATES = commune_coordinates()
# Nanterre, Antony, Boulogne-Billancourt, Versailles, Ablis (far south of the 78), Rambouillet.
COMMUNES = ["92050", "92002", "92012", "78646", "78003", "78517"]
ROMES = ["G1602", "G1603", "G1803", "K2204", "K2503", "K1302", "K1304"]
DAY = date(2027, 1, 4)

candidate_rows = st.builds(
    CandidateRow,
    candidate_id=st.text("abcdefgh", min_size=1, max_size=4),
    commune_code=st.sampled_from([*COMMUNES, "99999"]),  # an unknown commune now and then
    rome_codes=st.lists(st.sampled_from(ROMES), min_size=1, max_size=3, unique=True).map(tuple),
    education_level=st.sampled_from([0, 3, 4, 5]),
    driving_licence=st.booleans(),
    vehicle=st.booleans(),
    max_km=st.sampled_from([0.0, 5.0, 12.5, 20.0, 60.0]),
    hours_min=st.sampled_from([0.0, 20.0, 24.0]),
    hours_max=st.sampled_from([24.0, 30.0, 35.0]),
    available_from=st.integers(-30, 30).map(lambda d: DAY + timedelta(days=d)),
    nights=st.booleans(),
    weekends=st.booleans(),
    skills=st.frozensets(st.sampled_from(["caisse", "hygiène", "anglais", "service"]), max_size=3),
)
offer_rows = st.builds(
    OfferRow,
    offer_id=st.text("uvwxyz", min_size=1, max_size=4),
    siret=st.just("73282932000074"),
    commune_code=st.sampled_from(COMMUNES),
    rome_code=st.sampled_from(ROMES),
    education_level=st.sampled_from([0, 3, 4]),
    driving_licence=st.booleans(),
    vehicle=st.booleans(),
    hours=st.sampled_from([20.0, 24.0, 30.0, 35.0]),
    nights=st.booleans(),
    weekends=st.booleans(),
    positions=st.integers(1, 3),
    start_date=st.integers(-10, 40).map(lambda d: DAY + timedelta(days=d)),
    skills=st.frozensets(st.sampled_from(["caisse", "hygiène", "anglais", "service"]), max_size=3),
)
instances = st.tuples(
    st.lists(candidate_rows, max_size=25, unique_by=lambda c: c.candidate_id),
    st.lists(offer_rows, max_size=12, unique_by=lambda o: o.offer_id),
)


def candidate(**changes) -> CandidateRow:
    base = CandidateRow(
        candidate_id="C1", commune_code="92050", rome_codes=("G1602",), education_level=3, driving_licence=False,
        vehicle=False, max_km=15, hours_min=20, hours_max=35, available_from=DAY, nights=False, weekends=True,
    )  # fmt: skip
    return replace(base, **changes)


def offer(**changes) -> OfferRow:
    base = OfferRow(
        offer_id="O1", siret="73282932000074", commune_code="92050", rome_code="G1602", education_level=3,
        driving_licence=False, vehicle=False, hours=35, nights=False, weekends=True, positions=1,
        start_date=DAY + timedelta(days=10),
    )  # fmt: skip
    return replace(base, **changes)


def reached(proposals: list[Proposal]) -> set[str]:
    return {p.candidate_id for p in proposals}


@settings(max_examples=60, deadline=None)
@given(instances)
def test_feasible_pairs_are_exactly_the_pairs_explain_calls_feasible(instance):
    candidates, offers = instance
    pairs = feasible_pairs(candidates, offers, COORDINATES)
    found = {(int(i), int(j)): float(s) for i, j, s in zip(pairs.candidate, pairs.offer, pairs.score, strict=True)}
    for i, c in enumerate(candidates):
        for j, o in enumerate(offers):
            explanation = explain(c, o, COORDINATES)
            assert explanation.feasible == ((i, j) in found), explanation.violations
            assert explanation.feasible == (not explanation.violations)
            if explanation.feasible:
                assert explanation.score == pytest.approx(found[i, j])
                assert 0 <= explanation.score <= 1


@settings(max_examples=60, deadline=None)
@given(instances, st.integers(1, 3), st.integers(1, 2))
def test_allocation_keeps_every_hard_constraint_and_capacity(instance, per_candidate, per_offer):
    candidates, offers = instance
    proposals = allocate(candidates, offers, COORDINATES, per_candidate, per_offer)
    by_c = {c.candidate_id: c for c in candidates}
    by_o = {o.offer_id: o for o in offers}
    for p in proposals:
        c, o = by_c[p.candidate_id], by_o[p.offer_id]
        # Checked here without the engine, each constraint as the issue words it.
        assert o.rome_code in c.rome_codes or o.rome_code[:3] in {code[:3] for code in c.rome_codes}
        assert c.education_level >= o.education_level
        assert c.driving_licence or not o.driving_licence
        assert c.vehicle or not o.vehicle
        assert c.hours_min <= o.hours <= c.hours_max
        assert c.nights or not o.nights
        assert c.weekends or not o.weekends
        assert c.available_from <= o.start_date
        assert c.commune_code in COORDINATES
        assert explain(c, o, COORDINATES).feasible
        assert 0 <= p.score <= 1 and p.reasons
    assert len({(p.candidate_id, p.offer_id) for p in proposals}) == len(proposals)
    assert max(Counter(p.candidate_id for p in proposals).values(), default=0) <= per_candidate
    per_offer_count = Counter(p.offer_id for p in proposals)
    assert all(per_offer_count[o.offer_id] <= per_offer * o.positions for o in offers)
    ranks = defaultdict(list)
    for p in proposals:
        ranks[p.candidate_id].append(p)
    for mine in ranks.values():
        assert [p.rank for p in mine] == list(range(1, len(mine) + 1))
        assert [p.score for p in mine] == sorted((p.score for p in mine), reverse=True)


def naive_capped(candidates, offers, per_candidate, per_offer) -> set[str]:
    """The naive top-K, then each offer keeping only its best F × positions proposals: who is
    really reached when everyone is sent to the same few offers."""
    kept: dict[str, list[Proposal]] = defaultdict(list)
    for p in naive_top_k(candidates, offers, COORDINATES, per_candidate):
        kept[p.offer_id].append(p)
    positions = {o.offer_id: o.positions for o in offers}
    return {
        p.candidate_id
        for offer_id, mine in kept.items()
        for p in sorted(mine, key=lambda p: -p.score)[: per_offer * positions[offer_id]]
    }


@settings(max_examples=60, deadline=None)
@given(instances, st.integers(1, 3), st.integers(1, 2))
def test_allocation_reaches_every_reachable_candidate_and_no_fewer_than_the_naive_way(instance, per_candidate, per_offer):
    candidates, offers = instance
    proposals = allocate(candidates, offers, COORDINATES, per_candidate, per_offer)
    assert len(reached(proposals)) == reachable_bound(candidates, offers, COORDINATES, per_offer)
    assert len(reached(proposals)) >= len(naive_capped(candidates, offers, per_candidate, per_offer))


def test_a_crowded_offer_is_shared_out_rather_than_sent_to_everyone():
    # Three candidates next door to the same excellent offer, and a fair one a bit further away.
    candidates = [candidate(candidate_id=f"C{k}") for k in range(3)]
    offers = [offer(offer_id="near"), offer(offer_id="far", commune_code="92012", rome_code="G1603", positions=2)]
    naive = naive_top_k(candidates, offers, COORDINATES, per_candidate=1)
    assert Counter(p.offer_id for p in naive) == {"near": 3}
    allocated = allocate(candidates, offers, COORDINATES, per_candidate=1, per_offer=1)
    assert Counter(p.offer_id for p in allocated) == {"near": 1, "far": 2}
    assert reached(allocated) == {"C0", "C1", "C2"}


def test_reaching_one_more_candidate_beats_a_better_score():
    # C1 fits both offers and could take both (K = 2); C2, farther away, fits only the cleaning job,
    # where C1 scores better. The best total score alone would give C1 both and leave C2 out.
    c1 = candidate(candidate_id="C1", rome_codes=("G1602", "K2204"))
    c2 = candidate(candidate_id="C2", rome_codes=("K2204",), commune_code="92012")
    cook, clean = offer(offer_id="cook"), offer(offer_id="clean", rome_code="K2204")
    assert explain(c1, clean, COORDINATES).score > explain(c2, clean, COORDINATES).score > 0
    allocated = allocate([c1, c2], [cook, clean], COORDINATES, per_candidate=2, per_offer=1)
    assert {(p.candidate_id, p.offer_id) for p in allocated} == {("C1", "cook"), ("C2", "clean")}


@pytest.mark.parametrize(
    ("changes", "offer_changes", "violation"),
    [
        ({"max_km": 5}, {"commune_code": "78646"}, "Trop loin"),
        ({"rome_codes": ("K2204",)}, {}, "hors des métiers recherchés"),
        ({"education_level": 0}, {}, "Niveau de formation 0 inférieur au minimum demandé (3)"),
        ({}, {"driving_licence": True}, "Permis de conduire exigé"),
        ({}, {"vehicle": True}, "Véhicule exigé"),
        ({"hours_max": 30}, {}, "35 h par semaine, hors de la plage souhaitée (20 à 30 h)"),
        ({}, {"nights": True}, "Travail de nuit non accepté"),
        ({"weekends": False}, {}, "Travail le week-end non accepté"),
        ({"available_from": DAY + timedelta(days=30)}, {}, "Disponible le 03/02/2027 seulement"),
        ({"commune_code": "75056"}, {}, "Commune inconnue : 75056"),
    ],
)
def test_explain_names_each_broken_constraint_in_french(changes, offer_changes, violation):
    explanation = explain(candidate(**changes), offer(**offer_changes), COORDINATES)
    assert not explanation.feasible
    assert len(explanation.violations) == 1
    assert violation in explanation.violations[0]


def test_explain_gives_one_french_reason_per_factor():
    explanation = explain(candidate(skills=frozenset({"caisse", "hygiène"})), offer(
        commune_code="92012", skills=frozenset({"hygiène", "anglais"})), COORDINATES)  # fmt: skip
    assert explanation.feasible and not explanation.violations
    metier, distance, hours, skills, start = explanation.reasons
    assert metier == "Métier recherché : G1602"
    assert distance.startswith("À ") and "km (jusqu'à 15 km accepté)" in distance and "," in distance
    assert hours == "35 h par semaine (souhaité : 20 à 35 h)"
    assert skills == "Compétences : 1 sur 2 demandées"
    assert start == "Début le 14/01/2027, disponible dès le 04/01/2027"
    assert 0 < explanation.score < 1


def test_the_wanted_metier_scores_above_its_domain_neighbour_and_nearer_above_farther():
    wanted = explain(candidate(), offer(), COORDINATES)
    neighbour = explain(candidate(), offer(rome_code="G1603"), COORDINATES)
    assert neighbour.feasible and neighbour.reasons[0].startswith("Métier voisin : G1603, même domaine (G16) que G1602")
    assert wanted.score > neighbour.score
    farther = explain(candidate(), offer(commune_code="92012"), COORDINATES)
    assert wanted.score > farther.score
    assert wanted.reasons[1] == "Même commune (jusqu'à 15 km accepté)"


def test_skills_count_only_when_both_sides_list_them():
    without = explain(candidate(), offer(), COORDINATES)
    assert not any(reason.startswith("Compétences") for reason in without.reasons)
    matching = explain(candidate(skills=frozenset({"caisse"})), offer(skills=frozenset({"caisse"})), COORDINATES)
    missing = explain(candidate(skills=frozenset({"anglais"})), offer(skills=frozenset({"caisse"})), COORDINATES)
    assert matching.score > missing.score


def test_ranked_lists_both_ways():
    offers = [offer(offer_id="far", commune_code="92012"), offer(offer_id="near"), offer(offer_id="no", nights=True)]
    ranked = offers_for(candidate(), offers, COORDINATES, limit=5)
    assert [(p.offer_id, p.rank) for p in ranked] == [("near", 1), ("far", 2)]
    assert ranked[0].score > ranked[1].score and ranked[0].reasons[0] == "Métier recherché : G1602"
    candidates = [
        candidate(candidate_id="B", commune_code="92012"),
        candidate(candidate_id="A"),
        candidate(candidate_id="Z", nights=False, weekends=False),
    ]
    ranked = candidates_for(offer(), candidates, COORDINATES, limit=1)
    assert [(p.candidate_id, p.rank) for p in ranked] == [("A", 1)]


def test_nothing_feasible_gives_nothing():
    assert allocate([], [], COORDINATES) == []
    assert allocate([candidate()], [offer(nights=True)], COORDINATES) == []
    assert reachable_bound([candidate()], [offer(nights=True)], COORDINATES) == 0
    with pytest.raises(ValueError, match="at least 1"):
        allocate([candidate()], [offer()], COORDINATES, per_candidate=0)
