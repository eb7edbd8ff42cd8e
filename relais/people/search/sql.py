"""The statements of the person search, built and run by hand (SQLite and PostgreSQL alike).

The statements tell PostgreSQL which index to read (see _bears, _fence): its estimates for a few
hundred thousand distinct words are too rough to choose, the counts are not. Scoring every person
the rarest words lead to (_scan) and the ordered intersections (_intersections, for planning._ordered)
are read here.
"""

# Statements are assembled from table names and placeholders only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import FullResultSet
from django.db import connection, models
from django.db.models import Q

from relais.people.models import NameToken, Person
from relais.people.search.ranking import PLACE, Match, _Class, _Page, _weight

# The statements are written by hand rather than through the ORM: a search sends three or four of
# them, and building them with querysets cost more time than running them.

# Costs in index entries read in a row; looking a person up costs about PROBE_COST of them.
PROBE_COST = 40


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _placeholders(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


def _like_prefix(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


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
