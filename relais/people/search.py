"""Finding a person by name (and commune) among millions, with a typo per word.

Design (the same tables and statements on SQLite and PostgreSQL; why, what else was weighed, and the
measured figures: docs/decisions/0003-person-search.md):
- `NameToken` holds each person's searchable words: family-name words (birth and usage names,
  with and without particles, compound parts), first names, a French phonetic key of each, and
  the commune and postcode they live in ("@nanterre", "@92000"); each row also carries the
  person's commune, indexed with the word, for searches naming one.
- `TokenVariant` holds the vocabulary (distinct words, a few hundred thousand at most) with their
  one-deletion variants: two words one typo apart share a variant (symmetric deletion).
- `TokenCount` says how many persons bear each word: kept by indexing, recounted daily. Only a hint:
  it chooses where to start and which of two equally close spellings comes first, never who matches.
- A typed word becomes a few classes of candidate words of equal weight: itself (exact), the words
  it begins or one typo away (near; typos verified with Damerau-Levenshtein), its phonetic key
  (sound). Near words weigh a little more the commoner they are; a family-name word read for the
  first word typed weighs more. A person's score is the sum over the typed words of the best weight
  among the person's words; results come by decreasing score, then by id. The ranking is exact,
  but for one rule on the first ten: a word read as a typo of several names shows each (_Page).
- Two ways to the first results, same answer. When that is cheap (a rare word, a birth date, a
  commune, three words or more), every person bearing candidates of the two rarest words (among the
  commune's, or born that day) is scored ("scan").
  Otherwise combinations of classes are tried by decreasing total weight, each an intersection
  read in person-id order and cut after `limit` results, so that a common name costs about the
  same among 3 million persons as among 30,000; if the first one does not find enough, the scan
  takes over when it has become cheap enough.
- The statements tell PostgreSQL which index to read (see _bears, _fence): its estimates for a few
  hundred thousand distinct words are too rough to choose, the counts are not.
"""

# Statements are assembled from table names and placeholders only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection, models, transaction
from django.db.models import F, Q

from relais.core.bulk import insert_rows
from relais.people.models import NameToken, Person, TokenCount, TokenVariant
from relais.people.normalization import (
    damerau_levenshtein,
    deletion_variants,
    first_name_set,
    french_phonetic_key,
    name_keys,
    name_tokens,
    place_key,
    place_words,
)

PHONETIC_MARK = "#"
PLACE_MARK = "@"  # "@nanterre", "@92000": where the person lives, a word like the others
POSTCODE_LENGTH = 5
MAX_PLACE_WORDS = 5  # "saint remy les chevreuse": the longest communes of the two départements
# Weights of a candidate word: the typed word itself, a word it begins or one typo away ("near"), a
# word that sounds the same. A near word gets up to +9 the more persons bear it (+1 every half power of
# ten: "matrin" is rather Martin than Marin), and the first word typed +10 when it matches a family
# name (the commonness then counted among family names): neither can lift a word to the next kind.
EXACT, NEAR, SOUND = 80, 40, 20
# A commune or postcode typed among the names: only the exact commune (accents, case and "St"
# forgiven), and weighing less than the same word as an exact name ("Paris" the family name first).
PLACE = 60
FAMILY_BONUS = 10
MAX_CANDIDATE_WORDS = 150
MAX_COMPLETED = 9  # the words a typed word begins: this long at most, or two letters longer
MAX_WORDS = 6
# Costs in index entries read in a row; looking a person up costs about PROBE_COST of them. Every
# person the rarest words lead to is scored ("scan") when that costs at most SCAN_COST, or at most
# SCAN_COST_LATER once the first ordered intersection has not found enough.
PROBE_COST = 40
SCAN_COST = 20_000
SCAN_COST_LATER = 150_000
# Ordered intersections: at most this many statements (and combinations in each) before scanning.
TIER_STATEMENTS = 3
TIER_BRANCHES = (1, 6, 16)
MAX_COMBINATIONS = 400
# In the first SPELLING_TOP results, one spelling of a word read as a typo takes at most
# SPELLING_CAP places when other spellings as close exist (see _Page).
SPELLING_TOP = 10
SPELLING_CAP = 3
SPELLINGS = 3  # the heaviest spellings of a word looked for


# --- Indexing ---------------------------------------------------------------------------------


def person_tokens(person: Person) -> set[tuple[str, str]]:
    return name_tokens_of(person.birth_name, person.usage_name, person.first_names, person.city, person.postcode)


def person_place(city: str) -> str:
    """The place word of a commune ("@nanterre"), as stored on each of the person's words."""
    key = place_key(city)
    return (PLACE_MARK + key)[:100] if key else ""


