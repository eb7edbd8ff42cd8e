"""Slot search speed: p50 and p95 of Relais's slot search against a naive recomputation, same run.

    uv run python bench/slots.py [--queries 500] [--rebuild]

On PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/relais_bench), a
département-sized set-up (bench/_setup.py: 200 agendas, six months of openings, ~100 k existing
appointments). Each query asks, for a random motive, a place (a site, a commune — sites within
20 km — or anywhere) and either a one-week range in the next three months or the next available
slots. Relais reads the precomputed windows; the naive baseline expands the opening periods,
absences and holidays of the candidate agendas at each request, as a system without
precomputation does. Target: Relais p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections import defaultdict

from _setup import build_world, recreate_database, setup_django


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def naive_free_slots(motive, start, end, site_ids, now):  # type: ignore[no-untyped-def]
    """No precomputation: expand openings and absences of candidate agendas, then lay slots."""
    from relais.appointments.calendar import PARIS, AbsenceSpan, Opening, free_starts, windows_for
    from relais.appointments.models import Appointment, OpeningPeriod
    from relais.appointments.selectors import Audience, booking_bounds, live_filter

    earliest, latest = booking_bounds(motive, Audience.PUBLIC, now)
    earliest, latest = max(earliest, start), min(latest, end)
    periods = OpeningPeriod.objects.filter(motives=motive, agenda__is_active=True).prefetch_related("agenda__absences")
    if site_ids is not None:
        periods = periods.filter(site_id__in=site_ids)
    by_agenda = defaultdict(list)
    for period in periods:
        by_agenda[period.agenda_id].append(period)
    busy = defaultdict(list)
    for agenda_id, busy_start, busy_end in (
        Appointment.objects.filter(
            live_filter(now),
            agenda_id__in=list(by_agenda),
            start__lt=latest + dt.timedelta(days=1),
            blocked_until__gt=dt.datetime.combine(
                earliest.astimezone(PARIS).date(), dt.time.min, PARIS
            ),  # whole first day: slots align on it
        )
        .order_by("start")
        .values_list("agenda_id", "start", "blocked_until")
    ):
        busy[agenda_id].append((busy_start, busy_end))
    duration = dt.timedelta(minutes=motive.duration_minutes)
    slots = []
    for agenda_id, agenda_periods in by_agenda.items():
        openings = [
            Opening(
                p.pk,
                frozenset(p.weekdays),
                p.start_time,
                p.end_time,
                p.every_n_weeks,
                p.valid_from,
                p.valid_until,
                p.open_on_holidays,
            )
            for p in agenda_periods
        ]
        absences = [AbsenceSpan(a.starts_at, a.ends_at, a.repeat_weekly_until) for a in agenda_periods[0].agenda.absences.all()]
        for _, window_start, window_end in windows_for(openings, absences, earliest.date(), latest.date()):
            slots += [
                (s, agenda_id)
                for s in free_starts(window_start, window_end, busy[agenda_id], duration, dt.timedelta(0), earliest, latest)
            ]
    slots.sort()
    return slots


def naive_next(motive, site_ids, now, count=5):  # type: ignore[no-untyped-def]
    cursor, horizon, found = now, now + dt.timedelta(days=183), []
    while cursor < horizon and len(found) < count:
        found += naive_free_slots(motive, cursor, cursor + dt.timedelta(days=14), site_ids, now)[: count - len(found)]
        cursor += dt.timedelta(days=14)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the benchmark database")
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.utils import timezone

    from relais.appointments.models import Motive
    from relais.appointments.selectors import NEARBY_KM, Audience, free_slots, next_free_slots, sites_near
    from relais.territory.models import Commune, Site

    if args.rebuild or not _has_data():
        connection.close()
        recreate_database()
        info = build_world()
        print(
            f"set-up: {info['agendas']} agendas, {info['windows']} windows, {info['appointments']} appointments in {info['seconds']} s"
        )
    rng = random.Random(2026)
    motives = list(Motive.objects.all())
    sites = list(Site.objects.values_list("pk", flat=True))
    communes = list(Commune.objects.filter(department="92"))
    now = timezone.now()
    queries = []
    for _ in range(args.queries):
        motive = rng.choice(motives)
        place = rng.random()
        if place < 0.5:
            site_ids = [rng.choice(sites)]
        elif place < 0.75:
            site_ids = [site_id for site_id, _ in sites_near(rng.choice(communes), NEARBY_KM)] or None
        else:
            site_ids = None
        if rng.random() < 0.7:
            start = now + dt.timedelta(days=rng.randint(0, 90))
            queries.append(("range", motive, site_ids, start, start + dt.timedelta(days=7)))
        else:
            queries.append(("next", motive, site_ids, None, None))

    def run(label: str, function) -> list[float]:  # type: ignore[no-untyped-def]
        timings = []
        for query in queries:
            began = time.perf_counter()
            function(*query)
            timings.append((time.perf_counter() - began) * 1000)
        print(
            f"{label:<28} p50 {statistics.median(timings):7.1f} ms   p95 {percentile(timings, 0.95):7.1f} ms   max {max(timings):7.1f} ms"
        )
        return timings

    def relais(kind, motive, site_ids, start, end):  # type: ignore[no-untyped-def]
        if kind == "range":
            return free_slots(motive=motive, start=start, end=end, audience=Audience.PUBLIC, site_ids=site_ids, now=now)
        return next_free_slots(motive=motive, audience=Audience.PUBLIC, site_ids=site_ids, now=now)

    def naive(kind, motive, site_ids, start, end):  # type: ignore[no-untyped-def]
        if kind == "range":
            return naive_free_slots(motive, start, end, site_ids, now)
        return naive_next(motive, site_ids, now)

    # Same answers, or the comparison means nothing.
    for query in queries[:20]:
        ours = [(s.start, s.agenda_id) for s in relais(*query)]
        theirs = naive(*query)
        assert ours[:5] == theirs[:5], f"results differ for {query[0]} {query[1]}"
    print(
        f"{len(queries)} queries ({sum(q[0] == 'range' for q in queries)} one-week ranges, {sum(q[0] == 'next' for q in queries)} next-available), PostgreSQL"
    )
    relais_times = run("Relais (precomputed windows)", relais)
    naive_times = run("naive recomputation", naive)
    print(f"speed-up at p95: {percentile(naive_times, 0.95) / percentile(relais_times, 0.95):.1f}×   target p95 ≤ 50 ms: "
          f"{'met' if percentile(relais_times, 0.95) <= 50 else 'NOT met'}")  # fmt: skip


def _has_data() -> bool:
    from django.db.utils import OperationalError, ProgrammingError

    try:
        from relais.appointments.models import Agenda

        return Agenda.objects.count() >= 200
    except (OperationalError, ProgrammingError):
        return False


if __name__ == "__main__":
    main()
