"""Insertion matching (issue 13, item 4): which offers suit which RSA beneficiaries, why, and who is
proposed where.

Pure computation on plain rows, no Django models: the pages build `CandidateRow` and `OfferRow` from
their models, the `relais match` command from CSV files, the benchmark from a generator.

1. **Hard constraints** (`explain` lists the ones a pair breaks, in French): the distance between
   the two communes' town halls is at most the candidate's maximum commute; the offer's ROME code is
   one the candidate wants or shares its domain (first three characters, G16xx); the candidate's
   education level reaches the offer's minimum; licence and vehicle when required; the offer's weekly
   hours within the candidate's range; night and weekend work only if accepted; the candidate is
   available on the start date.
2. **Score** in [0, 1]: a weighted mean of the factors in `WEIGHTS`, each giving one French reason.
3. **Allocation** (`allocate`): proposals are shared out by a min-cost flow (OR-Tools) so that each
   candidate gets at most K of them and each offer at most F × its open positions, reaching first as
   many candidates as possible, then as many offers, then the most total relevance. Ranking alone
   sends everyone to the same few offers (the VADORE studies of the national employment service).

Feasible pairs are generated with numpy, block by block: offers grouped by ROME domain, candidates
wanting that domain in chunks, every constraint a mask over the (chunk × offers) block, distances
read from a commune × commune matrix. No Python loop over the pairs, but one: skills are sets of
words, compared in Python for the pairs where both sides list some (the CSV files carry none).
28,000 candidates × 5,000 offers: about 10 s on two cores (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

Coordinates = Mapping[str, tuple[float, float]]  # INSEE code → (latitude, longitude), WGS 84

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)

# How much each factor weighs in the score (they sum to 1). The métier comes first: an adviser
# proposes a job the person asked for before a nearer one; then the commute, which decides whether
# a job is kept (the seeds' candidates rarely drive); hours and skills next; the start date last.
# `skills` counts only when both sides list skills: otherwise the others are scaled up to sum to 1.
WEIGHTS: dict[str, float] = {"metier": 0.35, "distance": 0.25, "hours": 0.15, "skills": 0.15, "start": 0.10}
SAME_DOMAIN = 0.5  # a métier of the same ROME domain is half as good as the one asked for
HOURS_EDGE = 0.5  # hours at either end of the wanted range score this much, the middle 1
START_HORIZON_DAYS = 90  # a job starting this long (or more) after the candidate is free scores 0

# Allocation costs (integers for the solver). Scores count in thousandths. Reaching one more
# candidate is worth a hundred offers reached, and reaching one more offer a hundred full-score
# proposals: in practice lexicographic (an improving swap would have to move more than a hundred
# proposals to trade them), while the costs stay far from OR-Tools' overflow limits.
SCORE_SCALE = 1_000
OFFER_BONUS = 100 * SCORE_SCALE
CANDIDATE_BONUS = 100 * OFFER_BONUS
# Above this many feasible pairs the flow keeps, for each candidate, its SPARSE_FACTOR × K best offers
# and as many drawn at random, and for each offer its SPARSE_FACTOR × F × positions best candidates
# (see `_thinned`): memory and time stay bounded for a file where everyone fits everything. The
# realistic scale (28,000 × 5,000, about 3 M pairs) stays below it and is solved exactly.
MAX_ARCS = 8_000_000
SPARSE_FACTOR = 10
BLOCK_CELLS = 4_000_000  # candidate × offer cells masked at once (about 30 MB of temporaries)


@dataclass(frozen=True)
class CandidateRow:
    candidate_id: str
    commune_code: str
    rome_codes: tuple[str, ...]
    education_level: int  # national nomenclature: 0 none, 3 CAP/BEP, 4 bac, 5 bac+2 … 8 doctorate
    driving_licence: bool
    vehicle: bool
    max_km: float
    hours_min: float
    hours_max: float
    available_from: date
    nights: bool
    weekends: bool
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OfferRow:
    offer_id: str
    siret: str
    commune_code: str
    rome_code: str
    education_level: int  # the minimum required
    driving_licence: bool
    vehicle: bool
    hours: float
    nights: bool
    weekends: bool
    positions: int
    start_date: date
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Proposal:
    candidate_id: str
    offer_id: str
    rank: int  # 1 = the best for this candidate (or for this offer in `candidates_for`)
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    feasible: bool
    violations: tuple[str, ...]  # the hard constraints broken, in French; empty when feasible
    score: float  # computed even when infeasible, for information
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Pairs:
    """Feasible pairs as parallel arrays: indices into the candidate and offer sequences, scores."""

    candidate: NDArray[np.int64]
    offer: NDArray[np.int64]
    score: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.score)


def rome_domain(code: str) -> str:
    return code[:3]


# --- encoding --------------------------------------------------------------------------------------


class _Communes:
    """Communes as indices into a distance matrix; an unknown commune gets the last index, whose
    distances are NaN so that no comparison with a maximum commute ever holds."""

    def __init__(self, codes: Sequence[str], coordinates: Coordinates) -> None:
        known = sorted({code for code in codes if code in coordinates})
        self.index = {code: i for i, code in enumerate(known)}
        latlon = np.radians(np.array([coordinates[code] for code in known], dtype=np.float64).reshape(-1, 2))
        lat, lon = latlon[:, 0], latlon[:, 1]
        a = (
            np.sin((lat[None, :] - lat[:, None]) / 2) ** 2
            + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin((lon[None, :] - lon[:, None]) / 2) ** 2
        )
        distance = np.full((len(known) + 1, len(known) + 1), np.nan)
        # Rounded to the metre: the same pair gives the same distance whatever the matrix's size.
        distance[:-1, :-1] = np.round(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0))), 3)
        self.distance = distance

    def of(self, codes: Sequence[str]) -> NDArray[np.int64]:
        unknown = len(self.index)
        return np.array([self.index.get(code, unknown) for code in codes], dtype=np.int64)


class _Codes:
    """ROME codes and domains as small integers."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.domains: dict[str, int] = {}

    def code(self, value: str) -> int:
        return self.codes.setdefault(value, len(self.codes))

    def domain(self, value: str) -> int:
        return self.domains.setdefault(rome_domain(value), len(self.domains))


