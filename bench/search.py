"""Person search at the scale of the two départements: 3 M persons on PostgreSQL.

    uv run python bench/search.py [--persons 3000000] [--queries 500] [--rebuild] [--naive-timeout 5000]

Loads (once, in the database relais_bench_search) 3 M synthetic persons with realistic French names,
communes weighted by population, mobile phones (80 %) and e-mails (60 %) (bench/_people.py) and
their search index, then runs 500 queries of each kind made from random persons: the family name
with one typo (deletion, insertion, substitution or transposition) and the usual first name —
"dupnt marie" —, the same followed by the birth date, or by the commune; and, for persons with a
phone or an e-mail, the whole number, its first eight or last six digits, the whole e-mail or its
part before the "@". It prints p50, p95 and recall@10 (the intended person among the first ten)
for Relais's search (people/search/, through selectors.person_search: persons and their contact
points fetched, as the search page does) and for a naive query in the same run: pg_trgm similarity
on the normalised names (ids only; the birth date and the commune as equalities), a substring
search (LIKE '%…%') on the stored numbers and e-mails. The baseline runs under a statement_timeout:
a query cut counts as a miss. With millions of persons, many share a name and a first name (300
"Marie Martin"), who score the same and come by id: recall@10 is also given counting as found a
first ten that holds an exact homonym of the intended person (every word they bear as searched,
and the birth date or commune when given). Tables and indexes are read into memory first
(pg_prewarm), as on a server answering searches all day.
Targets: p95 ≤ 20 ms and recall@10 ≥ 98 %.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
URL = os.environ.get("BENCH_SEARCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/relais_bench_search")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def load(persons: int) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS relais_bench_search WITH (FORCE)")
        admin.execute("CREATE DATABASE relais_bench_search")
    from _people import PersonFactory
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from relais.core.bulk import insert_rows, reserve_ids
    from relais.people.building import search_fields
    from relais.people.importing import PERSON_COLUMNS
    from relais.people.models import ContactPoint, Person, PersonOrganisation
    from relais.people.normalization import contact_search_keys, join_first_names, split_first_names
    from relais.people.search import TokenCounts, person_index_new, token_counts_add, vocabulary_words
    from relais.territory.models import Organisation

    call_command("migrate", interactive=False, verbosity=0)
    organisation = Organisation.objects.create(code="92", name="Hauts-de-Seine", kind="departement")
    factory = PersonFactory(seed=5)
    known = vocabulary_words()
    counts: TokenCounts = {}
    started = time.monotonic()
    chunk = 50_000
    for offset in range(0, persons, chunk):
        records = [factory.person(f"S{offset + i}") for i in range(min(chunk, persons - offset))]
        ids = reserve_ids(Person, len(records))
        now = timezone.now()
        rows = []
        names = []
        points = []
        for pk, record in zip(ids, records, strict=True):
            first = join_first_names(split_first_names(record["first_names"]))
            values = {
                "birth_name": record["birth_name"], "usage_name": record["usage_name"], "first_names": first, "sex": record["sex"],
                "birth_date": record["birth_date"], "birth_place": record["birth_place"], "nir": "", "address": record["address"],
                "postcode": record["postcode"], "city": record["city"],
                **search_fields(record["birth_name"], record["usage_name"], first),
            }  # fmt: skip
            rows.append((pk, uuid.uuid4(), *(values[c] for c in PERSON_COLUMNS), "", "", now, now, 1, "{}"))
            names.append((pk, values["birth_name"], values["usage_name"], first, values["city"], values["postcode"]))
            points += [(pk, kind, record[kind], "", 0, *contact_search_keys(kind, record[kind]))
                       for kind in ("phone", "email") if record[kind]]  # fmt: skip
        with transaction.atomic():
            insert_rows(
                Person,
                [
                    "id",
                    "public_id",
                    *PERSON_COLUMNS,
                    "commune_code",
                    "address_complement",
                    "created_at",
                    "updated_at",
                    "version",
                    "field_sources",
                ],
                rows,
            )
            insert_rows(PersonOrganisation, ["person_id", "organisation_id", "since"], [(pk, organisation.pk, now) for pk in ids])
            insert_rows(
                ContactPoint, ["person_id", "kind", "value", "label", "position", "search_key", "search_key_reversed"], points
            )
            person_index_new(names, known, counts)
        done = offset + len(records)
        print(f"\r  loaded {done:,} persons ({done / (time.monotonic() - started):,.0f}/s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    token_counts_add(counts)
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute("CREATE INDEX person_search_names_trgm ON people_person USING gin (search_names gin_trgm_ops)")
    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def prewarm() -> None:
    """Read the tables and indexes both engines use into memory (the OS cache), as they are on a
    server answering searches all day: otherwise the first queries measure the disk."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cursor.execute(
            "SELECT sum(pg_prewarm(c.oid, 'read')) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND (c.relname LIKE 'people_%%' OR c.relname LIKE 'name_token_%%' "
            "OR c.relname LIKE 'token_variant_%%' OR c.relname LIKE 'person_%%' OR c.relname LIKE 'contact_point_%%')"
        )
        blocks = cursor.fetchone()[0]
    print(f"    (prewarmed {blocks * 8 / 1024 / 1024:.1f} GB of tables and indexes into the OS cache)", file=sys.stderr)


