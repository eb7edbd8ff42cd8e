"""Concurrent booking against a running server on PostgreSQL, with pgbench as the machine's reference.

    uv run python bench/booking.py [--clients 16] [--seconds 30] [--workers 3]

Starts gunicorn on the benchmark database (bench/_setup.py builds it if needed), creates an API
token and 300 persons, then N client threads book, through POST /api/v1/appointments/, slots they
all compete for (the free slots of 20 agendas on one day, far fewer than the attempts). It prints
bookings per second, attempts per second, p50/p95 latency, the 409 answers, and the double
bookings found afterwards by an SQL self-join (must be 0). In the same run, pgbench's TPC-B-like
figure on a scratch database tells what this machine's PostgreSQL does on its own.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from _setup import ROOT, build_world, recreate_database, setup_django


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pgbench_tps(seconds: int = 15) -> float:
    env = {**os.environ, "PGHOST": "127.0.0.1", "PGUSER": "postgres"}
    subprocess.run(
        ["psql", "-q", "-c", "DROP DATABASE IF EXISTS relais_pgbench WITH (FORCE)"], env=env, check=True, capture_output=True
    )
    subprocess.run(["psql", "-q", "-c", "CREATE DATABASE relais_pgbench"], env=env, check=True, capture_output=True)
    subprocess.run(["pgbench", "-i", "-q", "-s", "10", "relais_pgbench"], env=env, check=True, capture_output=True)
    result = subprocess.run(
        ["pgbench", "-c", "8", "-j", "2", "-T", str(seconds), "relais_pgbench"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    return float(match.group(1)) if match else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    setup_django()
    import datetime as dt

    from django.db import connection

    from relais.api.services import api_token_create
    from relais.appointments.calendar import is_holiday
    from relais.appointments.models import Agenda, FreeSlot
    from relais.people.models import Person, PersonOrganisation
    from relais.people.services import person_search_fields
    from relais.territory.models import Organisation

    if args.rebuild or not Agenda.objects.exists():
        connection.close()
        recreate_database()
        print("set-up:", build_world())
    organisation = Organisation.objects.get(code="92")
    _, token = api_token_create(organisation=organisation, name=f"bench-{uuid.uuid4().hex[:8]}")
    persons = [Person(birth_name=f"Charge{i}", first_names="Test") for i in range(300)]
    for person in persons:
        person_search_fields(person)
    Person.objects.bulk_create(persons)
    PersonOrganisation.objects.bulk_create([PersonOrganisation(person=p, organisation=organisation) for p in persons])
    person_ids = [str(p.public_id) for p in persons]
    # The contested slots: every free slot of 20 agendas on one working day some weeks ahead.
    day = dt.date.today() + dt.timedelta(days=40)
    while day.weekday() >= 5 or is_holiday(day):
        day += dt.timedelta(days=1)
    agendas = list(Agenda.objects.order_by("pk")[:20])
    candidates = [
        {"motive": str(motive_id), "agenda": str(agenda_id), "start": start.isoformat()}
        for motive_id, agenda_id, start in FreeSlot.objects.filter(agenda__in=agendas, start__date=day).values_list(
            "motive__public_id", "agenda__public_id", "start"
        )
    ]
    connection.close()

    port = free_port()
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1", "API_THROTTLE_RATE": "1000000/hour", "LOG_LEVEL": "ERROR"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "relais.config.wsgi", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        results: list[tuple[int, float]] = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds

        def client(seed: int) -> None:
            rng = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            while time.monotonic() < deadline:
                body = {**rng.choice(candidates), "person": rng.choice(person_ids)}
                began = time.perf_counter()
                conn.request("POST", "/api/v1/appointments/", json.dumps(body), {**headers, "Idempotency-Key": uuid.uuid4().hex})
                response = conn.getresponse()
                response.read()
                with lock:
                    results.append((response.status, (time.perf_counter() - began) * 1000))

        threads = [threading.Thread(target=client, args=(seed,)) for seed in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    setup_django()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM appointments_appointment a JOIN appointments_appointment b
              ON a.agenda_id = b.agenda_id AND a.id < b.id
             AND a.start < b.blocked_until AND b.start < a.blocked_until
             WHERE a.status IN ('held', 'booked', 'honoured', 'no_show') AND b.status IN ('held', 'booked', 'honoured', 'no_show')
            """
        )
        doubles = cursor.fetchone()[0]
    booked = sum(1 for code, _ in results if code == 201)
    taken = sum(1 for code, _ in results if code == 409)
    others = len(results) - booked - taken
    latencies = sorted(ms for _, ms in results)
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    print(f"{args.clients} clients, {args.workers} gunicorn workers, {elapsed:.0f} s, {len(candidates)} contested slots")
    print(
        f"attempts {len(results)} ({len(results) / elapsed:.1f}/s): booked {booked} ({booked / elapsed:.1f}/s), 409 taken {taken}, other {others}"
    )
    print(f"latency p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms")
    print(f"double bookings found by SQL: {doubles}")
    print(f"reference — pgbench TPC-B-like, 8 clients, scale 10: {pgbench_tps():.0f} tps")
    if doubles:
        raise SystemExit("double bookings found")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
