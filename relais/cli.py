"""The `relais` console script: Django's management commands under one name.

`relais create-api-token …` and `relais create_api_token …` are the same command: hyphens in the
command name are accepted because that is how the product's public interface spells them.
`--demo` after any command runs it on the demonstration's database (`var/demo.sqlite3`), the one
`relais demo` serves.
"""

import os
import sys
from pathlib import Path

# Commands that build or inspect the schema themselves: an unmigrated database is not their error.
_SCHEMA_COMMANDS = {"migrate", "makemigrations", "showmigrations", "sqlmigrate", "squashmigrations", "demo", "test"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.config.settings")
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    command = argv[1] if len(argv) > 1 else ""
    if command == "demo" or "--demo" in argv[2:]:
        argv = [arg for arg in argv if arg != "--demo"] if command != "demo" else argv
        _use_demo_database(argv[2:] if command == "demo" else [])
    try:
        execute_from_command_line(argv)
    except DatabaseError:
        if command in _SCHEMA_COMMANDS or not (missing := _unmigrated_database()):
            raise
        sys.stderr.write(missing + "\n")
        sys.exit(1)


def _use_demo_database(options: list[str]) -> None:
    """The demo always runs on its own SQLite file, whatever DATABASE_URL says, and its worker too.

    Links in e-mails and SMS are built from SITE_URL, read once when the settings load: it must name
    the demo's port before that, here, and the environment carries it to the worker the demo starts.
    An explicit SITE_URL still wins (a demo served behind a proxy)."""
    import argparse

    var_dir = Path(os.environ.get("RELAIS_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir / 'demo.sqlite3'}"
    os.environ.setdefault("SECRET_KEY", _demo_secret_key(var_dir))
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--port", default="8000")
    port = parser.parse_known_args(options)[0].port
    if port.isdigit():  # anything else is refused by the demo command itself, in French
        os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{port}")


def _demo_secret_key(var_dir: Path) -> str:
    """The demo's own random key, made once and kept in its var dir: its sessions and links survive
    a restart, and no two clones share a key (the settings refuse the public one outside DEBUG)."""
    import secrets

    path = var_dir / "demo-secret-key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
    key = path.read_text(encoding="utf-8").strip()
    if not key:  # an empty file (interrupted first run): make a new key
        key = secrets.token_urlsafe(50)
        path.write_text(key, encoding="utf-8")
    return key


def _unmigrated_database() -> str:
    """In French, why a command failed when the database lacks tables or migrations; "" when it
    does not (then the error is something else, and its traceback is worth showing)."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return ""
    if not pending:
        return ""
    from relais.core.wording import count_of

    name = connection.settings_dict.get("NAME")
    return (
        f"La base de données « {name} » n'est pas prête : {count_of(len(pending), 'migration')} à appliquer. "
        "Lancez d'abord « relais migrate » — ou, pour la démonstration, ajoutez --demo à la commande "
        "(la base de « relais demo »)."
    )


if __name__ == "__main__":
    main()
