"""Writing many rows fast, for imports and index rebuilds: no model instances, one statement for
all rows (COPY on PostgreSQL, executemany on SQLite). Values must already be database-ready."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence

from django.db import connection, models


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence], *, ignore_conflicts: bool = False
) -> None:
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    rows = list(rows)
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor: COPY streams rows without one statement each
            target = connection.ops.quote_name(table)
            if ignore_conflicts:
                # COPY cannot skip conflicts: copy into a scratch table, then insert what is new.
                raw.execute(f"DROP TABLE IF EXISTS relais_bulk_{table}")
                raw.execute(f"CREATE TEMP TABLE relais_bulk_{table} AS SELECT {quoted} FROM {target} WITH NO DATA")  # noqa: S608
                target = f"relais_bulk_{table}"
            with raw.copy(f"COPY {target} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if ignore_conflicts:
                raw.execute(
                    f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) SELECT {quoted} FROM {target} ON CONFLICT DO NOTHING"  # noqa: S608
                )
            return
        if connection.vendor == "sqlite":
            rows = [tuple(value if type(value) in _PLAIN else _sqlite_value(value) for value in row) for row in rows]
        placeholders = ", ".join(["%s"] * len(columns))
        verb = "INSERT OR IGNORE" if ignore_conflicts else "INSERT"
        sql = f"{verb} INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"
        cursor.executemany(sql, rows)


_PLAIN = (str, int, float, bool, type(None))


def _sqlite_value(value: object) -> object:
    """What Django's SQLite backend stores: UUIDs as 32 hex characters, datetimes in UTC as text."""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for rows about to be inserted raw. On PostgreSQL from the table's sequence; on
    SQLite after the current maximum (the caller holds the write lock: transactions are IMMEDIATE)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a model's table
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def analyze_tables(tables: Sequence[type[models.Model]]) -> None:
    """Refresh the query planner's statistics of tables a bulk load just filled. Without them
    PostgreSQL plans as if the tables were still empty or small (nested loops over what is now
    millions of rows) until autovacuum comes by: person searches ran sixty times slower right after
    an import (docs/benchmarks.md). ANALYZE samples a fixed number of rows, so it takes about the
    same time on a million rows as on a hundred thousand. SQLite gets a sampled ANALYZE too."""
    names = [connection.ops.quote_name(model._meta.db_table) for model in tables]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(names)}")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")  # rows read per index: approximate, fast statistics
            for name in names:
                cursor.execute(f"ANALYZE {name}")