def name_tokens_of(
    birth_name: str, usage_name: str, first_names: str, city: str = "", postcode: str = ""
) -> set[tuple[str, str]]:
    tokens: set[tuple[str, str]] = set()
    if city_word := person_place(city):
        tokens.add((city_word, NameToken.Kind.PLACE))
    if postcode.strip():
        tokens.add((PLACE_MARK + postcode.strip(), NameToken.Kind.PLACE))
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


def _is_word(token: str) -> bool:
    """A word of the vocabulary (typos are looked for among them), not a phonetic key or a place."""
    return not token.startswith((PHONETIC_MARK, PLACE_MARK))


TokenCounts = dict[str, list[int]]  # word → [persons, as a family name]
EVERYONE = ""  # the counts' row for the number of persons indexed (no word is empty)


def _add_counts(counts: TokenCounts, rows: Iterable[tuple[str, str]], sign: int = 1) -> None:
    for token, kind in rows:
        entry = counts.setdefault(token, [0, 0])
        entry[0] += sign
        if kind == NameToken.Kind.FAMILY:
            entry[1] += sign


def person_index(persons: Sequence[Person], *, replace: bool = True) -> int:
    """(Re)build the search words of these persons and extend the vocabulary with new words."""
    counts: TokenCounts = {}
    indexed: set[int] = set()
    if replace:
        old = NameToken.objects.filter(person_id__in=[p.pk for p in persons])
        rows_before = list(old.values_list("person_id", "token", "kind"))
        indexed = {person_id for person_id, _, _ in rows_before}
        _add_counts(counts, ((token, kind) for _, token, kind in rows_before), -1)
        old.delete()
    rows = [
        NameToken(person_id=person.pk, token=token, kind=kind, place=person_place(person.city))
        for person in persons
        for token, kind in person_tokens(person)
    ]
    NameToken.objects.bulk_create(rows, batch_size=5000)
    _add_counts(counts, ((row.token, row.kind) for row in rows))
    _add_counts(counts, ((EVERYONE, "") for person in persons if person.pk not in indexed))
    vocabulary_extend({row.token for row in rows if _is_word(row.token)})
    token_counts_add(counts)
    return len(rows)


def person_index_new(
    names: Sequence[tuple[int, str, str, str, str, str]], known_words: set[str], counts: TokenCounts | None = None
) -> int:
    """Index persons just created, in bulk (imports, the demo), from (id, birth name, usage name,
    first names, city, postcode): raw inserts, and `known_words`, the vocabulary already stored, kept by the caller
    across batches to avoid asking the database again. The words' counts are added to `counts` for
    the caller to write once at the end (token_counts_add), or written now without it."""
    rows = [
        (person_id, token, kind, person_place(city))
        for person_id, birth, usage, first, city, postcode in names
        for token, kind in name_tokens_of(birth, usage, first, city, postcode)
    ]
    insert_rows(NameToken, ["person_id", "token", "kind", "place"], rows)
    words = {token for _, token, _, _ in rows if _is_word(token)} - known_words
    insert_rows(
        TokenVariant,
        ["variant", "token"],
        [(variant, word) for word in words for variant in deletion_variants(word)],
        ignore_conflicts=True,
    )
    known_words.update(words)
    batch: TokenCounts = {} if counts is None else counts
    _add_counts(batch, ((token, kind) for _, token, kind, _ in rows))
    _add_counts(batch, ((EVERYONE, "") for _ in names))
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
                f"INSERT INTO {table} (token, persons, family) VALUES {', '.join(['(%s, %s, %s)'] * len(part))} "
                f"ON CONFLICT (token) DO UPDATE SET persons = {table}.persons + excluded.persons, "
                f"family = {table}.family + excluded.family",
                [value for row in part for value in row],
            )


def token_counts_refresh() -> int:
    """Recount every word from the index (daily, and after bulk loads); returns the number of words."""
    table = connection.ops.quote_name(TokenCount._meta.db_table)
    tokens = connection.ops.quote_name(NameToken._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f"INSERT INTO {table} (token, persons, family) SELECT token, COUNT(*), "
            f"SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END) FROM {tokens} GROUP BY token",
            [NameToken.Kind.FAMILY.value],
        )
        words = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {table} (token, persons, family) SELECT %s, COUNT(DISTINCT person_id), 0 FROM {tokens}", [EVERYONE]
        )
        return words