class _Side:
    """The columns of one side as numpy arrays (one entry per row)."""

    def __init__(self, rows: Sequence[CandidateRow] | Sequence[OfferRow], communes: _Communes, codes: _Codes) -> None:
        self.commune = communes.of([row.commune_code for row in rows])
        self.education = np.array([row.education_level for row in rows], dtype=np.int64)
        self.licence = np.array([row.driving_licence for row in rows], dtype=bool)
        self.vehicle = np.array([row.vehicle for row in rows], dtype=bool)
        self.nights = np.array([row.nights for row in rows], dtype=bool)
        self.weekends = np.array([row.weekends for row in rows], dtype=bool)
        self.skills = [row.skills for row in rows]
        self.has_skills = np.array([bool(row.skills) for row in rows], dtype=bool)


class _Candidates(_Side):
    def __init__(self, rows: Sequence[CandidateRow], communes: _Communes, codes: _Codes) -> None:
        super().__init__(rows, communes, codes)
        self.max_km = np.array([row.max_km for row in rows], dtype=np.float64)
        self.hours_min = np.array([row.hours_min for row in rows], dtype=np.float64)
        self.hours_max = np.array([row.hours_max for row in rows], dtype=np.float64)
        self.available = np.array([row.available_from.toordinal() for row in rows], dtype=np.int64)
        width = max((len(row.rome_codes) for row in rows), default=0) or 1
        self.codes = np.full((len(rows), width), -1, dtype=np.int64)  # padded with -1
        self.by_domain: dict[int, list[int]] = {}
        for i, row in enumerate(rows):
            for k, code in enumerate(row.rome_codes):
                self.codes[i, k] = codes.code(code)
            for domain in {codes.domain(code) for code in row.rome_codes}:
                self.by_domain.setdefault(domain, []).append(i)


class _Offers(_Side):
    def __init__(self, rows: Sequence[OfferRow], communes: _Communes, codes: _Codes) -> None:
        super().__init__(rows, communes, codes)
        self.hours = np.array([row.hours for row in rows], dtype=np.float64)
        self.start = np.array([row.start_date.toordinal() for row in rows], dtype=np.int64)
        self.code = np.array([codes.code(row.rome_code) for row in rows], dtype=np.int64)
        self.domain = np.array([codes.domain(row.rome_code) for row in rows], dtype=np.int64)
        self.positions = np.array([row.positions for row in rows], dtype=np.int64)


