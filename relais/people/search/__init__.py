"""Finding a person by name (and commune) among millions, with a typo per word.

The same tables and statements on SQLite and PostgreSQL; why, what else was weighed, and the
measured figures: docs/decisions/0003-person-search.md. Where each part lives:
- index.py: the words of each person (names, first names, phonetic keys, commune and postcode), the
  vocabulary with its one-deletion variants, and how many persons bear each word;
- planning.py: a query's candidate words and communes, and which way to the first results (every
  person the rarest words lead to scored, or combinations of classes tried by decreasing weight);
- ranking.py: the weights of candidate words, their classes, the matches and the page they make;
- sql.py: the statements that read the index (which index PostgreSQL reads, the visibility check).
Names with a leading underscore are the package's own, shared between its modules only.
"""

from relais.people.search.index import (
    TokenCounts,
    name_tokens_of,
    person_index,
    person_index_new,
    person_place,
    person_tokens,
    token_counts_add,
    token_counts_refresh,
    vocabulary_extend,
    vocabulary_words,
)
from relais.people.search.planning import candidates_of, search_by_words
from relais.people.search.ranking import Match

__all__ = [
    "Match",
    "TokenCounts",
    "candidates_of",
    "name_tokens_of",
    "person_index",
    "person_index_new",
    "person_place",
    "person_tokens",
    "search_by_words",
    "token_counts_add",
    "token_counts_refresh",
    "vocabulary_extend",
    "vocabulary_words",
]
