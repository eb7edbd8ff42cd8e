"""Importing 1 M legacy records: `relais import-persons` on SQLite and on PostgreSQL, with a baseline.

    uv run python bench/import.py [--rows 1000000]
    uv run python bench/import.py --after-import [--rows 300000] [--queries 200]

Generates (once, cached in bench/out/) a CSV of realistic French records, then, each in a fresh
database, times the import (validation pass + import pass, search index included) on SQLite and on
PostgreSQL. The baseline, in the same run, is the naive way — one ORM save per person with its
contact point, source record and search words — measured on 5,000 rows and extrapolated.
Target: 1 M rows in ≤ 10 minutes on each database.

`--after-import` measures person searches right after an import on PostgreSQL (the state an agent
finds the morning after a migration), with autovacuum off on the tables so that nothing but the
import refreshes the planner's statistics. The file is made dirty first, as legacy bases are: 3 % of
the phones never-allocated 071… numbers, 3 % overseas mobiles dialled from France (0692…, 0696…).
Two fresh databases in the same run: the import as it is (ANALYZE at the end), and the baseline,
the same import without its ANALYZE; then the baseline database after a manual ANALYZE. In each,
the same queries (a family name with one typo and a first name, a whole phone, an e-mail, as
bench/search.py makes them) run in-process (`person_search`, limit 100, as the API calls it) and
through the API (`GET /api/v1/persons/?q=…` with a token, Django's test client: the whole Django
stack, no network), and through the API as it was before this work (serializer per person, reads’
log entries flushed to disk before answering), each going first in turn so that none gets the
warmer cache; every query must find as many persons each way.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def make_file(rows: int) -> Path:
    path = OUT / f"persons_{rows}.csv"
    if path.exists():
        return path
    OUT.mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))  # the public default is refused
    import django

    django.setup()
    from _people import PersonFactory, write_csv

    started = time.monotonic()
    factory = PersonFactory(seed=11)
    write_csv(path, [factory.person(f"P{i:07d}") for i in range(rows)])
    print(f"generated {rows:,} records in {time.monotonic() - started:.0f} s → {path}", file=sys.stderr)
    return path


def child(database_url: str, path: Path, baseline_rows: int) -> None:
    """Runs in a subprocess whose DATABASE_URL points at a fresh database."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))  # the public default is refused
    import django

    django.setup()
    from django.core.management import call_command

    from relais.people.importing import run_import
    from relais.people.services import PersonData, person_create
    from relais.territory.models import Organisation, Service
    from relais.territory.policies import AccessScope

    call_command("migrate", interactive=False, verbosity=0)
    organisation = Organisation.objects.create(code="92", name="Hauts-de-Seine", kind="departement")
    service = Service.objects.create(code="92-X", name="X")
    service.organisations.add(organisation)
    started = time.monotonic()
    job = run_import(path=path, source="GRC92", organisation=organisation)
    seconds = time.monotonic() - started
    # Baseline: one ORM create per person (what a straightforward import script does).
    import csv

    scope = AccessScope(label="bench", organisation_ids=frozenset({organisation.pk}), may_edit_identity=True, agent_id=0)
    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [next(reader) for _ in range(baseline_rows)]
    began = time.monotonic()
    for row in rows:
        data = PersonData(
            birth_name=row["birth_name"], usage_name=row["usage_name"], first_names=row["first_names"], sex=row["sex"],
            phones=[row["phone"]] if row["phone"] else [], emails=[row["email"]] if row["email"] else [],
        )  # fmt: skip
        person_create(data=data, organisation=organisation, scope=scope, acting_user=None)
    baseline = (time.monotonic() - began) / baseline_rows
    print(json.dumps({"status": job.status, "imported": job.imported, "seconds": seconds, "baseline_seconds_per_row": baseline}))


