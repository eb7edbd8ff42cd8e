"""Query planning of the person search: the candidate words of each typed word, the communes
typed among the names, and which way to the first results.

Two ways to the first results, same answer. When that is cheap (a rare word, a birth date, a
commune, three words or more), every person bearing candidates of the two rarest words (among the
commune's, or born that day) is scored ("scan", sql._scan).
Otherwise combinations of classes are tried by decreasing total weight, each an intersection
read in person-id order and cut after `limit` results, so that a common name costs about the
same among 3 million persons as among 30,000; if the first one does not find enough, the scan
takes over when it has become cheap enough.
"""

# Statements are assembled from table names and placeholders only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Sequence

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Q

from relais.people.models import TokenCount, TokenVariant
from relais.people.normalization import damerau_levenshtein, deletion_variants, french_phonetic_key, place_words
from relais.people.search.index import EVERYONE, PHONETIC_MARK, PLACE_MARK
from relais.people.search.ranking import EXACT, NEAR, PLACE, SOUND, Match, _Class, _classes, _Page, _page
from relais.people.search.sql import (
    PROBE_COST,
    _intersections,
    _like_prefix,
    _placeholders,
    _scan,
    _short_statements,
    _table,
    _Visible,
)

POSTCODE_LENGTH = 5
MAX_PLACE_WORDS = 5  # "saint remy les chevreuse": the longest communes of the two départements
MAX_CANDIDATE_WORDS = 150
MAX_COMPLETED = 9  # the words a typed word begins: this long at most, or two letters longer
MAX_WORDS = 6
# Every person the rarest words lead to is scored ("scan") when that costs at most SCAN_COST, or at
# most SCAN_COST_LATER once the first ordered intersection has not found enough (costs in index
# entries read in a row, as sql.PROBE_COST).
SCAN_COST = 20_000
SCAN_COST_LATER = 150_000
# Ordered intersections: at most this many statements (and combinations in each) before scanning.
TIER_STATEMENTS = 3
TIER_BRANCHES = (1, 6, 16)
MAX_COMBINATIONS = 400


# One statement written by hand, as those of sql.py (for the same reason).
def candidates_of(words: Sequence[str]) -> tuple[list[dict[str, int]], dict[str, tuple[int, int]]]:
    """For each typed word, the words it may stand for with their kind (EXACT, NEAR, SOUND, PLACE),
    and the counts (persons, as a family name) of those words. One statement for all the words.
    Words naming a commune where somebody lives count as one (see _with_places)."""
    variant_table, count_table = _table(TokenVariant), _table(TokenCount)
    escape = " ESCAPE '\\'" if connection.vendor == "sqlite" else ""  # PostgreSQL escapes with \ already
    variants = sorted({variant for word in words for variant in deletion_variants(word)})
    counted = f"SELECT %s, v.variant, v.token, c.persons, c.family FROM {variant_table} v LEFT JOIN {count_table} c ON c.token = v.token"
    # The same for the vocabulary's own rows, naming only the variant: read from the index alone.
    prefixed = f"SELECT %s, v.variant, v.variant, c.persons, c.family FROM {variant_table} v LEFT JOIN {count_table} c ON c.token = v.variant"
    # The words sharing a variant with a typed word (the typed word itself if the vocabulary has it).
    sql = [f"SELECT * FROM ({counted} WHERE v.variant IN ({_placeholders(variants)}) LIMIT %s) AS t"]
    params: list = ["t", *variants, 1000 * len(words)]
    for index, word in enumerate(words):
        if len(word) >= 3:
            # The words this one begins, not much longer, and not compounds: whoever bears "jean claude",
            # "guyader bailly" or "gerardalves" also bears "jean", "guyader" or "gerard".
            sql.append(
                f"SELECT * FROM ({prefixed} WHERE v.token = v.variant AND v.variant LIKE %s{escape} "
                f"AND v.variant NOT LIKE '%% %%' AND LENGTH(v.variant) <= %s LIMIT %s) AS p{index}"
            )
            params += [f"p{index}", _like_prefix(word), max(MAX_COMPLETED, len(word) + 2), MAX_CANDIDATE_WORDS]
    places = _place_phrases(words) if len(words) > 1 else {}
    keys = sorted({PHONETIC_MARK + french_phonetic_key(word) for word in words} | {EVERYONE} | set(places.values()))
    sql.append(f"SELECT %s, token, token, persons, family FROM {count_table} WHERE token IN ({_placeholders(keys)})")
    params += ["k", *keys]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sql), params)
        rows = cursor.fetchall()
    counts: dict[str, tuple[int, int]] = {}
    by_variant: dict[str, set[str]] = defaultdict(set)
    prefixes: dict[int, list[str]] = defaultdict(list)
    for part, variant, token, persons_count, family_count in rows:
        counts[token] = (max(persons_count or 0, 0), max(family_count or 0, 0))
        if part == "t":
            by_variant[variant].add(token)
        elif part != "k":
            prefixes[int(part[1:])].append(token)
    result = []
    for index, word in enumerate(words):
        # A word outside the vocabulary is nobody's: no exact class for it.
        candidates: dict[str, int] = {word: EXACT} if word in by_variant.get(word, ()) else {}
        for found in prefixes[index]:
            if found != word:
                candidates[found] = NEAR
        if len(word) >= 3:
            limit = 2 if len(word) >= 9 else 1
            for found in sorted({token for variant in deletion_variants(word) for token in by_variant.get(variant, ())}):
                if found not in candidates and damerau_levenshtein(word, found, limit) <= limit:
                    candidates[found] = NEAR
        key = french_phonetic_key(word)
        if len(key) >= 2:
            candidates.setdefault(PHONETIC_MARK + key, SOUND)
        result.append(candidates)
    return _with_places(result, places, counts), counts


