"""`relais demo` end to end, as a newcomer runs it: a subprocess on its own SQLite file."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow


def _relais(*args, env, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "relais.cli", *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def demo_env(tmp_path):
    env = {**os.environ, "RELAIS_VAR_DIR": str(tmp_path), "DATABASE_URL": "postgres://ignored@nowhere/ignored"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def test_demo_sets_up_once_prints_logins_and_is_idempotent(demo_env, tmp_path):
    first = _relais("demo", "--no-serve", env=demo_env)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "demo.sqlite3").exists()  # whatever DATABASE_URL says
    assert "usagers et 20000 échanges créés" in first.stdout and "réunions collectives" in first.stdout
    assert "accueil92@hauts-de-seine.fr" in first.stdout and "relais-demo-2026" in first.stdout
    second = _relais("demo", "--no-serve", env=demo_env)
    assert second.returncode == 0 and "déjà présentes" in second.stdout
    reset = _relais("demo", "--reset", "--no-serve", env=demo_env)
    assert reset.returncode == 0 and "effacée" in reset.stdout and "créés" in reset.stdout


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            return "\nState:\tZ" not in status.read()
    except FileNotFoundError:
        return False


def test_demo_serves_the_login_page_and_the_api_and_stops_its_worker_on_a_signal(demo_env, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    output = tmp_path / "demo.log"
    with output.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "relais.cli", "demo", "--port", str(port)], env=demo_env, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + 300  # the demo loads its world first: slow on a busy machine
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/compte/connexion/", timeout=2) as response:
                    assert response.status == 200 and "Connexion à Relais" in response.read().decode()
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(1)
        # The printed API example works as printed.
        lines = output.read_text(encoding="utf-8").splitlines()
        token = lines[lines.index(next(line for line in lines if line.startswith("Jeton d'API"))) + 1].strip()
        assert f"http://127.0.0.1:{port}/api/v1/persons/?q=martin" in output.read_text(encoding="utf-8")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/persons/?q=martin", headers={"Authorization": f"Token {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — a local http URL
            assert response.status == 200 and b'"count"' in response.read()
        with open(f"/proc/{server.pid}/task/{server.pid}/children", encoding="utf-8") as children:
            (worker,) = [int(pid) for pid in children.read().split()]
        assert _alive(worker)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        deadline = time.monotonic() + 15
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker), "the demo's worker outlived the demo"
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=20)


def test_the_demo_on_another_port_sends_links_to_that_port(demo_env, tmp_path):
    demo_env.pop("SITE_URL", None)
    run = _relais("demo", "--no-serve", "--port", "8765", env=demo_env)
    assert run.returncode == 0, run.stderr
    assert "Liens des e-mails et SMS : http://127.0.0.1:8765/" in run.stdout
    # The worker the demo starts gets its environment: the same SITE_URL, read by the same settings.
    probe = subprocess.run(
        [sys.executable, "-c", "import os; from relais.cli import _use_demo_database; _use_demo_database(['--port=9001']);"
         "from django.conf import settings; os.environ['DJANGO_SETTINGS_MODULE'] = 'relais.config.settings'; print(settings.SITE_URL)"],
        env=demo_env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert probe.stdout.strip() == "http://127.0.0.1:9001"
