"""The `relais` command line as an IT team meets it: an unmigrated database, the demo's database."""

import os
import signal
import subprocess
import sys
import time

import pytest


def _relais(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "relais.cli", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow  # a fresh Python process with Django: seconds of start-up
def test_a_command_on_an_unmigrated_database_says_so_in_french(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}", "RELAIS_VAR_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = _relais("create-api-token", "--organisation", "92", "--name", "logiciel RSA", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"La base de données « {tmp_path / 'fresh.sqlite3'} » n'est pas prête" in result.stderr
    assert "Lancez d'abord « relais migrate »" in result.stderr

    # --demo runs the same command on the demonstration's database instead.
    result = _relais("create-api-token", "--demo", "--organisation", "92", "--name", "logiciel RSA", env=env)
    assert result.returncode == 1 and f"« {tmp_path / 'demo.sqlite3'} » n'est pas prête" in result.stderr


def test_the_demos_worker_dies_with_the_demo_even_when_the_demo_is_killed(tmp_path):
    pid_file = tmp_path / "worker.pid"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            "from relais.core.processes import die_with_parent\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], preexec_fn=die_with_parent)\n"
            f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
            "time.sleep(60)\n",
        ]
    )
    deadline = time.monotonic() + 20
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    worker = int(pid_file.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{worker}/status", encoding="utf-8") as status:
                if "\nState:\tZ" in status.read():
                    break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        os.kill(worker, signal.SIGKILL)
        raise AssertionError("the worker outlived a demo killed outright")