def _place_phrases(words: Sequence[str]) -> dict[tuple[int, int], str]:
    """The runs of typed words (start, end) that could name a commune, or a postcode, with their key."""
    phrases = {}
    for start, word in enumerate(words):
        if len(word) == POSTCODE_LENGTH and word.isdigit():
            phrases[start, start + 1] = PLACE_MARK + word
            continue
        for end in range(start + 1, min(len(words), start + MAX_PLACE_WORDS) + 1):
            phrases[start, end] = PLACE_MARK + " ".join(place_words(list(words[start:end])))
    return phrases


def _with_places(
    per_word: list[dict[str, int]], places: dict[tuple[int, int], str], counts: dict[str, tuple[int, int]]
) -> list[dict[str, int]]:
    """Where typed words name a commune somebody lives in (or a postcode), the place becomes a
    candidate: of the word itself when it is one word ("Paris" stays a possible name too), instead
    of the words when it takes several ("saint germain en laye"). Longest names first; at least one
    word is left when the commune's words are replaced, so that a commune typed alone is searched as
    a name ("nanterre 92000" keeps both readings of "nanterre")."""
    taken: set[int] = set()
    spans: dict[int, tuple[int, str]] = {}
    for (start, end), key in sorted(places.items(), key=lambda item: (item[0][0] - item[0][1], item[0][0])):
        span = set(range(start, end))
        if counts.get(key, (0, 0))[0] <= 0 or span & taken:
            continue
        if end - start > 1 and len(taken | span) >= len(per_word):
            continue  # a commune of several words typed alone: a name
        taken |= span
        spans[start] = (end, key)
    result = []
    index = 0
    while index < len(per_word):
        end, key = spans.get(index, (index + 1, ""))
        candidates = dict(per_word[index]) if end == index + 1 else {}
        if key:
            candidates[key] = PLACE
        result.append(candidates)
        index = end
    return result


def search_by_words(words: Sequence[str], *, visible: Q, birth_date: dt.date | None = None, limit: int = 50) -> list[Match]:
    """Persons matching every word (each through one of its candidate words), best first."""
    words = list(words[: 2 * MAX_WORDS])  # a commune's words count as one: cut once they are known
    if not words or limit <= 0:
        return []
    try:
        condition = _Visible(visible)
    except EmptyResultSet:
        return []
    with transaction.atomic(savepoint=False):
        _short_statements()
        return _search(words, condition, birth_date, limit)