@dataclass
class _Problem:
    candidates: Sequence[CandidateRow]
    offers: Sequence[OfferRow]
    communes: _Communes
    c: _Candidates
    o: _Offers


def _encode(candidates: Sequence[CandidateRow], offers: Sequence[OfferRow], coordinates: Coordinates) -> _Problem:
    communes = _Communes([row.commune_code for row in candidates] + [row.commune_code for row in offers], coordinates)
    codes = _Codes()
    return _Problem(candidates, offers, communes, _Candidates(candidates, communes, codes), _Offers(offers, communes, codes))


# --- hard constraints and score, vectorised ---------------------------------------------------------


def _feasible_block(p: _Problem, ci: NDArray[np.int64], oj: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Every hard constraint but the métier one (blocks are built per ROME domain) on a ci × oj block."""
    c, o = p.c, p.o
    distance = p.communes.distance[c.commune[ci][:, None], o.commune[oj][None, :]]
    mask = distance <= c.max_km[ci][:, None]  # NaN (unknown commune) compares False
    mask &= c.education[ci][:, None] >= o.education[oj][None, :]
    mask &= c.licence[ci][:, None] | ~o.licence[oj][None, :]
    mask &= c.vehicle[ci][:, None] | ~o.vehicle[oj][None, :]
    mask &= (o.hours[oj][None, :] >= c.hours_min[ci][:, None]) & (o.hours[oj][None, :] <= c.hours_max[ci][:, None])
    mask &= c.nights[ci][:, None] | ~o.nights[oj][None, :]
    mask &= c.weekends[ci][:, None] | ~o.weekends[oj][None, :]
    mask &= c.available[ci][:, None] <= o.start[oj][None, :]
    return mask


def _factors(p: _Problem, ci: NDArray[np.int64], oj: NDArray[np.int64]) -> dict[str, NDArray[np.float64]]:
    """Each factor in [0, 1] for aligned pairs (ci[k], oj[k]); `skills` is NaN where a side has none.
    Also returns the raw values the reasons quote (distance, exact métier, shared skills)."""
    c, o = p.c, p.o
    distance = p.communes.distance[c.commune[ci], o.commune[oj]]
    exact = (c.codes[ci] == o.code[oj][:, None]).any(axis=1)
    max_km = c.max_km[ci]
    with np.errstate(divide="ignore", invalid="ignore"):
        near = np.where(max_km > 0, 1 - distance / np.where(max_km > 0, max_km, 1), 1.0)
        middle = (c.hours_min[ci] + c.hours_max[ci]) / 2
        half = (c.hours_max[ci] - c.hours_min[ci]) / 2
        off_centre = np.where(half > 0, np.abs(o.hours[oj] - middle) / np.where(half > 0, half, 1), 0.0)
    gap = (o.start[oj] - c.available[ci]).astype(np.float64)
    shared = np.full(len(ci), np.nan)
    skills = np.full(len(ci), np.nan)
    # Skills are sets of words: compared in Python, but only for the pairs where both sides list some.
    for k in np.nonzero(c.has_skills[ci] & o.has_skills[oj])[0].tolist():
        wanted = o.skills[oj[k]]
        shared[k] = len(c.skills[ci[k]] & wanted)
        skills[k] = shared[k] / len(wanted)
    factors = {
        "metier": np.where(exact, 1.0, SAME_DOMAIN),
        "distance": np.clip(near, 0.0, 1.0),
        "hours": np.clip(1 - (1 - HOURS_EDGE) * off_centre, 0.0, 1.0),
        "skills": skills,
        "start": np.clip(1 - np.maximum(gap, 0) / START_HORIZON_DAYS, 0.0, 1.0),
    }
    total = np.zeros(len(ci))
    weight = np.zeros(len(ci))
    for name, value in factors.items():
        present = ~np.isnan(value)
        total += np.where(present, WEIGHTS[name] * np.nan_to_num(value), 0.0)
        weight += np.where(present, WEIGHTS[name], 0.0)
    factors["score"] = np.clip(total / weight, 0.0, 1.0)
    factors["distance_km"] = distance
    factors["exact"] = exact.astype(np.float64)
    factors["shared_skills"] = shared
    return factors


def _blocks(p: _Problem) -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """(candidate indices, offer indices) blocks covering every pair whose métier constraint holds:
    per ROME domain, the candidates wanting a code of that domain × the offers of that domain."""
    for domain in np.unique(p.o.domain):
        offers = np.nonzero(p.o.domain == domain)[0]
        candidates = np.array(p.c.by_domain.get(int(domain), []), dtype=np.int64)
        step = max(1, BLOCK_CELLS // max(len(offers), 1))
        for start in range(0, len(candidates), step):
            yield candidates[start : start + step], offers


def _pairs(p: _Problem, thin: tuple[int, NDArray[np.int64]] | None = None, limit: int | None = None) -> Pairs | None:
    """Every feasible pair with its score; with `thin` = (per candidate, per offer), only the
    pairs `_thinned` keeps; None as soon as there are more than `limit`."""
    total = 0
    found_c: list[NDArray[np.int64]] = []
    found_o: list[NDArray[np.int64]] = []
    found_s: list[NDArray[np.float64]] = []
    rng = np.random.default_rng(0)  # the same file gives the same proposals
    for ci, oj in _blocks(p):
        mask = _feasible_block(p, ci, oj)
        rows, cols = np.nonzero(mask)
        score = _factors(p, ci[rows], oj[cols])["score"]  # per block: the temporaries stay small
        if thin is not None:
            keep = _thinned(mask, rows, cols, score, thin[0], thin[1][oj], rng)
            rows, cols, score = rows[keep], cols[keep], score[keep]
        total += len(rows)
        if limit is not None and total > limit:
            return None
        found_c.append(ci[rows])
        found_o.append(oj[cols])
        found_s.append(score)
    if not found_c:
        return Pairs(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    return Pairs(np.concatenate(found_c), np.concatenate(found_o), np.concatenate(found_s))


def _thinned(
    mask: NDArray[np.bool_],
    rows: NDArray[np.int64],
    cols: NDArray[np.int64],
    score: NDArray[np.float64],
    per_candidate: int,
    per_offer: NDArray[np.int64],
    rng: np.random.Generator,
) -> NDArray[np.bool_]:
    """Which of a block's feasible pairs a huge allocation keeps: each candidate's best offers and as
    many others drawn at random, each offer's best candidates. The random ones matter: when
    everyone ranks the same few offers first, best-only lists would leave whole communes with no
    free offer, while a random sparse bipartite graph almost always still matches everyone who
    can be matched."""
    values = np.full(mask.shape, -1.0)
    values[rows, cols] = score
    keep = np.zeros(mask.shape, dtype=bool)
    for ranking in (values, np.where(mask, rng.random(mask.shape), -1.0)):
        k = min(per_candidate, mask.shape[1])
        best = np.argpartition(-ranking, k - 1, axis=1)[:, :k]
        keep[np.arange(mask.shape[0])[:, None], best] = True
    order = np.argsort(-values, axis=0, kind="stable")
    rank = np.empty_like(order)
    rank[order, np.arange(mask.shape[1])[None, :]] = np.arange(mask.shape[0])[:, None]
    keep |= rank < per_offer[None, :]
    return keep[rows, cols]


def _all_pairs(p: _Problem, thin: tuple[int, NDArray[np.int64]] | None = None) -> Pairs:
    pairs = _pairs(p, thin)
    if pairs is None:  # pragma: no cover — only a limit returns None
        raise AssertionError
    return pairs


def feasible_pairs(candidates: Sequence[CandidateRow], offers: Sequence[OfferRow], coordinates: Coordinates) -> Pairs:
    """Every (candidate, offer) pair meeting all the hard constraints, with its score."""
    return _all_pairs(_encode(candidates, offers, coordinates))


# --- French wording ----------------------------------------------------------------------------------


def _number(value: float, decimals: int = 1) -> str:
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:.0f}"
    return text.replace(".", ",")


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _reasons(candidate: CandidateRow, offer: OfferRow, distance_km: float, exact: bool, shared_skills: float) -> tuple[str, ...]:
    """One short French sentence per factor, for the adviser."""
    if exact:
        metier = f"Métier recherché : {offer.rome_code}"
    else:
        close = ", ".join(code for code in candidate.rome_codes if rome_domain(code) == rome_domain(offer.rome_code))
        if close:
            metier = f"Métier voisin : {offer.rome_code}, même domaine ({rome_domain(offer.rome_code)}) que {close}"
        else:  # only when explaining a pair that breaks the métier constraint
            metier = f"Métier hors des domaines recherchés : {offer.rome_code}"
    where = "Même commune" if distance_km == 0 else f"À {_number(distance_km)} km"
    reasons = [
        metier,
        f"{where} (jusqu'à {_number(candidate.max_km)} km accepté)",
        f"{_number(offer.hours)} h par semaine (souhaité : {_number(candidate.hours_min)} à {_number(candidate.hours_max)} h)",
    ]
    if candidate.skills and offer.skills:
        reasons.append(f"Compétences : {int(shared_skills)} sur {len(offer.skills)} demandées")
    reasons.append(f"Début le {_day(offer.start_date)}, disponible dès le {_day(candidate.available_from)}")
    return tuple(reasons)


def _proposals(p: _Problem, ci: NDArray[np.int64], oj: NDArray[np.int64], ranks: Sequence[int]) -> list[Proposal]:
    factors = _factors(p, ci, oj)
    return [
        Proposal(
            candidate_id=p.candidates[i].candidate_id,
            offer_id=p.offers[j].offer_id,
            rank=rank,
            score=float(score),
            reasons=_reasons(p.candidates[i], p.offers[j], float(distance), bool(exact), float(shared)),
        )
        for i, j, rank, score, distance, exact, shared in zip(
            ci.tolist(), oj.tolist(), ranks, factors["score"], factors["distance_km"], factors["exact"], factors["shared_skills"],
            strict=True,
        )
    ]  # fmt: skip


# --- one pair, ranked lists ---------------------------------------------------------------------------


def explain(candidate: CandidateRow, offer: OfferRow, coordinates: Coordinates) -> Explanation:
    """Whether the pair is feasible, the constraints it breaks (in French), its score and reasons:
    the pages' "why (not)". Reads the same encoded arrays as the bulk engine, so both agree."""
    p = _encode([candidate], [offer], coordinates)
    zero = np.zeros(1, dtype=np.int64)
    distance = float(p.communes.distance[p.c.commune[0], p.o.commune[0]])
    violations = []
    if np.isnan(distance):
        unknown = [code for code in (candidate.commune_code, offer.commune_code) if code not in coordinates]
        violations.append(f"Commune inconnue : {', '.join(unknown)} (distance impossible à calculer)")
    elif not distance <= candidate.max_km:
        violations.append(f"Trop loin : {_number(distance)} km, au-delà des {_number(candidate.max_km)} km acceptés")
    domains = {rome_domain(code) for code in candidate.rome_codes}
    if offer.rome_code not in candidate.rome_codes and rome_domain(offer.rome_code) not in domains:
        wanted = ", ".join(candidate.rome_codes) or "aucun"
        violations.append(f"Métier {offer.rome_code} hors des métiers recherchés ({wanted}) et de leurs domaines")
    if candidate.education_level < offer.education_level:
        violations.append(
            f"Niveau de formation {candidate.education_level} inférieur au minimum demandé ({offer.education_level})"
        )
    if offer.driving_licence and not candidate.driving_licence:
        violations.append("Permis de conduire exigé")
    if offer.vehicle and not candidate.vehicle:
        violations.append("Véhicule exigé")
    if not candidate.hours_min <= offer.hours <= candidate.hours_max:
        violations.append(
            f"{_number(offer.hours)} h par semaine, hors de la plage souhaitée "
            f"({_number(candidate.hours_min)} à {_number(candidate.hours_max)} h)"
        )
    if offer.nights and not candidate.nights:
        violations.append("Travail de nuit non accepté")
    if offer.weekends and not candidate.weekends:
        violations.append("Travail le week-end non accepté")
    if candidate.available_from > offer.start_date:
        violations.append(
            f"Disponible le {_day(candidate.available_from)} seulement, après le début du poste ({_day(offer.start_date)})"
        )
    factors = _factors(p, zero, zero)
    reasons = _reasons(candidate, offer, distance, bool(factors["exact"][0]), float(factors["shared_skills"][0]))
    return Explanation(not violations, tuple(violations), float(factors["score"][0]), reasons)


def offers_for(candidate: CandidateRow, offers: Sequence[OfferRow], coordinates: Coordinates, limit: int = 10) -> list[Proposal]:
    """The feasible offers for one candidate, best first (ties by offer id), at most `limit`."""
    p = _encode([candidate], offers, coordinates)
    pairs = _all_pairs(p)
    ids = [offers[j].offer_id for j in pairs.offer.tolist()]
    order = sorted(range(len(pairs)), key=lambda k: (-pairs.score[k], ids[k]))[:limit]
    return _proposals(p, pairs.candidate[order], pairs.offer[order], range(1, len(order) + 1))


def candidates_for(
    offer: OfferRow, candidates: Sequence[CandidateRow], coordinates: Coordinates, limit: int = 10
) -> list[Proposal]:
    """The feasible candidates for one offer, best first (ties by candidate id), at most `limit`."""
    p = _encode(candidates, [offer], coordinates)
    pairs = _all_pairs(p)
    ids = [candidates[i].candidate_id for i in pairs.candidate.tolist()]
    order = sorted(range(len(pairs)), key=lambda k: (-pairs.score[k], ids[k]))[:limit]
    return _proposals(p, pairs.candidate[order], pairs.offer[order], range(1, len(order) + 1))


def _ranked(p: _Problem, ci: NDArray[np.int64], oj: NDArray[np.int64], score: NDArray[np.float64]) -> list[Proposal]:
    """Proposals numbered per candidate, by score then offer id."""
    offer_ids = np.array([p.offers[j].offer_id for j in oj.tolist()], dtype=object)
    order = np.lexsort((offer_ids, -score, ci)) if len(ci) else np.zeros(0, dtype=np.int64)
    ci, oj = ci[order], oj[order]
    ranks = _rank_within(ci)
    return _proposals(p, ci, oj, (ranks + 1).tolist())


def _rank_within(groups: NDArray[np.int64]) -> NDArray[np.int64]:
    """0, 1, 2… within each run of equal values of a sorted array."""
    if not len(groups):
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.nonzero(np.diff(groups))[0] + 1]
    lengths = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups)) - np.repeat(starts, lengths)