# --- Candidates -------------------------------------------------------------------------------
# The statements below are written by hand rather than through the ORM: a search sends three or
# four of them, and building them with querysets cost more time than running them.


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _placeholders(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


def _like_prefix(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _popularity(persons: int) -> int:
    return min(9, int(2 * math.log10(1 + max(persons, 0))))


def _weight(base: int, family: bool, count: tuple[int, int]) -> int:
    """A candidate's weight, read as a family name (the first word typed) or not."""
    if base in (SOUND, PLACE):
        return base
    return base + (FAMILY_BONUS if family else 0) + (_popularity(count[1 if family else 0]) if base == NEAR else 0)


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


# --- Ranking ----------------------------------------------------------------------------------


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


def _fence() -> str:
    """Ends a subquery that must stay one: PostgreSQL neither merges it into the outer statement
    nor turns an EXISTS ending so into a join (the visibility check would otherwise be joined with
    the whole organisation, or run on every person a word leads to instead of those matching all)."""
    return "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"


def _bears(person: str, tokens: Sequence[str], family: bool, walk: bool, place: str = "") -> tuple[str, list]:
    """SQL: the person (a column) bears one of these words. Either looked up person by person in the
    person index (`walk`: "token || ''" keeps the word index out of it), or, on PostgreSQL, read
    once from the word index and hashed ("person_id + 0" on both sides keeps the person index out of
    it, either way round): a lookup costs about PROBE_COST index entries read in a row, and far more
    when its page is not cached. With a `place`, hashed words are read among that commune's."""
    table = _table(NameToken)
    kind = " AND o.kind = %s" if family else ""
    params = [*tokens, *([NameToken.Kind.FAMILY.value] if family else [])]
    if place:
        kind += " AND o.place = %s"
        params.append(place)
    if walk or connection.vendor != "postgresql":
        sql = f"o.person_id = {person} AND (o.token || '') IN ({_placeholders(tokens)}){kind} {_fence()}"
    else:
        sql = f"(o.person_id + 0) = ({person} + 0) AND o.token IN ({_placeholders(tokens)}){kind}"
    return f"EXISTS (SELECT 1 FROM {table} o WHERE {sql})", params


def _short_statements() -> None:
    """On PostgreSQL, for the rest of the transaction: no JIT compilation and no parallel workers.
    Its estimates of how many persons bear a word are rough (a few hundred thousand words), so a
    search statement may look costly enough to compile (100-250 ms) or to start workers for, when
    it runs in a few milliseconds."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)")


class _Visible:
    """The caller's visibility condition, compiled once as SQL on the name-token table."""

    def __init__(self, visible: Q) -> None:
        query = NameToken.objects.filter(visible).query
        try:
            sql, params = query.get_compiler(connection=connection).compile(query.where)
        except FullResultSet:
            sql, params = "1 = 1", []
        self.sql, self.params = f"EXISTS (SELECT 1 WHERE {sql} {_fence()})", list(params)


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


def _scan(
    per_word: list[dict[str, int]],
    counts: dict[str, tuple[int, int]],
    visible: _Visible,
    birth_date: dt.date | None,
    drivers: list[int],
    page: _Page,
    commune: tuple[int, str] | None = None,
) -> list[Match]:
    """Score every person born on `birth_date`, or bearing a candidate of each of the two rarest
    words (among the commune's persons when the query names one, see _commune; with those matching
    the commune's word by a name), then keep the best the caller may see. A lone word is read from
    the word index; the persons found otherwise, a handful most often, have their words read from
    the person index."""
    table = _table(NameToken)
    tokens = sorted({token for candidates in per_word for token in candidates})
    params: list[Any]
    if birth_date is None and commune is None and len(per_word) == 1:
        sql, params = f"SELECT person_id, token, kind FROM {table} WHERE token IN ({_placeholders(tokens)})", list(tokens)
    else:
        if birth_date is not None:
            person = _table(Person)
            persons = f"SELECT {person}.id FROM {person} WHERE {person}.birth_date = %s"
            params = [connection.ops.adapt_datefield_value(birth_date)]
        elif commune is not None:
            # The rarest names among the commune's words (its index: place, token, person)...
            index, place = commune
            first = sorted(per_word[drivers[0]])
            persons = f"SELECT d.person_id FROM {table} d WHERE d.place = %s AND d.token IN ({_placeholders(first)})"
            params = [place, *first]
            if len(drivers) > 1:
                second = sorted(per_word[drivers[1]])
                bearers = [sum(counts.get(token, (0, 0))[0] for token in words) for words in (first, second)]
                bears, bears_params = _bears("d.person_id", second, False, bearers[0] * PROBE_COST <= sum(bearers), place)
                persons += f" AND {bears}"
                params += bears_params
            # ... and whoever bears a name like the commune's ("Colombe") and the rarest name.
            named = sorted(token for token, base in per_word[index].items() if base != PLACE)
            if named:
                few = sum(counts.get(token, (0, 0))[0] for token in named)
                many = sum(counts.get(token, (0, 0))[0] for token in first)
                bears, bears_params = _bears("d.person_id", first, False, few * PROBE_COST <= few + many)
                persons += f" UNION SELECT d.person_id FROM {table} d WHERE d.token IN ({_placeholders(named)}) AND {bears}"
                params += [*named, *bears_params]
        else:
            first, second = (sorted(per_word[index]) for index in drivers)
            bearers = [sum(counts.get(token, (0, 0))[0] for token in words) for words in (first, second)]
            bears, bears_params = _bears("d.person_id", second, False, bearers[0] * PROBE_COST <= sum(bearers))
            persons = f"SELECT d.person_id FROM {table} d WHERE d.token IN ({_placeholders(first)}) AND {bears}"
            params = [*first, *bears_params]
        # Then these persons' words, from the person index ("token || ''": see _bears).
        sql = f"SELECT person_id, token, kind FROM {table} WHERE person_id IN ({persons}) AND (token || '') IN ({_placeholders(tokens)})"
        params += tokens
    best: dict[int, list[int]] = defaultdict(lambda: [0] * len(per_word))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for person_id, token, kind in cursor.fetchall():
            scores = best[person_id]
            count = counts.get(token, (0, 0))
            for index, candidates in enumerate(per_word):
                if token in candidates:
                    weight = _weight(candidates[token], index == 0 and kind == NameToken.Kind.FAMILY, count)
                    if weight > scores[index]:
                        scores[index] = weight
    ranked = sorted(
        (Match(person_id, sum(scores), tuple(scores)) for person_id, scores in best.items() if all(scores)),
        key=lambda m: (-m.score, m.person_id),
    )
    return _visible_first(ranked, visible, page)


def _visible_first(ranked: list[Match], visible: _Visible, page: _Page) -> list[Match]:
    """The page of matches the caller may see, asking about a few more than needed at a time,
    twice as many each time the caller sees few of them (a scope over one commune out of many)."""
    table = _table(NameToken)
    start = 0
    size = max(2 * page.limit, 20)
    with connection.cursor() as cursor:
        while start < len(ranked):
            chunk = ranked[start : start + size]
            start += len(chunk)
            size = min(2 * size, 900)  # SQLite caps the parameters of a statement
            ids = [match.person_id for match in chunk]
            cursor.execute(
                f"SELECT DISTINCT person_id FROM {table} WHERE person_id IN ({_placeholders(ids)}) AND {visible.sql}",
                [*ids, *visible.params],
            )
            seen = {row[0] for row in cursor.fetchall()}
            for match in chunk:
                if match.person_id in seen:
                    if page.done_before(match):
                        return page.matches()
                    page.add(match)
    return page.matches()


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


def _intersections(branches: list[tuple[_Class, ...]], visible: _Visible, everyone: int, limit: int) -> list[list[int]]:
    """For each combination, the first `limit` ids of persons bearing a word of each of its classes,
    from the class fewest persons bear, in id order. The other classes (two names, a commune) are
    checked person by person until `limit` pass when that is soon (a common name), or else their
    persons are read and hashed once (see _bears). Visibility is checked on the results only."""
    table = _table(NameToken)
    sql: list[str] = []
    params: list[Any] = []
    for index, combination in enumerate(branches):
        driver, *others = sorted(combination, key=lambda c: (c.entries, len(c.tokens)))
        # Persons walked before `limit` bear the other classes too, were they spread evenly.
        share = math.prod(min(1.0, max(1, c.persons) / max(1, everyone)) for c in others)
        walked = min(driver.persons, int(limit / share))
        walk = walked * PROBE_COST <= sum(c.entries for c in others)
        checks, check_params = [], []
        for other in others:
            check, values = _bears(f"{table}.person_id", other.tokens, other.family, walk)
            checks.append(check)
            check_params += values
        # The alias is the table's name: the visibility condition was compiled against it.
        part = f"SELECT DISTINCT {table}.person_id FROM {table} WHERE {table}.token IN ({_placeholders(driver.tokens)})"
        params += driver.tokens
        if driver.family:
            part += f" AND {table}.kind = %s"
            params.append(NameToken.Kind.FAMILY.value)
        if walk:  # in id order, checked one by one until `limit` pass
            part = f"SELECT person_id FROM ({part} ORDER BY {table}.person_id {_fence()}) AS {table} WHERE "
            part += "".join(f"{check} AND " for check in checks) + f"{visible.sql} LIMIT %s"
        else:  # the whole intersection, hashed (ordered only then, or PostgreSQL may loop to keep the order)
            part += "".join(f" AND {check}" for check in checks)
            part = f"SELECT person_id FROM ({part} {_fence()}) AS {table} WHERE {visible.sql} ORDER BY person_id LIMIT %s"
        params += [*check_params, *visible.params, limit]
        sql.append(f"SELECT {index} AS branch, b{index}.person_id FROM ({part}) AS b{index}")
    persons: list[list[int]] = [[] for _ in branches]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sql), params)
        for index, person_id in cursor.fetchall():
            persons[index].append(person_id)
    return persons
