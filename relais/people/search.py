"""Finding a person by name among millions, with a typo per word.

Design (one design for SQLite and PostgreSQL; why, and the measured figures, in
docs/decisions/0003-person-search.md):
- `NameToken` holds each person's searchable words: family-name words (birth and usage names,
  with and without particles, compound parts), first names, and a French phonetic key of each.
- `TokenVariant` holds the vocabulary (distinct words, a few hundred thousand at most) with their
  one-deletion variants: two words one typo apart share a variant (symmetric deletion).
- `TokenCount` says how many persons bear each word: kept by indexing, recounted daily. Only a hint:
  it chooses where to start and which of two equally close spellings comes first, never who matches.
- A typed word becomes a few classes of candidate words of equal weight: itself (exact), the words
  it begins (prefix), the words one typo away (verified with Damerau-Levenshtein), its phonetic key
  (sound). Prefixes and typos of commoner words weigh a little more; a family-name word read for the
  first word typed weighs more. A person's score is the sum over the typed words of the best weight
  among the person's words; results come by decreasing score, then by id. The ranking is exact.
- Two ways to get the first results, same answer: when some typed word (all its candidates
  together) is rare, or a birth date is given, every person it leads to is scored ("scan"). When
  every word is common, combinations of classes are tried by decreasing total weight, each an index
  intersection walked in person-id order and cut after `limit` results: a common name costs about
  the same among 3 million persons as among 30,000.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields import CharField

from relais.core.bulk import insert_rows
from relais.people.models import NameToken, Person, TokenCount, TokenVariant
from relais.people.normalization import (
    damerau_levenshtein,
    deletion_variants,
    first_name_set,
    french_phonetic_key,
    name_keys,
    name_tokens,
)

PHONETIC_MARK = "#"
# Weights of a candidate word. Prefixes and typos get up to +9 for a common word (log10 of its count)
# and the first word typed +10 when it matches a family name: neither can lift a class above the next.
EXACT, PREFIX, TYPO, SOUND = 80, 50, 40, 20
FAMILY_BONUS = 10
MAX_CANDIDATE_WORDS = 150
MAX_WORDS = 6
# Scan when a typed word's candidates are borne by at most this many persons (all of them are scored).
SCAN_LIMIT = 4000
# Ordered intersections: at most this many statements (and branches in each) before scanning instead.
TIER_STATEMENTS = 2
TIER_BRANCHES = (4, 12)
MAX_COMBINATIONS = 400


# --- Indexing ---------------------------------------------------------------------------------


def person_tokens(person: Person) -> set[tuple[str, str]]:
    return name_tokens_of(person.birth_name, person.usage_name, person.first_names)


def name_tokens_of(birth_name: str, usage_name: str, first_names: str) -> set[tuple[str, str]]:
    tokens: set[tuple[str, str]] = set()
    for name in (birth_name, usage_name):
        for key in name_keys(name):
            tokens.add((key, NameToken.Kind.FAMILY))
        for word in name_tokens(name):
            if len(word) > 1:
                tokens.add((PHONETIC_MARK + french_phonetic_key(word), NameToken.Kind.PHONETIC))
    for first in first_name_set(first_names):
        tokens.add((first, NameToken.Kind.FIRST))
        if " " not in first:
            tokens.add((PHONETIC_MARK + french_phonetic_key(first), NameToken.Kind.PHONETIC))
    return {(token[:100], kind) for token, kind in tokens if token.strip(PHONETIC_MARK)}


TokenCounts = dict[str, list[int]]  # word → [persons, as a family name]


def _add_counts(counts: TokenCounts, rows: Iterable[tuple[str, str]], sign: int = 1) -> None:
    for token, kind in rows:
        entry = counts.setdefault(token, [0, 0])
        entry[0] += sign
        if kind == NameToken.Kind.FAMILY:
            entry[1] += sign


def person_index(persons: Sequence[Person], *, replace: bool = True) -> int:
    """(Re)build the search words of these persons and extend the vocabulary with new words."""
    counts: TokenCounts = {}
    if replace:
        old = NameToken.objects.filter(person_id__in=[p.pk for p in persons])
        _add_counts(counts, old.values_list("token", "kind"), -1)
        old.delete()
    rows = [NameToken(person_id=person.pk, token=token, kind=kind) for person in persons for token, kind in person_tokens(person)]
    NameToken.objects.bulk_create(rows, batch_size=5000)
    _add_counts(counts, ((row.token, row.kind) for row in rows))
    vocabulary_extend({row.token for row in rows if not row.token.startswith(PHONETIC_MARK)})
    token_counts_add(counts)
    return len(rows)


def person_index_new(names: Sequence[tuple[int, str, str, str]], known_words: set[str], counts: TokenCounts | None = None) -> int:
    """Index persons just created, in bulk (imports, the demo), from (id, birth name, usage name,
    first names): raw inserts, and `known_words`, the vocabulary already stored, kept by the caller
    across batches to avoid asking the database again. The words' counts are added to `counts` for
    the caller to write once at the end (token_counts_add), or written now without it."""
    rows = [
        (person_id, token, kind)
        for person_id, birth, usage, first in names
        for token, kind in name_tokens_of(birth, usage, first)
    ]
    insert_rows(NameToken, ["person_id", "token", "kind"], rows)
    words = {token for _, token, _ in rows if not token.startswith(PHONETIC_MARK)} - known_words
    insert_rows(
        TokenVariant,
        ["variant", "token"],
        [(variant, word) for word in words for variant in deletion_variants(word)],
        ignore_conflicts=True,
    )
    known_words.update(words)
    batch: TokenCounts = {} if counts is None else counts
    _add_counts(batch, ((token, kind) for _, token, kind in rows))
    if counts is None:
        token_counts_add(batch)
    return len(rows)


def vocabulary_words() -> set[str]:
    return set(TokenVariant.objects.filter(token=F("variant")).values_list("token", flat=True))


def vocabulary_extend(words: Iterable[str]) -> int:
    """Add the words (and their one-deletion variants) that the vocabulary does not know yet."""
    words = set(words)
    known: set[str] = set()
    chunk = list(words)
    for start in range(0, len(chunk), 900):  # SQLite limits the number of query parameters
        part = chunk[start : start + 900]
        known.update(TokenVariant.objects.filter(variant__in=part, token__in=part).values_list("token", flat=True))
    new_rows = [TokenVariant(variant=variant, token=word) for word in words - known for variant in deletion_variants(word)]
    TokenVariant.objects.bulk_create(new_rows, batch_size=5000, ignore_conflicts=True)
    return len(new_rows)


def token_counts_add(counts: TokenCounts) -> None:
    """Add these numbers of persons to the words' counts (negative for words a person lost). Words in
    a fixed order, so that two transactions adding to the same words never wait for each other in a
    cycle."""
    rows = [(token, persons, family) for token, (persons, family) in sorted(counts.items()) if persons or family]
    table = connection.ops.quote_name(TokenCount._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 300):
            part = rows[start : start + 300]
            cursor.execute(
                f"INSERT INTO {table} (token, persons, family) VALUES {', '.join(['(%s, %s, %s)'] * len(part))} "  # noqa: S608
                f"ON CONFLICT (token) DO UPDATE SET persons = {table}.persons + excluded.persons, "
                f"family = {table}.family + excluded.family",
                [value for row in part for value in row],
            )


def token_counts_refresh() -> int:
    """Recount every word from the index (daily, and after bulk loads); returns the number of words."""
    table = connection.ops.quote_name(TokenCount._meta.db_table)
    tokens = connection.ops.quote_name(NameToken._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} (token, persons, family) SELECT token, COUNT(*), "  # noqa: S608
            f"SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END) FROM {tokens} GROUP BY token",
            [NameToken.Kind.FAMILY.value],
        )
        return cursor.rowcount


# --- Candidates -------------------------------------------------------------------------------


def _popularity(persons: int) -> int:
    return min(9, int(math.log10(1 + max(persons, 0))))


def candidates_of(words: Sequence[str]) -> tuple[list[dict[str, int]], dict[str, tuple[int, int]]]:
    """For each typed word, the words of the vocabulary it may stand for with their weight; and the
    counts (persons, as a family name) of those words. One statement for all the words."""
    text, number = CharField(), IntegerField()
    persons = Subquery(TokenCount.objects.filter(token=OuterRef("token")).values("persons")[:1], output_field=number)
    family = Subquery(TokenCount.objects.filter(token=OuterRef("token")).values("family")[:1], output_field=number)
    parts: list[QuerySet] = []
    variants = sorted({variant for word in words if len(word) >= 3 for variant in deletion_variants(word)})
    if variants:
        parts.append(
            TokenVariant.objects.filter(variant__in=variants)
            .annotate(part=Value("t", output_field=text), persons=persons, family=family)
            .values_list("part", "variant", "token", "persons", "family")[: MAX_CANDIDATE_WORDS * len(words)]
        )
    for index, word in enumerate(words):
        if len(word) >= 3:
            # The vocabulary's own rows (variant equal to the word) give the words this one begins.
            parts.append(
                TokenVariant.objects.filter(variant__startswith=word, token=F("variant"))
                .annotate(part=Value(f"p{index}", output_field=text), persons=persons, family=family)
                .values_list("part", "variant", "token", "persons", "family")[:MAX_CANDIDATE_WORDS]
            )
    keys = {PHONETIC_MARK + french_phonetic_key(word) for word in words} | {word for word in words if len(word) < 3}
    parts.append(
        TokenCount.objects.filter(token__in=sorted(keys))
        .annotate(part=Value("k", output_field=text), variant=F("token"))
        .values_list("part", "variant", "token", "persons", "family")
    )
    sql, params = [], []
    for index, part in enumerate(parts):
        part_sql, part_params = part.query.sql_with_params()
        sql.append(f"SELECT * FROM ({part_sql}) AS c{index}")  # noqa: S608 - compiled by the ORM
        params.extend(part_params)
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
        elif part.startswith("p"):
            prefixes[int(part[1:])].append(token)
    result = []
    for index, word in enumerate(words):
        candidates: dict[str, int] = {word: EXACT}
        for found in prefixes[index]:
            if found != word:
                candidates[found] = PREFIX + _popularity(counts[found][0])
        if len(word) >= 3:
            limit = 2 if len(word) >= 9 else 1
            for found in sorted({token for variant in deletion_variants(word) for token in by_variant.get(variant, ())}):
                if found not in candidates and damerau_levenshtein(word, found, limit) <= limit:
                    candidates[found] = TYPO + _popularity(counts[found][0])
        key = french_phonetic_key(word)
        if len(key) >= 2:
            candidates.setdefault(PHONETIC_MARK + key, SOUND)
        result.append(candidates)
    return result, counts


def candidate_words(word: str) -> dict[str, int]:
    """The words of the vocabulary a typed word may stand for, with how good a match each is."""
    return candidates_of([word])[0][0]


# --- Ranking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    person_id: int
    score: int


@dataclass(frozen=True)
class _Class:
    """Candidate words of one typed word that weigh the same."""

    weight: int
    tokens: tuple[str, ...]
    family: bool  # only as a family name (the first word's bonus)
    persons: int  # how many persons bear them, as far as the counts know


def _classes(index: int, candidates: dict[str, int], counts: dict[str, tuple[int, int]]) -> list[_Class]:
    by_weight: dict[int, list[str]] = defaultdict(list)
    for token, weight in candidates.items():
        by_weight[weight].append(token)
    classes = []
    for weight, tokens in by_weight.items():
        words = tuple(sorted(tokens))
        if index == 0 and weight > SOUND:
            family = sum(counts.get(token, (0, 0))[1] for token in words)
            classes.append(_Class(weight + FAMILY_BONUS, words, True, family))
        classes.append(_Class(weight, words, False, sum(counts.get(token, (0, 0))[0] for token in words)))
    return sorted(classes, key=lambda c: -c.weight)


def _bearing(c: _Class) -> QuerySet[NameToken]:
    rows = NameToken.objects.filter(token__in=c.tokens)
    return rows.filter(kind=NameToken.Kind.FAMILY) if c.family else rows


def search_by_words(words: Sequence[str], *, visible: Q, birth_date: dt.date | None = None, limit: int = 50) -> list[Match]:
    """Persons matching every word (each through one of its candidate words), best first."""
    words = list(words[:MAX_WORDS])
    if not words or limit <= 0:
        return []
    per_word, counts = candidates_of(words)
    bearers = [sum(counts.get(token, (0, 0))[0] for token in candidates) for candidates in per_word]
    rarest = min(range(len(words)), key=lambda index: bearers[index])
    if birth_date is not None or bearers[rarest] <= SCAN_LIMIT:
        return _scan(per_word, visible, birth_date, rarest, limit)
    classes = [_classes(index, candidates, counts) for index, candidates in enumerate(per_word)]
    if math.prod(len(c) for c in classes) > MAX_COMBINATIONS:
        return _scan(per_word, visible, None, rarest, limit)
    found = _ordered(classes, visible, limit)
    return found if found is not None else _scan(per_word, visible, None, rarest, limit)


def _scan(per_word: list[dict[str, int]], visible: Q, birth_date: dt.date | None, driver: int, limit: int) -> list[Match]:
    """Score every person born on `birth_date`, or else bearing one of the driver word's candidates."""
    rows = NameToken.objects.filter(token__in={token for candidates in per_word for token in candidates})
    if birth_date is not None:
        rows = rows.filter(person__birth_date=birth_date)
    else:
        rows = rows.filter(person_id__in=NameToken.objects.filter(token__in=list(per_word[driver])).values("person_id"))
    best: dict[int, list[int]] = defaultdict(lambda: [0] * len(per_word))
    for person_id, token, kind in rows.filter(visible).values_list("person_id", "token", "kind"):
        scores = best[person_id]
        for index, candidates in enumerate(per_word):
            weight = candidates.get(token, 0)
            if weight and index == 0 and kind == NameToken.Kind.FAMILY:
                weight += FAMILY_BONUS
            if weight > scores[index]:
                scores[index] = weight
    ranked = sorted(
        (Match(person_id, sum(scores)) for person_id, scores in best.items() if all(scores)),
        key=lambda m: (-m.score, m.person_id),
    )
    return ranked[:limit]


