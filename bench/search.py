"""Person search at the scale of the two départements: 3 M persons on PostgreSQL.

    uv run python bench/search.py [--persons 3000000] [--queries 500] [--rebuild]

Loads (once, in the database relais_bench_search) 3 M synthetic persons with realistic French names
(bench/_people.py) and their search index, then runs 500 queries made from random persons: the
family name with one typo (deletion, insertion, substitution or transposition) and the usual first
name — "dupnt marie" — and the same followed by the birth date. It prints p50, p95 and recall@10
(the intended person among the first ten) for Relais's search (people/search.py) and for a naive
pg_trgm similarity query on the normalised names, in the same run.
Targets: p95 ≤ 20 ms and recall@10 ≥ 98 %.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
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
    from relais.people.importing import PERSON_COLUMNS
    from relais.people.models import Person, PersonOrganisation
    from relais.people.normalization import join_first_names, name_tokens, normalize_name, split_first_names
    from relais.people.search import person_index_new, vocabulary_words
    from relais.territory.models import Organisation

    call_command("migrate", interactive=False, verbosity=0)
    organisation = Organisation.objects.create(code="92", name="Hauts-de-Seine", kind="departement")
    factory = PersonFactory(seed=5)
    known = vocabulary_words()
    started = time.monotonic()
    chunk = 50_000
    for offset in range(0, persons, chunk):
        records = [factory.person(f"S{offset + i}") for i in range(min(chunk, persons - offset))]
        ids = reserve_ids(Person, len(records))
        now = timezone.now()
        rows = []
        names = []
        for pk, record in zip(ids, records, strict=True):
            first = join_first_names(split_first_names(record["first_names"]))
            values = {
                "birth_name": record["birth_name"], "usage_name": record["usage_name"], "first_names": first, "sex": record["sex"],
                "birth_date": record["birth_date"], "birth_place": record["birth_place"], "nir": "", "address": record["address"],
                "postcode": record["postcode"], "city": record["city"], "search_birth_name": normalize_name(record["birth_name"]),
                "search_usage_name": normalize_name(record["usage_name"]),
                "search_names": " " + " ".join(name_tokens(record["birth_name"]) + name_tokens(record["usage_name"]) + name_tokens(first)) + " ",
            }  # fmt: skip
            rows.append((pk, uuid.uuid4(), *(values[c] for c in PERSON_COLUMNS), "", "", now, now, 1))
            names.append((pk, values["birth_name"], values["usage_name"], first))
        with transaction.atomic():
            insert_rows(
                Person,
                ["id", "public_id", *PERSON_COLUMNS, "commune_code", "address_complement", "created_at", "updated_at", "version"],
                rows,
            )
            insert_rows(PersonOrganisation, ["person_id", "organisation_id", "since"], [(pk, organisation.pk, now) for pk in ids])
            person_index_new(names, known)
        done = offset + len(records)
        print(f"\r  loaded {done:,} persons ({done / (time.monotonic() - started):,.0f}/s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute("CREATE INDEX person_search_names_trgm ON people_person USING gin (search_names gin_trgm_ops)")
    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


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
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.utils import OperationalError, ProgrammingError

    from relais.people.models import Person
    from relais.people.normalization import name_tokens
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
    name_queries, dated_queries = [], []
    for person in targets:
        family = name_tokens(rng.choice([n for n in (person.birth_name, person.usage_name) if n]))
        words = [typo(rng, family[0]), *family[1:], name_tokens(person.first_name)[0]]
        name_queries.append((" ".join(words), person.pk))
        dated_queries.append((" ".join(words) + f" {person.birth_date:%d/%m/%Y}", person.pk))

    def relais(query: str) -> list[int]:
        return [p.pk for p in person_search(scope=scope, query=query, limit=10)]

    def naive(query: str) -> list[int]:
        words = " ".join(w for w in query.split() if "/" not in w)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM people_person WHERE search_names %% %s ORDER BY similarity(search_names, %s) DESC LIMIT 10",
                [words, words],
            )
            return [row[0] for row in cursor.fetchall()]

    print(
        f"{count:,} persons on PostgreSQL; {args.queries} queries of a family name with one typo and a first name".replace(
            ",", " "
        )
    )
    for label, queries in (("name + first name", name_queries), ("… + birth date", dated_queries)):
        for engine, function in (("Relais", relais), ("naive pg_trgm", naive)):
            timings, hits = [], 0
            function(queries[0][0])  # warm the connection
            for query, expected in queries:
                began = time.perf_counter()
                found = function(query)
                timings.append((time.perf_counter() - began) * 1000)
                hits += expected in found
            print(
                f"  {label:<18} {engine:<14} p50 {statistics.median(timings):7.1f} ms   p95 {percentile(timings, 0.95):7.1f} ms   "
                f"recall@10 {100 * hits / len(queries):5.1f} %"
            )


if __name__ == "__main__":
    main()