def typo(rng: random.Random, word: str) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    operation = rng.choice(["delete", "insert", "substitute", "transpose"])
    if operation == "delete":
        return word[:i] + word[i + 1 :]
    if operation == "insert":
        return word[:i] + rng.choice(letters) + word[i:]
    if operation == "substitute":
        return word[:i] + rng.choice(letters.replace(word[i], "")) + word[i + 1 :]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :] if word[i] != word[i - 1] else word[:i] + word[i + 1 :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=3_000_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--naive-timeout", type=int, default=5000, help="statement_timeout of the baseline, in ms")
    parser.add_argument("--verbose", action="store_true", help="list the misses on stderr")
    parser.add_argument("--no-baseline", action="store_true", help="measure Relais only (while tuning)")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))  # the public default is refused
    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.utils import OperationalError, ProgrammingError

    from relais.people.models import ContactPoint, Person
    from relais.people.normalization import name_tokens, place_key, search_words
    from relais.people.selectors import person_search
    from relais.territory.models import Organisation
    from relais.territory.policies import AccessScope

    try:
        count = Person.objects.count()
    except (OperationalError, ProgrammingError):
        count = 0
    if args.rebuild or count < args.persons:
        connection.close()
        load(args.persons)
        count = Person.objects.count()
    organisation = Organisation.objects.get(code="92")
    scope = AccessScope(label="bench", organisation_ids=frozenset({organisation.pk}), agent_id=0)
    rng = random.Random(2026)
    max_id = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    targets = []
    while len(targets) < args.queries:
        person = Person.objects.filter(pk=rng.randint(1, max_id)).first()
        if person and len(name_tokens(person.usage_name or person.birth_name)[0]) >= 4:
            targets.append(person)
    # (query, intended person, the words that person bears as searched, birth date) per series.
    Query = tuple[str, int, list[str] | None, dt.date | None]
    name_queries: list[Query] = []
    dated_queries: list[Query] = []
    commune_queries: list[Query] = []
    query_city: dict[str, tuple[str, str]] = {}  # for the baseline: the names, and the commune as stored
    for person in targets:
        family = name_tokens(rng.choice([n for n in (person.birth_name, person.usage_name) if n]))
        words = [typo(rng, family[0]), *family[1:], name_tokens(person.first_name)[0]]
        intended = search_words([*family, words[-1]])  # the words searched for, without the typo
        name_queries.append((" ".join(words), person.pk, intended, None))
        dated_queries.append((" ".join(words) + f" {person.birth_date:%d/%m/%Y}", person.pk, intended, person.birth_date))
        place = [f"@{place_key(person.city)}"]
        commune_queries.append((" ".join(words) + f" {person.city}", person.pk, intended + place, None))
        query_city[commune_queries[-1][0]] = (" ".join(words), person.city)
    contact_queries: dict[str, list[Query]] = {
        "phone": [],
        "phone, 8 first digits": [],
        "phone, 6 last digits": [],
        "e-mail": [],
        "e-mail before @": [],
    }
    for point in ContactPoint.objects.filter(person_id__in=[p.pk for p in targets]).order_by("person_id", "kind"):
        if point.kind == "phone":
            national = point.search_key  # 0612345678
            spaced = " ".join(national[i : i + 2] for i in range(0, 10, 2))
            contact_queries["phone"].append((spaced, point.person_id, None, None))
            contact_queries["phone, 8 first digits"].append((spaced[:11], point.person_id, None, None))
            contact_queries["phone, 6 last digits"].append((spaced[-8:], point.person_id, None, None))
        else:
            contact_queries["e-mail"].append((point.value, point.person_id, None, None))
            contact_queries["e-mail before @"].append((point.value.split("@")[0] + "@", point.person_id, None, None))

    def relais(query: str) -> list[int]:
        return [p.pk for p in person_search(scope=scope, query=query, limit=10)]

    timeouts = 0

    def run_naive(sql: str, params: list) -> list[int]:
        nonlocal timeouts
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {args.naive_timeout}")
                cursor.execute(sql, params)
                return [row[0] for row in cursor.fetchall()]
        except OperationalError:  # QueryCanceled: counted as a timeout and a miss
            timeouts += 1
            return []

    def naive_names(query: str, city: str | None = None) -> list[int]:
        """pg_trgm similarity on the normalised names (GIN trigram index), the birth date and the
        commune as equalities."""
        words = " ".join(w for w in query.split() if "/" not in w)
        dates = [w for w in query.split() if "/" in w]
        sql = "SELECT id FROM people_person WHERE search_names %% %s"
        params: list = [words]
        if dates:
            sql += " AND birth_date = %s"
            params.append(dt.datetime.strptime(dates[0], "%d/%m/%Y").date())
        if city:
            sql += " AND city = %s"
            params.append(city)
        return run_naive(sql + " ORDER BY similarity(search_names, %s) DESC LIMIT 10", [*params, words])

    def naive_commune(query: str) -> list[int]:
        words, city = query_city[query]
        return naive_names(words, city)

    def naive_contact(query: str) -> list[int]:
        """What the search did before contact keys: a substring of the stored value (E.164 digits
        without the trunk zero, or the e-mail), no index can serve it."""
        if "@" in query:
            kind, fragment = "email", query.lower()
        else:
            digits = "".join(c for c in query if c.isdigit())
            kind, fragment = "phone", digits[1:] if digits.startswith("0") else digits
        return run_naive(
            "SELECT DISTINCT person_id FROM people_contactpoint WHERE kind = %s AND value LIKE %s LIMIT 10",
            [kind, f"%{fragment}%"],
        )

    def homonym_found(found: list[int], intended: list[str] | None, birth_date: dt.date | None) -> bool:
        """One of the results bears every word the intended person bears as searched (and the birth
        date, the commune): a homonym the query cannot tell apart from the intended person. They
        score the same; only the order of ids, arbitrary, put the intended person further."""
        if intended is None or not found:
            return False
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT t.person_id FROM people_nametoken t JOIN people_person p ON p.id = t.person_id"
                " WHERE t.person_id = ANY(%s) AND t.token = ANY(%s) AND (%s::date IS NULL OR p.birth_date = %s::date)"
                " GROUP BY t.person_id HAVING count(DISTINCT t.token) = %s) matched",
                [found, intended, birth_date, birth_date, len(set(intended))],
            )
            return cursor.fetchone()[0] > 0

    print(
        f"{count:,} persons on PostgreSQL; {args.queries} queries of a family name with one typo and a first name,"
        " then the same with the birth date or the commune; phones and e-mails of those persons who have one".replace(",", " ")
    )
    print(
        "  recall@10: the intended person among the first ten; in brackets, also counting as found a first ten holding\n"
        "  an exact homonym of the intended person (same names, and birth date or commune when given), whom no query\n"
        "  can tell apart. Before each series, the tables and indexes are read into the OS cache (pg_prewarm).\n"
        f"  naive: statement_timeout {args.naive_timeout} ms per query (a timeout counts as a miss, timed at the timeout)."
    )
    series: list[tuple[str, list[Query], Callable[[str], list[int]]]] = [
        ("name + first name", name_queries, naive_names),
        ("… + birth date", dated_queries, naive_names),
        ("… + commune", commune_queries, naive_commune),
        *((label, queries, naive_contact) for label, queries in contact_queries.items()),
    ]
    for label, queries, naive in series:
        for engine, function in (("Relais", relais), ("naive", naive))[: 1 if args.no_baseline else 2]:
            timings, hits, lenient = [], 0, 0
            prewarm()  # again: the other engine's queries may have pushed these pages out
            function(queries[0][0])  # warm the connection
            timeouts = 0
            for query, expected, intended, birth_date in queries:
                began = time.perf_counter()
                found = function(query)
                timings.append((time.perf_counter() - began) * 1000)
                hits += expected in found
                fair = expected in found or homonym_found(found, intended, birth_date)
                lenient += fair
                if args.verbose and not fair:
                    first = [str(p) for p in Person.objects.filter(pk__in=found[:3])]
                    print(f"    miss {engine}: {query!r} for {Person.objects.get(pk=expected)} → {first}", file=sys.stderr)
            recall = f"recall@10 {100 * hits / len(queries):5.1f} %"
            if intended is not None:
                recall += f" ({100 * lenient / len(queries):5.1f} %)"
            print(
                f"  {label:<22} {engine:<7} n={len(queries):<4} p50 {statistics.median(timings):7.1f} ms   "
                f"p95 {percentile(timings, 0.95):7.1f} ms   max {max(timings):7.1f} ms   {recall}"
                + (f"   timeouts {timeouts}" if timeouts else ""),
                flush=True,
            )


if __name__ == "__main__":
    main()
