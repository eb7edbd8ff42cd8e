"""Finding a person by name among millions, with a typo per word.

Design (portable to SQLite and PostgreSQL, justified in docs/decisions/0003-person-search.md):
- `NameToken` holds each person's searchable words: family-name words (birth and usage names,
  with and without particles, compound parts), first names, and a French phonetic key of each.
- `TokenVariant` holds the vocabulary (distinct words, a few hundred thousand at most) with their
  one-deletion variants: two words one typo apart share a variant (symmetric deletion).
- A query word becomes a small set of candidate words: itself, the vocabulary words it prefixes,
  the words one typo away (verified with Damerau-Levenshtein), its phonetic key. The database then
  intersects, on the (token, person) index, the persons matching every query word, and the
  candidates are ranked: exact words first, then prefixes, typos and sound-alikes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import F, Q

from relais.core.bulk import insert_rows
from relais.people.models import NameToken, Person, TokenVariant
from relais.people.normalization import (
    damerau_levenshtein,
    deletion_variants,
    first_name_set,
    french_phonetic_key,
    name_keys,
    name_tokens,
)

PHONETIC_MARK = "#"
EXACT, PREFIX, TYPO, SOUND = 8, 5, 4, 2
MAX_CANDIDATE_WORDS = 150


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


def person_index(persons: Sequence[Person], *, replace: bool = True) -> int:
    """(Re)build the search words of these persons and extend the vocabulary with new words."""
    if replace:
        NameToken.objects.filter(person_id__in=[p.pk for p in persons]).delete()
    rows = [NameToken(person_id=person.pk, token=token, kind=kind) for person in persons for token, kind in person_tokens(person)]
    NameToken.objects.bulk_create(rows, batch_size=5000)
    vocabulary_extend({row.token for row in rows if not row.token.startswith(PHONETIC_MARK)})
    return len(rows)


def person_index_new(names: Sequence[tuple[int, str, str, str]], known_words: set[str]) -> int:
    """Index persons just created, in bulk (imports, the demo), from (id, birth name, usage name,
    first names): raw inserts, and `known_words`, the vocabulary already stored, kept by the caller
    across batches to avoid asking the database again."""
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


def candidate_words(word: str) -> dict[str, int]:
    """The words of the vocabulary a typed word may stand for, with how good a match each is."""
    candidates: dict[str, int] = {word: EXACT}
    if len(word) >= 3:
        for found in (
            # The vocabulary's own rows (variant equal to the word) give the words this one begins.
            TokenVariant.objects.filter(variant__startswith=word, token=F("variant")).values_list("token", flat=True)[
                :MAX_CANDIDATE_WORDS
            ]
        ):
            candidates.setdefault(found, PREFIX)
    if len(word) >= 4:
        limit = 2 if len(word) >= 9 else 1
        for found in set(
            TokenVariant.objects.filter(variant__in=deletion_variants(word)).values_list("token", flat=True)[:MAX_CANDIDATE_WORDS]
        ):
            if found not in candidates and damerau_levenshtein(word, found, limit) <= limit:
                candidates[found] = TYPO
    key = french_phonetic_key(word)
    if len(key) >= 2:
        candidates.setdefault(PHONETIC_MARK + key, SOUND)
    return candidates


@dataclass(frozen=True)
class Match:
    person_id: int
    score: int


def search_by_words(words: Sequence[str], *, visible: Q, limit: int = 50) -> list[Match]:
    """Persons matching every word (each through one of its candidate words), best first."""
    per_word = [candidate_words(word) for word in words[:6]]
    if not per_word:
        return []
    queryset = NameToken.objects.filter(token__in={token for candidates in per_word for token in candidates})
    # The rarest constraints first lets the database narrow early; every word must be matched.
    for candidates in sorted(per_word, key=len):
        queryset = queryset.filter(person_id__in=NameToken.objects.filter(token__in=list(candidates)).values("person_id"))
    rows = queryset.filter(visible).values_list("person_id", "token", "kind")[:20000]
    best: dict[int, list[int]] = defaultdict(lambda: [0] * len(per_word))
    for person_id, token, kind in rows:
        scores = best[person_id]
        for index, candidates in enumerate(per_word):
            weight = candidates.get(token, 0)
            if weight and kind == NameToken.Kind.FAMILY and index == 0:
                weight += 1  # the first word typed is usually the family name
            if weight > scores[index]:
                scores[index] = weight
    ranked = sorted(
        (Match(person_id, sum(scores)) for person_id, scores in best.items() if all(scores)),
        key=lambda m: (-m.score, m.person_id),
    )
    return ranked[:limit]
