"""Outside DEBUG, Relais refuses the repository's public SECRET_KEY; the demo makes its own."""

import os
import subprocess
import sys

_LOAD_SETTINGS = "from django.conf import settings; print(settings.SECRET_KEY)"


def _python(code, env):
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False)


def _env(tmp_path, **values):
    env = {**os.environ, "RELAIS_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "relais.config.settings", **values}
    for name in ("SECRET_KEY", "DEBUG"):
        if name not in values:
            env.pop(name, None)
    return env


def test_production_settings_refuse_the_public_default_key(tmp_path):
    result = _python(_LOAD_SETTINGS, _env(tmp_path))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Définissez la variable d'environnement SECRET_KEY" in result.stderr

    assert _python(_LOAD_SETTINGS, _env(tmp_path, SECRET_KEY="")).returncode != 0
    assert _python(_LOAD_SETTINGS, _env(tmp_path, SECRET_KEY="une-vraie-cle-longue-et-secrete")).returncode == 0
    assert _python(_LOAD_SETTINGS, _env(tmp_path, DEBUG="true")).returncode == 0  # a developer's machine


def test_the_demo_makes_its_own_key_once_and_keeps_it(tmp_path):
    code = "from relais.cli import _use_demo_database; _use_demo_database([]); " + _LOAD_SETTINGS
    first = _python(code, _env(tmp_path))
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "demo-secret-key").read_text().strip()
    assert first.stdout.strip() == key and len(key) > 40
    assert "django-insecure" not in key
    second = _python(code, _env(tmp_path))
    assert second.stdout.strip() == key  # sessions and links survive a restart of the demo
