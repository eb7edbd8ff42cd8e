"""The shared cache in the database: Django's, with an increment that rate limits can count on.

Django's DatabaseCache increments by reading the value and writing it back with the default
timeout: two workers counting at once lose a count, and every count pushes the expiry to five
minutes from now, so an hourly limit forgot its counts after five quiet minutes. Here the row is
locked while it is read and rewritten, and its expiry is left alone, as Redis' INCR does.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now

# The table `migrate` creates (relais/core/migrations/0002_cache_table.py); CACHES names it.
CACHE_TABLE = "relais_cache"


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self._table)  # type: ignore[attr-defined]
        # PostgreSQL: the row stays locked until the transaction ends, so a concurrent count waits
        # for this one. SQLite has no FOR UPDATE; its transactions take the write lock up front
        # (IMMEDIATE, see settings), which serialises the read and the write just the same.
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote_name('value')}, {quote_name('expires')} FROM {table} WHERE {quote_name('cache_key')} = %s{lock}",  # noqa: S608 - names quoted, values bound
                [key],
            )
            row = cursor.fetchone()
            if row is not None:
                expires = row[1]
                expression = models.Expression(output_field=models.DateTimeField())
                for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
                    expires = converter(expires, expression, connection)
            if row is None or expires < tz_now():
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode())) + delta  # noqa: S301 - our own rows
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote_name('value')} = %s WHERE {quote_name('cache_key')} = %s",  # noqa: S608 - names quoted, values bound
                [pickled, key],
            )
        return value