def _search(words: list[str], condition: _Visible, birth_date: dt.date | None, limit: int) -> list[Match]:
    per_word, counts = candidates_of(words)
    per_word = per_word[:MAX_WORDS]
    if not all(per_word):
        return []
    bearers = [sum(counts.get(token, (0, 0))[0] for token in candidates) for candidates in per_word]
    drivers = sorted(range(len(per_word)), key=lambda index: bearers[index])[:2]
    # What scoring everyone costs, in index entries read: the rarest word's persons looked up one by
    # one, or both words' persons read and hashed.
    rare, other = (bearers[index] for index in (drivers * 2)[:2])
    scan_cost = min(rare * PROBE_COST, rare + other) if len(per_word) > 1 else rare
    names = [index for index, candidates in enumerate(per_word) if PLACE not in candidates.values()]
    classes = [_classes(index, candidates, counts) for index, candidates in enumerate(per_word)]
    commune = _commune(per_word, counts) if names else None
    if birth_date is None and commune is not None:
        drivers = sorted(names, key=lambda index: bearers[index])[:2]
        return _scan(per_word, counts, condition, None, drivers, _page(limit, classes), commune)
    # Three names or more: the two rarest already intersect narrowly.
    if birth_date is not None or scan_cost <= SCAN_COST or len(names) > 2:
        return _scan(per_word, counts, condition, birth_date, drivers, _page(limit, classes))
    page = _page(limit, classes)
    everyone = max(1, counts.get(EVERYONE, (0, 0))[0])
    # How many persons the best combination holds, were the words spread evenly: too few to fill
    # the page, and the scan affordable, the ordered statements would only come before it.
    best = math.prod(word_classes[0].persons / everyone for word_classes in classes)  # classes: heaviest first
    if scan_cost <= SCAN_COST_LATER and best * everyone < limit:
        return _scan(per_word, counts, condition, None, drivers, page)
    # A second statement looks for the other spellings of a word read as a typo (see _Page).
    statements = (2 if page.spellings else 1) if scan_cost <= SCAN_COST_LATER else TIER_STATEMENTS
    found = (
        _ordered(classes, condition, everyone, statements, page)
        if math.prod(len(c) for c in classes) <= MAX_COMBINATIONS
        else None
    )
    return found if found is not None else _scan(per_word, counts, condition, None, drivers, _page(limit, classes))


def _commune(per_word: list[dict[str, int]], counts: dict[str, tuple[int, int]]) -> tuple[int, str] | None:
    """The typed word (its index) naming a commune, and the commune's place word, when the persons
    it leads to are best found among that commune's: unless its other readings (a name like it,
    "Paris", "Colombe") lead to more persons than a scan reads."""
    for index, candidates in enumerate(per_word):
        places = [token for token, base in candidates.items() if base == PLACE and not token[1:].isdigit()]
        others = sum(counts.get(token, (0, 0))[0] for token, base in candidates.items() if base != PLACE)
        if len(places) == 1 and others <= SCAN_COST:
            return index, places[0]
    return None


def _ordered(classes: list[list[_Class]], visible: _Visible, everyone: int, statements: int, page: _Page) -> list[Match] | None:
    """Combinations of classes by decreasing total weight. A person first met in a combination
    has that combination's weight as score (any better one would have been met before); within a
    total, persons come by id, so each combination needs only its first `limit` persons by id.
    None when the statements allowed are not enough (the caller scans)."""
    limit = page.limit
    levels: dict[int, list[tuple[_Class, ...]]] = defaultdict(list)
    for combination in itertools.product(*classes):
        levels[sum(c.weight for c in combination)].append(combination)
    order = sorted(levels, reverse=True)
    seen: set[int] = set()
    position = 0
    for statement in range(statements):
        if page.found >= limit and position < len(order) and order[position] < page.floor:
            return page.matches()  # only the other spellings were missing, and they were all looked for
        batch: list[int] = []
        branches: list[tuple[_Class, ...]] = []
        while (
            position < len(order)
            and (not batch or len(branches) + len(levels[order[position]]) <= TIER_BRANCHES[statement])
            and not (page.found >= limit and order[position] < page.floor)
        ):
            batch.append(order[position])
            branches.extend(levels[order[position]])
            position += 1
        persons = _intersections(branches, visible, everyone, limit)
        start = 0
        for level in batch:
            met: dict[int, tuple[int, ...]] = {}  # person → the combination of this level they bear
            # Combinations cut at `limit` rows: the last id read, and their weights. Their unread
            # persons rank after `limit` others and matter only if they would enter the first places.
            cut: list[tuple[int, tuple[int, ...]]] = []
            for combination, rows in zip(levels[level], persons[start : start + len(levels[level])], strict=True):
                weights = tuple(c.weight for c in combination)
                for person_id in rows:
                    if person_id not in seen:
                        met.setdefault(person_id, weights)
                if len(rows) >= limit:
                    cut.append((rows[-1], weights))
            start += len(levels[level])
            for person_id in sorted(met):
                match = Match(person_id, level, met[person_id])
                if page.done_before(match):
                    return page.matches()
                if any(last < person_id and page.admits(weights) for last, weights in cut):
                    return None  # an unread person would come first: the scan answers
                page.add(match)
                seen.add(person_id)
            if any(page.admits(weights) for _, weights in cut):
                return None
            if page.found >= limit and level <= page.floor:  # whatever comes next is done_before
                return page.matches()
        if position >= len(order):
            return page.matches()
    return None
