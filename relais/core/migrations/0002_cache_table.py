"""The table of the shared cache (rate limits, API throttles): created by `migrate`, so that the
demo, the tests and a new server have it without a separate `createcachetable` step. Created even
when REDIS_URL points the cache elsewhere, so that dropping Redis later needs nothing more."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "relais_cache"  # relais.core.cache.CACHE_TABLE, copied: a migration does not follow later renames


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
