"""Insertion matching at the two départements' scale: 28,000 candidates × 5,000 offers.

    uv run python bench/matching.py [--small] [--seed 13] [--per-candidate 5] [--per-offer 3]

Generates candidates and offers on the real communes of the 78 and the 92 (drawn by population),
with the métiers of the sectors the seeds name (hotels and restaurants, security, home care,
cleaning, construction, retail, logistics, office work), then in the same run:
- the allocation (`relais.insertion.matching.allocate`, min-cost flow), timed end to end (pairs,
  scores, flow, French reasons);
- the naive way (`naive_top_k`: each candidate's K best offers by score, no capacity);
- the reachable bound (`reachable_bound`: a max flow, one unit per candidate, F × positions per offer).
Prints, for both ways, the share of candidates with at least one proposal, the share of offers with
at least one, the most proposals any open position gets and the mean score; then reached / reachable.
Every proposal of both ways is checked against the hard constraints by code independent of the
engine (plain Python, math.asin). Targets (issue 13): ≤ 60 s on two cores, ≥ 95 % of the reachable
candidates reached, no hard constraint violated. `--small`: 2,800 × 500, for a quick run.
`--crowded`: the worst case for the engine (about 130 M feasible pairs; the allocation then thins
them, see `matching.MAX_ARCS`), the allocation alone against the plain capacity bound.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.config.settings")

from relais.insertion.matching import (  # noqa: E402
    CandidateRow,
    OfferRow,
    Proposal,
    allocate,
    feasible_pairs,
    naive_top_k,
    reachable_bound,
)
from relais.territory.communes import commune_coordinates, commune_populations  # noqa: E402

# Sector: (share of the offers, share of the candidates, ROME codes, nights, weekends, licence, min education)
SECTORS = {
    "hôtellerie-restauration": (0.20, 0.18, ["G1602", "G1603", "G1803", "G1501", "G1703"], 0.10, 0.60, 0.02, 0),
    "sécurité": (0.09, 0.08, ["K2503"], 0.40, 0.50, 0.05, 3),
    "aide à domicile": (0.15, 0.14, ["K1302", "K1303", "K1304"], 0.05, 0.40, 0.35, 0),
    "propreté": (0.15, 0.15, ["K2204"], 0.10, 0.15, 0.05, 0),
    "BTP": (0.10, 0.10, ["F1703", "F1602", "F1606", "F1704"], 0.00, 0.05, 0.25, 0),
    "commerce": (0.12, 0.14, ["D1505", "D1507", "D1106"], 0.02, 0.50, 0.02, 0),
    "logistique": (0.12, 0.12, ["N1103", "N1105", "N4105"], 0.15, 0.15, 0.20, 0),
    "bureau": (0.07, 0.09, ["M1602", "M1607", "M1601"], 0.00, 0.02, 0.05, 4),
}
TODAY = date(2027, 1, 4)


def generate(n_candidates: int, n_offers: int, seed: int) -> tuple[list[CandidateRow], list[OfferRow]]:
    rng = random.Random(seed)
    populations = commune_populations()
    communes = [code for code in commune_coordinates() if populations.get(code)]
    weights = [populations[code] for code in communes]
    names = list(SECTORS)
    offer_shares = [SECTORS[name][0] for name in names]
    candidate_shares = [SECTORS[name][1] for name in names]
    offers = []
    for k in range(n_offers):
        sector = rng.choices(names, offer_shares)[0]
        _, _, codes, nights, weekends, licence, education = SECTORS[sector]
        offers.append(
            OfferRow(
                offer_id=f"O{k:05d}",
                siret="73282932000074",
                commune_code=rng.choices(communes, weights)[0],
                rome_code=rng.choice(codes),
                education_level=education if rng.random() < 0.5 else 0,
                driving_licence=rng.random() < licence,
                vehicle=rng.random() < licence / 3,
                hours=rng.choices([35, 30, 28, 24, 20, 39], [0.55, 0.12, 0.08, 0.12, 0.08, 0.05])[0],
                nights=rng.random() < nights,
                weekends=rng.random() < weekends,
                positions=rng.choices([1, 2, 3, 5], [0.70, 0.18, 0.08, 0.04])[0],
                start_date=TODAY + timedelta(days=rng.randrange(7, 120)),
            )
        )
    candidates = []
    for k in range(n_candidates):
        sector = rng.choices(names, candidate_shares)[0]
        codes = SECTORS[sector][2]
        wanted = {rng.choice(codes)}
        for _ in range(rng.choice([0, 0, 1, 2])):  # a second or third métier, sometimes elsewhere
            other = sector if rng.random() < 0.6 else rng.choices(names, candidate_shares)[0]
            wanted.add(rng.choice(SECTORS[other][2]))
        licence = rng.random() < 0.40
        vehicle = licence and rng.random() < 0.55
        hours_min = rng.choice([0, 15, 20, 24, 28])
        hours_max = max(hours_min, rng.choice([24, 30, 35, 35, 39]))
        available = (
            TODAY - timedelta(days=rng.randrange(0, 365)) if rng.random() < 0.75 else TODAY + timedelta(days=rng.randrange(1, 90))
        )
        candidates.append(
            CandidateRow(
                candidate_id=f"C{k:05d}",
                commune_code=rng.choices(communes, weights)[0],
                rome_codes=tuple(sorted(wanted)),
                education_level=rng.choices([0, 3, 4, 5, 6], [0.35, 0.33, 0.20, 0.08, 0.04])[0],
                driving_licence=licence,
                vehicle=vehicle,
                max_km=rng.choice([15, 20, 30, 40] if vehicle else [5, 8, 10, 15, 20]),
                hours_min=hours_min,
                hours_max=hours_max,
                available_from=available,
                nights=rng.random() < 0.25,
                weekends=rng.random() < 0.55,
            )
        )
    return candidates, offers


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def violations(proposals: list[Proposal], candidates: list[CandidateRow], offers: list[OfferRow], coordinates: dict) -> int:
    """Hard constraints checked again, without the engine's code."""
    by_c = {c.candidate_id: c for c in candidates}
    by_o = {o.offer_id: o for o in offers}
    bad = 0
    for proposal in proposals:
        c, o = by_c[proposal.candidate_id], by_o[proposal.offer_id]
        ok = (
            _km(coordinates[c.commune_code], coordinates[o.commune_code]) <= c.max_km + 1e-3
            and (o.rome_code in c.rome_codes or o.rome_code[:3] in {code[:3] for code in c.rome_codes})
            and c.education_level >= o.education_level
            and (c.driving_licence or not o.driving_licence)
            and (c.vehicle or not o.vehicle)
            and c.hours_min <= o.hours <= c.hours_max
            and (c.nights or not o.nights)
            and (c.weekends or not o.weekends)
            and c.available_from <= o.start_date
            and 0 <= proposal.score <= 1
            and proposal.reasons
        )
        bad += not ok
    return bad