def naive_top_k(
    candidates: Sequence[CandidateRow], offers: Sequence[OfferRow], coordinates: Coordinates, per_candidate: int = 5
) -> list[Proposal]:
    """The naive way, for comparison: each candidate's K best offers by score, whatever the others get."""
    p = _encode(candidates, offers, coordinates)
    pairs = _all_pairs(p)
    order = np.lexsort((pairs.offer, -pairs.score, pairs.candidate))
    keep = order[_rank_within(pairs.candidate[order]) < per_candidate]
    return _ranked(p, pairs.candidate[keep], pairs.offer[keep], pairs.score[keep])


# --- allocation ------------------------------------------------------------------------------------


def allocate(
    candidates: Sequence[CandidateRow],
    offers: Sequence[OfferRow],
    coordinates: Coordinates,
    per_candidate: int = 5,
    per_offer: int = 3,
    *,
    offer_room: Mapping[str, int] | None = None,
    candidate_room: Mapping[str, int] | None = None,
    excluded: Collection[tuple[str, str]] = (),
) -> list[Proposal]:
    """Share proposals out: each candidate at most `per_candidate`, each offer at most `per_offer` ×
    its positions. A min-cost flow source → candidate → offer → sink: the first unit into a candidate
    earns CANDIDATE_BONUS and the first out of an offer OFFER_BONUS (reach first), every proposal its
    score; a free source → sink arc lets capacity stay unused. Proposals ranked per candidate.

    A new round in a running service passes what is left: `offer_room` / `candidate_room` (by id)
    lower those capacities for the proposals still open, and `excluded` (candidate_id, offer_id)
    pairs are never proposed again (already proposed, refused…)."""
    from ortools.graph.python import min_cost_flow

    if per_candidate < 1 or per_offer < 1:
        raise ValueError("per_candidate and per_offer must be at least 1")
    p = _encode(candidates, offers, coordinates)
    thin = (SPARSE_FACTOR * per_candidate, SPARSE_FACTOR * per_offer * np.maximum(p.o.positions, 1))
    pairs = _pairs(p, limit=MAX_ARCS)
    if pairs is None:  # a file where (nearly) everyone fits everything: thinned, see MAX_ARCS
        pairs = _all_pairs(p, thin)
    if excluded:
        # Pairs as one integer each (candidate index × number of offers + offer index): a vectorised
        # membership test, whatever the number of pairs.
        candidate_index = {row.candidate_id: i for i, row in enumerate(candidates)}
        offer_index = {row.offer_id: j for j, row in enumerate(offers)}
        blocked = np.array(
            [candidate_index[c] * len(offers) + offer_index[o] for c, o in excluded if c in candidate_index and o in offer_index],
            dtype=np.int64,
        )
        keep = ~np.isin(pairs.candidate * len(offers) + pairs.offer, blocked)
        pairs = Pairs(pairs.candidate[keep], pairs.offer[keep], pairs.score[keep])
    if not len(pairs):
        return []
    used_c, ci = np.unique(pairs.candidate, return_inverse=True)
    used_o, oj = np.unique(pairs.offer, return_inverse=True)
    n_c, n_o = len(used_c), len(used_o)
    source, sink = 0, 1
    cand_node = 2 + np.arange(n_c)
    offer_node = 2 + n_c + np.arange(n_o)
    offer_capacity = per_offer * np.maximum(p.o.positions[used_o], 0)
    if offer_room is not None:
        room = np.array([offer_room.get(offers[o].offer_id, 0) for o in used_o], dtype=np.int64)
        offer_capacity = np.clip(np.minimum(offer_capacity, room), 0, None)
    cand_capacity = np.full(n_c, per_candidate, dtype=np.int64)
    if candidate_room is not None:
        room = np.array([candidate_room.get(candidates[c].candidate_id, 0) for c in used_c], dtype=np.int64)
        cand_capacity = np.clip(np.minimum(cand_capacity, room), 0, None)
    supply = int(cand_capacity.sum())
    if supply == 0:
        return []
    ones_c, ones_o = np.ones(n_c, dtype=np.int64), np.ones(n_o, dtype=np.int64)
    one = np.ones(1, dtype=np.int64)
    # Arcs, in this order: source → candidate (first unit, then the K − 1 others), candidate → offer
    # (one per feasible pair), offer → sink (first unit, then the others), source → sink (unused capacity).
    tails = [source * ones_c, source * ones_c, 2 + ci, offer_node, offer_node, source * one]
    heads = [cand_node, cand_node, 2 + n_c + oj, sink * ones_o, sink * ones_o, sink * one]
    capacities = [np.minimum(cand_capacity, 1), np.maximum(cand_capacity - 1, 0), np.ones(len(pairs), dtype=np.int64),
                  np.minimum(offer_capacity, 1), np.maximum(offer_capacity - 1, 0), supply * one]  # fmt: skip
    costs = [-CANDIDATE_BONUS * ones_c, 0 * ones_c, -np.rint(pairs.score * SCORE_SCALE).astype(np.int64),
             -OFFER_BONUS * ones_o, 0 * ones_o, 0 * one]  # fmt: skip
    solver = min_cost_flow.SimpleMinCostFlow()
    first_pair_arc = 2 * n_c
    solver.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails).astype(np.int32),
        np.concatenate(heads).astype(np.int32),
        np.concatenate(capacities).astype(np.int64),
        np.concatenate(costs).astype(np.int64),
    )
    solver.set_node_supply(source, supply)
    solver.set_node_supply(sink, -supply)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow: status {status}")
    flows = solver.flows(np.arange(first_pair_arc, first_pair_arc + len(pairs)))
    chosen = np.nonzero(flows > 0)[0]
    return _ranked(p, pairs.candidate[chosen], pairs.offer[chosen], pairs.score[chosen])


