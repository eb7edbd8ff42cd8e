"""The real worker killed outright (SIGKILL) six times, each time while a real SMTP server holds the
message it is sending: every message is still delivered, none is left queued, sending or running.
The worker runs as a subprocess on the test's database (a copy of it on SQLite, whose test
database lives in memory)."""

import asyncio
import email
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from relais.notifications.services import message_queue_email
from tests.conftest import _free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class HoldingInbox:
    """Receives every message; the first time it receives one whose subject is in `hold`, it does
    not answer, as a stuck SMTP server would: the worker is left in the middle of sending it."""

    def __init__(self, hold: list[str]) -> None:
        self.hold = set(hold)
        self.received: list[tuple[str, str]] = []  # (subject, Message-ID)
        self.held: list[str] = []
        self.released = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        parsed = email.message_from_bytes(envelope.content)
        subject = str(parsed["Subject"])
        self.received.append((subject, str(parsed["Message-ID"])))
        if subject in self.hold:
            self.hold.discard(subject)
            self.held.append(subject)
            while not self.released.is_set():
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


def _database_url(tmp_path: Path) -> str:
    """A URL the worker subprocess can open, holding what the test has committed."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        path = tmp_path / "worker.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(path)
        connection.connection.backup(copy)
        copy.close()
        return f"sqlite:///{path}"
    credentials = quote(settings["USER"]) + (f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else "")
    return f"postgres://{credentials}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "relais.cli", "worker", "--batch", "--interval", "0.1", "--skip-checks"],
            env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _wait_until(condition, worker: subprocess.Popen, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 120
    while not condition():
        assert worker.poll() is None, f"the worker stopped on its own:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"the worker never got there:\n{log.read_text()}"
        time.sleep(0.05)


_READ_BACK = """
import json, django
django.setup()
from django_tasks_db.models import DBTaskResult
from relais.notifications.models import OutgoingMessage
print(json.dumps({
    "messages": {m.subject: [m.status, m.attempts] for m in OutgoingMessage.objects.all()},
    "unfinished_tasks": DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count(),
}))
"""


def test_every_message_is_delivered_though_the_worker_is_killed_six_times_mid_send(tmp_path):
    subjects = [f"Message {number:02d}" for number in range(12)]
    held = subjects[1::2]  # the worker is killed while sending each of these
    for subject in subjects:
        message_queue_email(
            recipient="elodie.martin@example.fr", subject=subject, body="Bonjour", kind="appointment_confirmation"
        )

    inbox = HoldingInbox(hold=held)
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(tmp_path),
        "EMAIL_URL": f"smtp://127.0.0.1:{controller.port}",
        "RELAIS_VAR_DIR": str(tmp_path),
    }
    try:
        for kill in range(len(held)):
            log = tmp_path / f"worker-{kill}.log"
            worker = _start_worker(env, log)
            _wait_until(lambda: len(inbox.held) > kill, worker, log)  # noqa: B023 - used at once
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        log = tmp_path / "worker-last.log"
        last = _start_worker(env, log)  # --batch: sends what is left, then stops
        assert last.wait(timeout=180) == 0, log.read_text()
    finally:
        inbox.released.set()
        controller.stop()

    read_back = subprocess.run(
        [sys.executable, "-c", _READ_BACK], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    state = json.loads(read_back.stdout.strip().splitlines()[-1])
    assert state["messages"] == {subject: ["sent", 2 if subject in held else 1] for subject in subjects}
    assert state["unfinished_tasks"] == 0
    # At least once: a message held when its worker was killed arrived twice, under one Message-ID,
    # so the recipient's server can tell the copy; every other message arrived once.
    copies: dict[str, set[str]] = {}
    for subject, message_id in inbox.received:
        copies.setdefault(subject, set()).add(message_id)
    assert sorted(subject for subject, _ in inbox.received) == sorted(subjects + held)
    assert all(len(message_ids) == 1 for message_ids in copies.values())
