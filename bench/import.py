"""Importing 1 M legacy records: `relais import-persons` on SQLite and on PostgreSQL, with a baseline.

    uv run python bench/import.py [--rows 1000000]

Generates (once, cached in bench/out/) a CSV of realistic French records, then, each in a fresh
database, times the import (validation pass + import pass, search index included) on SQLite and on
PostgreSQL. The baseline, in the same run, is the naive way — one ORM save per person with its
contact point, source record and search words — measured on 5,000 rows and extrapolated.
Target: 1 M rows in ≤ 10 minutes on each database.
"""

from __future__ import annotations

import argparse
import json
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=5000)
    parser.add_argument("--child", nargs=2, metavar=("DATABASE_URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.baseline_rows)
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