def reachable_bound(
    candidates: Sequence[CandidateRow], offers: Sequence[OfferRow], coordinates: Coordinates, per_offer: int = 3
) -> int:
    """How many candidates any feasible allocation could reach: a maximum flow where each candidate
    takes one unit and each offer `per_offer` × its positions, over every feasible pair."""
    from ortools.graph.python import max_flow

    p = _encode(candidates, offers, coordinates)
    pairs = _all_pairs(p)
    if not len(pairs):
        return 0
    used_c, ci = np.unique(pairs.candidate, return_inverse=True)
    used_o, oj = np.unique(pairs.offer, return_inverse=True)
    n_c, n_o = len(used_c), len(used_o)
    tails = np.concatenate([np.zeros(n_c, dtype=np.int64), 2 + ci, 2 + n_c + np.arange(n_o)])
    heads = np.concatenate([2 + np.arange(n_c), 2 + n_c + oj, np.ones(n_o, dtype=np.int64)])
    capacities = np.concatenate([np.ones(n_c + len(pairs), dtype=np.int64), per_offer * np.maximum(p.o.positions[used_o], 0)])
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), capacities)
    status = solver.solve(0, 1)
    if status != solver.OPTIMAL:
        raise RuntimeError(f"max flow: status {status}")
    return int(solver.optimal_flow())
