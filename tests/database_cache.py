"""The migrated SQLite test database, built once and copied. Migrating an empty in-memory database
takes each pytest process about 11 s, nearly all of it Django rendering the migration states. The
first process to need the database migrates it as usual and saves a copy in the user's cache
(~/.cache/relais/test-databases/, see cache_directory); every other process, in this run, a later
one or another clone of the same code, copies it into its own in-memory database with SQLite's
backup API. The copy's name is a digest of everything the migrated database depends on: every
installed app's migration files, the data files and relais modules the migrations read (and the
relais modules those import), the models (their permissions and names fill the post_migrate
tables) and the Django, SQLite and Python versions. A change to any of them migrates afresh; the
last few states stay. PostgreSQL always migrates. RELAIS_TEST_DB_CACHE=0 turns the copy off.

"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db.backends.sqlite3.creation import DatabaseCreation
from django.db.migrations.loader import MigrationLoader

_RELAIS_MODULE = re.compile(rb"\brelais(?:\.\w+)+")


def _module_file(name: str) -> Path | None:
    """The file of `name`, or of the module that defines it (relais.people.models.SearchWord)."""
    while name:
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is not None and spec.origin:
            return Path(spec.origin)
        name = name.rpartition(".")[0]
    return None


def _digest() -> str:
    relais_dir = Path(settings.BASE_DIR) / "relais"
    digest = hashlib.sha256()
    digest.update(f"{django.__version__} {sqlite3.sqlite_version} {sys.version}".encode())
    loader = MigrationLoader(None, ignore_no_migrations=True)
    sources = {Path(sys.modules[migration.__module__].__file__ or "") for migration in loader.disk_migrations.values()}
    sources.update(path for path in relais_dir.glob("*/data/*") if path.is_file())
    for app_label in sorted(loader.unmigrated_apps):  # tables made from the models themselves (run_syncdb)
        sources.add(Path(apps.get_app_config(app_label).path))
    pending = sorted(sources)
    while pending:  # relais modules a data migration calls, and the modules they import in turn
        source = pending.pop()
        if source.suffix != ".py" or relais_dir not in source.parents:
            continue
        for name in sorted(set(_RELAIS_MODULE.findall(source.read_bytes()))):
            module_file = _module_file(name.decode())
            if module_file is not None and module_file not in sources:
                sources.add(module_file)
                pending.append(module_file)
    base = Path(settings.BASE_DIR)
    for source in sorted(sources):  # named from the checkout: every clone of the same code shares the copy
        digest.update(str(source.relative_to(base) if base in source.parents else source).encode())
        if source.is_file():
            digest.update(source.read_bytes())
        else:  # an unmigrated app: its models
            for path in sorted(source.rglob("*.py")):
                digest.update(path.read_bytes())
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        digest.update(repr((meta.label, meta.db_table, meta.verbose_name, meta.permissions, meta.default_permissions)).encode())
    return digest.hexdigest()[:24]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


KEPT = 5  # saved states of the migrations


def cache_directory() -> Path:
    """Per user, not per checkout, as uv's cache is: a new clone or worktree of the same code copies
    the database an earlier one migrated. RELAIS_TEST_DB_CACHE_DIR chooses another place."""
    if chosen := os.environ.get("RELAIS_TEST_DB_CACHE_DIR"):
        return Path(chosen)
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "relais" / "test-databases"


def install() -> None:
    """Makes SQLite's in-memory test database a copy of the saved migrated one (built if missing)."""
    if os.environ.get("RELAIS_TEST_DB_CACHE") == "0":
        return
    migrate_and_create = DatabaseCreation.create_test_db

    def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        test_database_name = self._get_test_db_name()
        if keepdb or not self.is_in_memory_db(test_database_name):
            return migrate_and_create(self, verbosity, autoclobber, serialize, keepdb)
        directory = cache_directory()
        directory.mkdir(parents=True, exist_ok=True)
        saved = directory / f"{_digest()}.sqlite3"
        with _locked(directory / "lock"):
            if not saved.exists():
                migrate_and_create(self, verbosity, autoclobber, serialize, keepdb)
                partial = saved.with_suffix(".partial")
                partial.unlink(missing_ok=True)
                with closing(sqlite3.connect(partial)) as copy:
                    self.connection.connection.backup(copy)
                partial.replace(saved)
                # Other states of the migrations (other branches, clones, worktrees): the latest few stay.
                for old in sorted(directory.glob("*.sqlite3"), key=lambda path: path.stat().st_mtime)[:-KEPT]:
                    old.unlink()
                return test_database_name
            # As Django's create_test_db, with the migrations' result copied in instead of run.
            self._create_test_db(verbosity, autoclobber, keepdb)
            self.connection.close()
            settings.DATABASES[self.connection.alias]["NAME"] = test_database_name
            self.connection.settings_dict["NAME"] = test_database_name
            self.connection.ensure_connection()
            with closing(sqlite3.connect(f"file:{saved}?mode=ro", uri=True)) as source:
                source.backup(self.connection.connection)
            os.utime(saved)  # used: the last to be removed
        if serialize:
            self.connection._test_serialized_contents = self.serialize_db_to_string()
        call_command("createcachetable", database=self.connection.alias)
        return test_database_name

    DatabaseCreation.create_test_db = create_test_db  # type: ignore[method-assign]