def figures(proposals: list[Proposal], candidates: list[CandidateRow], offers: list[OfferRow]) -> dict[str, float]:
    per_offer = Counter(p.offer_id for p in proposals)
    positions = {o.offer_id: o.positions for o in offers}
    return {
        "proposals": len(proposals),
        "candidates_reached": len({p.candidate_id for p in proposals}),
        "candidates_share": len({p.candidate_id for p in proposals}) / len(candidates),
        "offers_share": len(per_offer) / len(offers),
        "max_per_position": max((n / positions[o] for o, n in per_offer.items()), default=0),
        "mean_score": sum(p.score for p in proposals) / max(len(proposals), 1),
    }


def crowded(
    candidates: list[CandidateRow], offers: list[OfferRow], coordinates: dict, per_candidate: int, per_offer: int
) -> None:
    """The allocation alone (the naive way and the max flow over 130 M pairs need tens of GB): its
    reach against the plain capacity bound, min(candidates, F × positions), which the max flow can
    only lower."""
    started = time.perf_counter()
    allocated = allocate(candidates, offers, coordinates, per_candidate, per_offer)
    elapsed = time.perf_counter() - started
    a = figures(allocated, candidates, offers)
    capacity = min(len(candidates), per_offer * sum(o.positions for o in offers))
    print(f"allocation: {elapsed:.1f} s, {a['proposals']} proposals, {a['candidates_reached']} candidates reached "
          f"({a['candidates_share']:.1%}), offers {a['offers_share']:.1%}, at most {a['max_per_position']:.1f} per position, "
          f"mean score {a['mean_score']:.3f}")  # fmt: skip
    print(f"capacity bound: {capacity}; reached / bound: {a['candidates_reached'] / max(capacity, 1):.1%}")
    bad = violations(allocated, candidates, offers, coordinates)
    print(f"hard constraints violated: {bad}")
    if bad:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="2,800 candidates × 500 offers")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--crowded",
        action="store_true",
        help="the worst case: every candidate wants G1602 within 40 km and accepts every condition, every offer is G1603",
    )
    parser.add_argument("--per-candidate", type=int, default=5)
    parser.add_argument("--per-offer", type=int, default=3)
    args = parser.parse_args()
    n_c, n_o = (2_800, 500) if args.small else (28_000, 5_000)
    coordinates = commune_coordinates()
    started = time.perf_counter()
    candidates, offers = generate(n_c, n_o, args.seed)
    if args.crowded:
        candidates = [replace(c, rome_codes=("G1602",), max_km=40, hours_min=0, hours_max=40, nights=True, weekends=True,
                              education_level=5, driving_licence=True, vehicle=True, available_from=TODAY) for c in candidates]  # fmt: skip
        offers = [replace(o, rome_code="G1603") for o in offers]
    print(f"generated {n_c} candidates × {n_o} offers ({sum(o.positions for o in offers)} positions) "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip

    if args.crowded:
        crowded(candidates, offers, coordinates, args.per_candidate, args.per_offer)
        return
    started = time.perf_counter()
    pairs = feasible_pairs(candidates, offers, coordinates)
    print(
        f"feasible pairs: {len(pairs)} of {n_c * n_o} ({len(pairs) / (n_c * n_o):.2%}), found in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    allocated = allocate(candidates, offers, coordinates, args.per_candidate, args.per_offer)
    allocation_time = time.perf_counter() - started
    started = time.perf_counter()
    naive = naive_top_k(candidates, offers, coordinates, args.per_candidate)
    naive_time = time.perf_counter() - started
    started = time.perf_counter()
    bound = reachable_bound(candidates, offers, coordinates, args.per_offer)
    bound_time = time.perf_counter() - started

    print(f"{'':28} {'allocation':>12} {'naive top-K':>12}")
    a, b = figures(allocated, candidates, offers), figures(naive, candidates, offers)
    print(f"{'time (s)':28} {allocation_time:12.1f} {naive_time:12.1f}")
    for key, fmt in [("proposals", "{:12d}"), ("candidates_reached", "{:12d}"), ("candidates_share", "{:12.1%}"),
                     ("offers_share", "{:12.1%}"), ("max_per_position", "{:12.1f}"), ("mean_score", "{:12.3f}")]:  # fmt: skip
        print(f"{key:28} {fmt.format(a[key])} {fmt.format(b[key])}")
    print(f"reachable bound (max flow): {bound} candidates, in {bound_time:.1f} s")
    print(f"reached / reachable: {a['candidates_reached'] / max(bound, 1):.1%}")
    bad_a, bad_b = violations(allocated, candidates, offers, coordinates), violations(naive, candidates, offers, coordinates)
    per_offer = Counter(p.offer_id for p in allocated)
    over = sum(1 for o in offers if per_offer[o.offer_id] > args.per_offer * o.positions)
    over_c = sum(1 for n in Counter(p.candidate_id for p in allocated).values() if n > args.per_candidate)
    print(
        f"hard constraints violated: allocation {bad_a}, naive {bad_b}; capacities exceeded: offers {over}, candidates {over_c}"
    )
    if bad_a or bad_b or over or over_c:
        sys.exit(1)


if __name__ == "__main__":
    main()
