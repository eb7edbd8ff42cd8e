"""Shared set-up for the appointment benchmarks: a département-sized world on PostgreSQL.

200 agendas over 20 sites, each open Monday to Friday 9:00–12:00 and 13:30–17:00 for five motives,
six months of precomputed windows, and a realistic load of existing appointments (busier in the
coming weeks, lighter further away). Built in its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/relais_bench), dropped and recreated by `--rebuild`.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/relais_bench"


def setup_django(url: str | None = None) -> None:
    os.environ["DATABASE_URL"] = url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))  # the public default is refused
    os.environ.setdefault("SMS_BACKEND", "relais.notifications.sms.ConsoleSmsBackend")
    import django

    django.setup()


def recreate_database() -> None:
    import psycopg
    from django.conf import settings

    name = settings.DATABASES["default"]["NAME"]
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def build_world(*, agendas: int = 200, sites: int = 20, seed: int = 7) -> dict:
    """Create the set-up; returns what the benchmarks need (motive ids, site ids, commune codes)."""
    from django.core.management import call_command
    from django.db import connection

    from relais.appointments.calendar import PARIS, is_holiday
    from relais.appointments.models import Agenda, Appointment, Motive, OpeningPeriod
    from relais.appointments.services import agenda_rebuild_windows
    from relais.territory.models import Agent, Commune, Organisation, Service, Site

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    rng = random.Random(seed)
    organisation = Organisation.objects.create(code="92", name="Département des Hauts-de-Seine", kind="departement")
    service = Service.objects.create(code="92-SOLIDARITES", name="Solidarités")
    service.organisations.add(organisation)
    communes = list(Commune.objects.filter(department="92").order_by("-population")[:sites])
    site_objects = [
        Site.objects.create(
            organisation=organisation, name=f"Espace des solidarités de {c.name}", kind="social_centre", commune=c
        )
        for c in communes
    ]
    motives = [
        Motive.objects.create(
            service=service,
            name=name,
            duration_minutes=minutes,
            bookable_by="public",
            min_booking_delay_minutes=60,
            max_booking_delay_days=183,
        )
        for name, minutes in [
            ("Accueil social", 30),
            ("Ouverture de droits", 45),
            ("Entretien RSA", 60),
            ("Aide au numérique", 20),
            ("Suivi budgétaire", 40),
        ]
    ]
    today = dt.date.today()
    for index in range(agendas):
        site = site_objects[index % len(site_objects)]
        agent = Agent.objects.create(email=f"agent{index}@bench.fr", first_name="Agent", last_name=str(index))
        agenda = Agenda.objects.create(name=f"Agent {index}", organisation=organisation, service=service, agent=agent, site=site)
        chosen = rng.sample(motives, 3)
        for start, end in ((dt.time(9), dt.time(12)), (dt.time(13, 30), dt.time(17))):
            opening = OpeningPeriod.objects.create(
                agenda=agenda,
                site=site,
                weekdays=[0, 1, 2, 3, 4],
                start_time=start,
                end_time=end,
                valid_from=today - dt.timedelta(days=7),
            )
            opening.motives.set(chosen)
        agenda_rebuild_windows(agenda, today=today)
    # Existing appointments: ~70 % of the next two weeks, ~40 % of the following month, ~10 % after.
    rows = []
    for agenda in Agenda.objects.select_related("site").prefetch_related("openings__motives"):
        agenda_motives = list(agenda.openings.all()[0].motives.all())
        for offset in range(1, 183):
            day = today + dt.timedelta(days=offset)
            if day.weekday() >= 5 or is_holiday(day):
                continue
            fill = 0.7 if offset <= 14 else 0.4 if offset <= 45 else 0.1
            for start_time, end_time in ((dt.time(9), dt.time(12)), (dt.time(13, 30), dt.time(17))):
                cursor = dt.datetime.combine(day, start_time, PARIS)
                closing = dt.datetime.combine(day, end_time, PARIS)
                while True:
                    motive = rng.choice(agenda_motives)
                    end = cursor + dt.timedelta(minutes=motive.duration_minutes)
                    if end > closing:
                        break
                    if rng.random() < fill:
                        rows.append(
                            Appointment(motive=motive, agenda=agenda, site=agenda.site, start=cursor, end=end, blocked_until=end)
                        )
                    cursor = end
    Appointment.objects.bulk_create(rows, batch_size=5000)
    # Written in bulk: recompute each agenda's precomputed availability once, as the services would.
    from relais.appointments.availability import refresh_whole_agenda

    for agenda in Agenda.objects.all():
        refresh_whole_agenda(agenda, today, today + dt.timedelta(days=190))
    # What autovacuum does on a live database: clean the bulk rewrites and refresh the statistics.
    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    from relais.appointments.models import AgendaWindow

    return {
        "seconds": round(time.monotonic() - started, 1),
        "agendas": agendas,
        "windows": AgendaWindow.objects.count(),
        "appointments": len(rows),
    }