def _ordered(classes: list[list[_Class]], visible: Q, limit: int) -> list[Match] | None:
    """Combinations of classes by decreasing total weight. A person first met in a combination
    has that combination's weight as score (any better one would have been met before); within a
    total, persons come by id, so each combination needs only its first `limit` persons by id.
    None when the statements allowed are not enough (the caller scans)."""
    levels: dict[int, list[tuple[_Class, ...]]] = defaultdict(list)
    for combination in itertools.product(*classes):
        levels[sum(c.weight for c in combination)].append(combination)
    order = sorted(levels, reverse=True)
    found: list[Match] = []
    seen: set[int] = set()
    position = 0
    for statement in range(TIER_STATEMENTS):
        batch: list[int] = []
        branches: list[tuple[_Class, ...]] = []
        while position < len(order) and (not batch or len(branches) + len(levels[order[position]]) <= TIER_BRANCHES[statement]):
            batch.append(order[position])
            branches.extend(levels[order[position]])
            position += 1
        persons = _intersections(branches, visible, limit)
        start = 0
        for level in batch:
            count = len(levels[level])
            new = sorted({pid for rows in persons[start : start + count] for pid in rows} - seen)
            start += count
            for person_id in new[: limit - len(found)]:
                found.append(Match(person_id, level))
                seen.add(person_id)
            if len(found) >= limit:
                return found
        if position >= len(order):
            return found
    return None


def _intersections(branches: list[tuple[_Class, ...]], visible: Q, limit: int) -> list[list[int]]:
    """For each combination, the first `limit` ids of persons bearing a word of each of its classes:
    read from the class fewest persons bear, the other classes checked person by person."""
    sql, params = [], []
    for index, combination in enumerate(branches):
        driver = min(combination, key=lambda c: (c.persons, len(c.tokens)))
        rows = _bearing(driver)
        for other in combination:
            if other is not driver:
                rows = rows.filter(Exists(_bearing(other).filter(person_id=OuterRef("person_id"))))
        rows = rows.filter(visible).order_by("person_id").values_list("person_id", flat=True).distinct()[:limit]
        part_sql, part_params = rows.query.sql_with_params()
        sql.append(f"SELECT {index}, b{index}.* FROM ({part_sql}) AS b{index}")  # noqa: S608 - compiled by the ORM
        params.extend(part_params)
    persons: list[list[int]] = [[] for _ in branches]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sql), params)
        for index, person_id in cursor.fetchall():
            persons[index].append(person_id)
    return persons
