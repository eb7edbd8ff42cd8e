"""The `relais` console script: Django's management commands under one name.

`relais create-api-token …` and `relais create_api_token …` are the same command: hyphens in the
command name are accepted because that is how the product's public interface spells them.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.config.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    if len(argv) > 1 and argv[1] == "demo":
        _use_demo_database(argv[2:])
    execute_from_command_line(argv)


def _use_demo_database(options: list[str]) -> None:
    """The demo always runs on its own SQLite file, whatever DATABASE_URL says, and its worker too.

    Links in e-mails and SMS are built from SITE_URL, read once when the settings load: it must name
    the demo's port before that, here, and the environment carries it to the worker the demo starts.
    An explicit SITE_URL still wins (a demo served behind a proxy)."""
    import argparse
    from pathlib import Path

    var_dir = Path(os.environ.get("RELAIS_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir / 'demo.sqlite3'}"
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--port", default="8000")
    port = parser.parse_known_args(options)[0].port
    if port.isdigit():  # anything else is refused by the demo command itself, in French
        os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{port}")


if __name__ == "__main__":
    main()
