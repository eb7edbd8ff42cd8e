"""Index maintenance of the person search: the words of each person, the vocabulary, the counts.

- `NameToken` holds each person's searchable words: family-name words (birth and usage names,
  with and without particles, compound parts), first names, a French phonetic key of each, and
  the commune and postcode they live in ("@nanterre", "@92000"); each row also carries the
  person's commune, indexed with the word, for searches naming one.
- `TokenVariant` holds the vocabulary (distinct words, a few hundred thousand at most) with their
  one-deletion variants: two words one typo apart share a variant (symmetric deletion).
- `TokenCount` says how many persons bear each word: kept by indexing, recounted daily. Only a hint:
  it chooses where to start and which of two equally close spellings comes first, never who matches.
"""

# Statements are assembled from table names and placeholders only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models import F

from relais.core.bulk import insert_rows
from relais.people.models import NameToken, Person, TokenCount, TokenVariant
from relais.people.normalization import (
    deletion_variants,
    first_name_set,
    french_phonetic_key,
    name_keys,
    name_tokens,
    place_key,
)

PHONETIC_MARK = "#"
PLACE_MARK = "@"  # "@nanterre", "@92000": where the person lives, a word like the others


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