def make_dirty_file(path: Path) -> Path:
    """The same records with 3 % of the phones never-allocated (071…) and 3 % overseas mobiles."""
    import csv
    import random

    dirty = path.with_name(path.stem + "_dirty.csv")
    if dirty.exists():
        return dirty
    rng = random.Random(19)
    with path.open(encoding="utf-8", newline="") as source, dirty.open("w", encoding="utf-8", newline="") as target:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(target, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            draw = rng.random()
            digits = "".join(rng.choice("0123456789") for _ in range(6))
            if row["phone"] and draw < 0.03:
                row["phone"] = f"071 {digits[:2]} {digits[2:4]} {digits[4:]} {rng.randint(10, 99)}"
            elif row["phone"] and draw < 0.06:
                row["phone"] = f"{rng.choice(['0692', '0693', '0696', '0690', '0694'])} {digits[:2]} {digits[2:4]} {digits[4:]}"
            writer.writerow(row)
    return dirty


def search_queries(path: Path, count: int) -> list[tuple[str, str]]:
    """(kind, query) made from random records of the file, as an agent types them."""
    import csv
    import random

    from search import typo  # bench/search.py

    from relais.people.normalization import name_tokens

    rng = random.Random(2026)
    with path.open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    queries: list[tuple[str, str]] = []
    while len(queries) < count:
        record = rng.choice(records)
        family = name_tokens(record["usage_name"] or record["birth_name"])
        first = name_tokens(record["first_names"].split(",")[0])
        kind = rng.choices(["name", "phone", "email"], weights=[3, 1, 1])[0]
        if kind == "name" and family and first and len(family[0]) >= 4:
            queries.append((kind, " ".join([typo(rng, family[0]), *family[1:], first[0]])))
        elif kind == "phone" and record["phone"] and not record["phone"].startswith("071"):
            queries.append((kind, record["phone"]))
        elif kind == "email" and record["email"]:
            queries.append((kind, record["email"]))
    return queries


def search_child(database_url: str, path: Path, analyze: bool, queries_count: int) -> None:
    """Import into a fresh PostgreSQL database (autovacuum off on every table), then time searches."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))  # the public default is refused
    import django

    django.setup()
    import statistics

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from relais.api.services import api_token_create
    from relais.people import importing
    from relais.people.selectors import person_search
    from relais.territory.models import Organisation, Service
    from relais.territory.policies import integration_access_scope

    call_command("migrate", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'ALTER TABLE "{table}" SET (autovacuum_enabled = off, toast.autovacuum_enabled = off)')
    organisation = Organisation.objects.create(code="92", name="Hauts-de-Seine", kind="departement")
    service = Service.objects.create(code="92-X", name="X")
    service.organisations.add(organisation)
    token, raw = api_token_create(organisation=organisation, name="bench")
    if not analyze:
        importing.analyze_tables = lambda tables: None  # the baseline: statistics left as the load made them
    started = time.monotonic()
    job = importing.run_import(path=path, source="GRC92", organisation=organisation)
    seconds = time.monotonic() - started
    queries = search_queries(path, queries_count)
    scope = integration_access_scope(token_id=token.pk, label="API bench (92)", organisation=organisation)
    client = Client(HTTP_AUTHORIZATION=f"Token {raw}")

    def in_process(query: str) -> int:
        return len(person_search(scope=scope, query=query, limit=100))

    def through_api(query: str) -> int:
        response = client.get("/api/v1/persons/", {"q": query})
        assert response.status_code == 200, response.content[:300]
        return response.json()["count"]

    def through_api_as_before(query: str) -> int:
        """The API as it was before this work: a serializer built per person, and each read's log
        entry waiting for the disk flush."""
        from django.conf import settings

        from relais.people import api

        saved = api._output_many, settings.ACCESS_LOG_ASYNC_READS
        api._output_many = lambda persons, scope: [api._output(person, scope) for person in persons]
        settings.ACCESS_LOG_ASYNC_READS = False
        try:
            return through_api(query)
        finally:
            api._output_many, settings.ACCESS_LOG_ASYNC_READS = saved

    series = [("in-process", in_process), ("API", through_api), ("API before", through_api_as_before)]
    for _, function in series:  # the first request loads the URLs, the schema, the serializers
        function(queries[0][1])

    def measure() -> dict:
        timings: dict[str, list[float]] = {label: [] for label, _ in series}
        for position, (_, query) in enumerate(queries):
            found = []
            for label, function in series[position % 3 :] + series[: position % 3]:  # each goes first in turn
                began = time.perf_counter()
                found.append(function(query))
                timings[label].append((time.perf_counter() - began) * 1000)
            assert len(set(found)) == 1, (query, found)
        for label in ("API", "API before"):  # paired, query by query: what the API adds to the search
            timings[f"{label} − in-process"] = [api - own for api, own in zip(timings[label], timings["in-process"], strict=True)]
        result = {}
        for label, values in timings.items():
            ordered = sorted(values)
            result[label] = {
                "p50": statistics.median(values),
                "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
                "max": ordered[-1],
            }
        return result

    phases = {"just after the import": measure()}
    if not analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        phases["after a manual ANALYZE"] = measure()
    print(json.dumps({"status": job.status, "imported": job.imported, "warnings": job.warning_count, "seconds": seconds,
                      "phases": phases}))  # fmt: skip


def after_import(rows: int, queries: int) -> None:
    import psycopg

    path = make_dirty_file(make_file(rows))
    print(
        f"{rows:_} rows (dirty phones), {queries} searches per phase: names with a typo (3/5), phones, e-mails".replace("_", " ")
    )
    for label, database, analyze in (
        ("Relais (ANALYZE at the end of the import)", "relais_bench_import_analyze", True),
        ("baseline: the same import without ANALYZE", "relais_bench_import_noanalyze", False),
    ):
        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {database}")
        url = f"postgres://postgres@127.0.0.1:5432/{database}"
        command = [sys.executable, __file__, "--search-child", url, str(path), "--queries", str(queries)]
        result = subprocess.run([*command, *([] if analyze else ["--no-analyze"])], stdout=subprocess.PIPE, text=True, check=True)
        data = json.loads(result.stdout.strip().splitlines()[-1])
        print(
            f"{label}: import {data['seconds'] / 60:.1f} min, {data['imported']:_} persons, {data['warnings']:_} warnings, {data['status']}".replace(
                "_", " "
            )
        )
        for phase, series in data["phases"].items():
            for engine, figures in series.items():
                print(
                    f"  {phase:<22} {engine:<23} p50 {figures['p50']:7.1f} ms   p95 {figures['p95']:7.1f} ms   max {figures['max']:7.1f} ms"
                )
            gap = series["API"]["p95"] - series["in-process"]["p95"]
            before = series["API before"]["p95"] - series["in-process"]["p95"]
            print(f"  {'':<22} API − in-process at p95: {gap:+.1f} ms (before this work: {before:+.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=5000)
    parser.add_argument("--after-import", action="store_true", help="searches right after an import, with and without ANALYZE")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-analyze", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, metavar=("DATABASE_URL", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--search-child", nargs=2, metavar=("DATABASE_URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.baseline_rows)
        return
    if args.search_child:
        search_child(args.search_child[0], Path(args.search_child[1]), not args.no_analyze, args.queries)
        return
    if args.after_import:
        after_import(args.rows, args.queries)
        return
    path = make_file(args.rows)
    sqlite_path = OUT / "import_bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS relais_bench_import WITH (FORCE)")
        admin.execute("CREATE DATABASE relais_bench_import")
    print(f"{args.rows:,} rows, file {path.stat().st_size / 1e6:.0f} MB")
    for name, url in (
        ("SQLite", f"sqlite:///{sqlite_path}"),
        ("PostgreSQL", "postgres://postgres@127.0.0.1:5432/relais_bench_import"),
    ):
        result = subprocess.run(
            [sys.executable, __file__, "--child", url, str(path), "--baseline-rows", str(args.baseline_rows)],
            stdout=subprocess.PIPE, text=True, check=True,
        )  # fmt: skip
        data = json.loads(result.stdout.strip().splitlines()[-1])
        rate = data["imported"] / data["seconds"]
        naive = data["baseline_seconds_per_row"] * args.rows
        print(
            f"{name:<11} relais import-persons: {data['seconds'] / 60:5.1f} min ({rate:,.0f} rows/s, {data['status']})   "
            f"baseline one save per row: {naive / 60:6.1f} min (measured on {args.baseline_rows:,})   "
            f"target ≤ 10 min: {'met' if data['seconds'] <= 600 else 'NOT met'}".replace(",", " ")
        )


if __name__ == "__main__":
    main()
