"""Ranking of the person search: the weights of candidate words, the classes of equal weight, the page.

A typed word becomes a few classes of candidate words of equal weight: itself (exact), the words
it begins or one typo away (near; typos verified with Damerau-Levenshtein), its phonetic key
(sound). Near words weigh a little more the commoner they are; a family-name word read for the
first word typed weighs more. A person's score is the sum over the typed words of the best weight
among the person's words; results come by decreasing score, then by id. The ranking is exact,
but for one rule on the first ten: a word read as a typo of several names shows each (_Page).
Shared by the planning (planning.py) and the statements (sql.py), which import it, never each other
both ways.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

# Weights of a candidate word: the typed word itself, a word it begins or one typo away ("near"), a
# word that sounds the same. A near word gets up to +9 the more persons bear it (+1 every half power of
# ten: "matrin" is rather Martin than Marin), and the first word typed +10 when it matches a family
# name (the commonness then counted among family names): neither can lift a word to the next kind.
EXACT, NEAR, SOUND = 80, 40, 20
# A commune or postcode typed among the names: only the exact commune (accents, case and "St"
# forgiven), and weighing less than the same word as an exact name ("Paris" the family name first).
PLACE = 60
FAMILY_BONUS = 10
# In the first SPELLING_TOP results, one spelling of a word read as a typo takes at most
# SPELLING_CAP places when other spellings as close exist (see _Page).
SPELLING_TOP = 10
SPELLING_CAP = 3
SPELLINGS = 3  # the heaviest spellings of a word looked for


def _popularity(persons: int) -> int:
    return min(9, int(2 * math.log10(1 + max(persons, 0))))


def _weight(base: int, family: bool, count: tuple[int, int]) -> int:
    """A candidate's weight, read as a family name (the first word typed) or not."""
    if base in (SOUND, PLACE):
        return base
    return base + (FAMILY_BONUS if family else 0) + (_popularity(count[1 if family else 0]) if base == NEAR else 0)


@dataclass(frozen=True)
class Match:
    person_id: int
    score: int
    weights: tuple[int, ...] = ()  # per typed word: the weight of the person's best word for it


def _is_near(weight: int) -> bool:
    return NEAR <= weight < PLACE


class _Page:
    """The results as shown: by decreasing score, then by id, except in the first SPELLING_TOP
    places when more persons match. There, when a typed word was read as a typo (or the beginning
    of a word) and several spellings one typo away are borne by somebody, one spelling takes at
    most SPELLING_CAP places: "mfunier marie" shows Meunier and Mounier, not ten Meunier. The
    persons held back come next. Spellings weighing the same are one. A word typed exactly as a
    name is never held back. The other spellings are looked for as far as their best combination
    (`floor`: the other words matched at their best); past it, the page is given as it stands once
    it has `limit` persons, rather than reading every bearer of a common name."""

    def __init__(self, limit: int, spellings: dict[int, set[int]], floor: float) -> None:
        self.limit = limit
        self.top_size = min(limit, SPELLING_TOP)
        self.spellings = spellings  # typed word → weights of its near spellings, when two or more
        self.floor = floor
        self.top: list[Match] = []
        self.later: list[Match] = []
        self.taken: dict[tuple[int, int], int] = defaultdict(int)

    def add(self, match: Match) -> None:
        if not self.admits(match.weights):
            self.later.append(match)
            return
        self.top.append(match)
        for group in self._groups(match.weights):
            self.taken[group] += 1

    def admits(self, weights: tuple[int, ...]) -> bool:
        """Whether a match with these weights would take one of the first places now."""
        if len(self.top) >= self.top_size:
            return False
        return not any(self.taken[group] >= SPELLING_CAP for group in self._groups(weights))

    def _groups(self, weights: tuple[int, ...]) -> list[tuple[int, int]]:
        return [(index, weights[index]) for index, near in self.spellings.items() if weights and weights[index] in near]

    def done_before(self, match: Match) -> bool:
        """Whether the page is complete without this match and every match ranked after it."""
        return self.full or (self.found >= self.limit and match.score < self.floor)

    @property
    def found(self) -> int:
        return len(self.top) + len(self.later)

    @property
    def full(self) -> bool:
        return len(self.top) >= self.top_size and len(self.top) + len(self.later) >= self.limit

    def matches(self) -> list[Match]:
        """The page, also when the ranking ran out before it was full."""
        later = sorted(self.later, key=lambda m: (-m.score, m.person_id))
        if len(self.top) + len(later) <= self.top_size:  # everyone is in the first places: plain order
            return sorted(self.top + later, key=lambda m: (-m.score, m.person_id))
        return (self.top + later)[: self.limit]


def _page(limit: int, classes: list[list[_Class]]) -> _Page:
    """An empty page, knowing the near spellings (the SPELLINGS heaviest) that somebody bears of each
    word typed with no exact match, when it has two or more (as a family name for the first word
    typed), and the score of the weakest of their best combinations."""
    spellings = {}
    for index, word_classes in enumerate(classes):
        if any(c.weight >= EXACT and c.persons > 0 for c in word_classes):
            continue  # typed as somebody's name: not a typo
        near = {c.weight for c in word_classes if _is_near(c.weight) and c.family == (index == 0) and c.persons > 0}
        if len(near) >= 2:
            spellings[index] = set(sorted(near, reverse=True)[:SPELLINGS])
    best = [max((c.weight for c in word_classes if c.persons > 0), default=0) for word_classes in classes]
    floor = min((sum(best) - best[index] + weight for index, near in spellings.items() for weight in near), default=math.inf)
    return _Page(limit, spellings, floor)


@dataclass(frozen=True)
class _Class:
    """Candidate words of one typed word that weigh the same."""

    weight: int
    tokens: tuple[str, ...]
    family: bool  # only as a family name (the first word's bonus)
    persons: int  # how many persons bear them, as far as the counts know
    entries: int  # how many index entries are read to find them (family names are read among all)


def _classes(index: int, candidates: dict[str, int], counts: dict[str, tuple[int, int]]) -> list[_Class]:
    by_weight: dict[tuple[int, bool], list[str]] = defaultdict(list)
    for token, base in candidates.items():
        count = counts.get(token, (0, 0))
        if index == 0 and base not in (SOUND, PLACE):
            by_weight[_weight(base, True, count), True].append(token)
        by_weight[_weight(base, False, count), False].append(token)
    classes = [
        _Class(
            weight,
            tuple(sorted(tokens)),
            family,
            sum(counts.get(t, (0, 0))[1 if family else 0] for t in tokens),
            sum(counts.get(t, (0, 0))[0] for t in tokens),
        )
        for (weight, family), tokens in by_weight.items()
    ]
    return sorted(classes, key=lambda c: -c.weight)
