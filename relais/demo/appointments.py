"""The demo's appointments: motives, agendas with openings, three weeks of past appointments with
their outcome, three weeks to come, partners' visio-guichet slots booked from France services
points, an RSA information meeting and a childminders' training day (capacity 12)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from relais.appointments.availability import refresh_whole_agenda
from relais.appointments.models import Agenda, AgendaWindow, Appointment, AppointmentEvent, Motive, OpeningPeriod, Participant
from relais.appointments.services import agenda_rebuild_windows
from relais.appointments.visio import JitsiProvider
from relais.core.calendar import PARIS, is_holiday
from relais.demo.population import DemoPerson
from relais.demo.world import World
from relais.people.models import PersonOrganisation

# service, name, minutes, channel, bookable by, collective capacity (0 = individual), instructions
MOTIVES = [
    ("78-ACCUEIL", "Information et aide aux démarches", 30, "on_site", "public", 0, "Munissez-vous d'une pièce d'identité et de vos courriers récents."),
    ("92-ACCUEIL", "Information et aide aux démarches", 30, "on_site", "public", 0, "Munissez-vous d'une pièce d'identité et de vos courriers récents."),
    ("92-PMI", "Consultation nourrisson", 30, "on_site", "agents", 0, "Apportez le carnet de santé de l'enfant."),
    ("92-PMI", "Consultation prénatale", 45, "on_site", "agents", 0, ""),
    ("92-PMI", "Formation des assistantes maternelles", 420, "on_site", "agents", 12, "Journée de formation obligatoire : repas tiré du sac."),
    ("78-INSERTION", "Premier rendez-vous RSA", 60, "on_site", "agents_and_partners", 0, "Apportez votre notification de droits CAF."),
    ("78-INSERTION", "Réunion d'information RSA", 120, "on_site", "public", 20, "Présentation de vos droits et devoirs, et des aides au retour à l'emploi."),
    ("92-INSERTION", "Entretien d'orientation RSA", 45, "on_site", "agents", 0, ""),
    ("92-INSERTION", "Job dating", 180, "on_site", "agents", 40, "Des employeurs qui recrutent reçoivent les candidats : apportez plusieurs CV."),
    ("92-AUTONOMIE", "Évaluation APA à domicile", 60, "home", "agents", 0, "Une évaluatrice se rendra à votre domicile."),
    ("EPI-ADOPTION", "Réunion d'information adoption", 150, "on_site", "public", 25, "Réunion préalable à toute demande d'agrément."),
    ("CAF92-PRESTATIONS", "Visio-guichet CAF", 30, "visio", "agents_and_partners", 0, "Le médiateur vous installe ; préparez vos identifiants CAF."),
    ("CPAM78-DROITS", "Visio-guichet CPAM", 20, "visio", "agents_and_partners", 0, "Munissez-vous de votre carte Vitale."),
    ("FTIDF-ACCOMPAGNEMENT", "Visio-guichet France Travail", 30, "visio", "agents_and_partners", 0, "Préparez votre identifiant France Travail."),
]  # fmt: skip

# agent login (world.agents key) or counter name, service, site key, weekdays, ranges, motive names
AGENDAS = [
    ("accueil92", "92-ACCUEIL", "92-CHATENAY", [0, 1, 2, 3, 4], [(9, 12), (14, 17)], ["Information et aide aux démarches"]),
    ("accueil92.b", "92-ACCUEIL", "92-VLG", [0, 1, 3, 4], [(9, 12), (14, 16)], ["Information et aide aux démarches"]),
    ("accueil78", "78-ACCUEIL", "78-CENTRE", [0, 1, 2, 3, 4], [(9, 12), (13, 16)], ["Information et aide aux démarches"]),
    ("Accueil France services des Mureaux", "78-ACCUEIL", "78-FS-MUREAUX", [1, 3], [(9, 12)], ["Information et aide aux démarches"]),
    ("pmi92", "92-PMI", "92-PMI-GENNEVILLIERS", [0, 1, 3], [(9, 12), (14, 17)], ["Consultation nourrisson", "Consultation prénatale", "Formation des assistantes maternelles"]),
    ("pmi92.b", "92-PMI", "92-CHATENAY", [2, 4], [(9, 12)], ["Consultation nourrisson"]),
    ("insertion78", "78-INSERTION", "78-CENTRE", [0, 1, 2, 3], [(9, 12), (14, 17)], ["Premier rendez-vous RSA", "Réunion d'information RSA"]),
    ("insertion92", "92-INSERTION", "92-VLG", [0, 2, 4], [(9, 12), (14, 17)], ["Entretien d'orientation RSA", "Job dating"]),
    ("autonomie92", "92-AUTONOMIE", "92-HQ", [1, 2, 3], [(9, 12), (14, 17)], ["Évaluation APA à domicile"]),
    ("adoption", "EPI-ADOPTION", "EPI-ADOPTION", [1, 3], [(9, 12), (14, 17)], ["Réunion d'information adoption"]),
    ("caf92", "CAF92-PRESTATIONS", "CAF92-NANTERRE", [1, 3], [(9, 12), (14, 17)], ["Visio-guichet CAF"]),
    ("caf92.b", "CAF92-PRESTATIONS", "CAF92-NANTERRE", [0, 4], [(14, 17)], ["Visio-guichet CAF"]),
    ("cpam78", "CPAM78-DROITS", "CPAM78-VERSAILLES", [0, 2], [(9, 12)], ["Visio-guichet CPAM"]),
    ("francetravail", "FTIDF-ACCOMPAGNEMENT", "FTIDF-BOULOGNE", [1, 4], [(14, 17)], ["Visio-guichet France Travail"]),
]  # fmt: skip

SERVICE_POINTS = {"78": ["78-FS-MUREAUX", "78-FS-RAMBOUILLET", "78-RSP-HOUDAN", "78-RSP-BONNIERES"], "92": ["92-FS-CLICHY"]}


@dataclass
class _Booked:
    appointment: Appointment
    persons: list[DemoPerson]


def build_appointments(rng: random.Random, world: World, people: list[DemoPerson]) -> dict[str, int]:
    today = timezone.localdate()
    motives: dict[tuple[str, str], Motive] = {}
    for service_code, name, minutes, channel, bookable, capacity, instructions in MOTIVES:
        motives[(service_code, name)] = Motive.objects.create(
            service=world.services[service_code], name=name, duration_minutes=minutes, channel=channel, bookable_by=bookable,
            is_collective=capacity > 0, default_capacity=max(capacity, 1), instructions=instructions,
            min_booking_delay_minutes=120, max_booking_delay_days=90, buffer_minutes=10 if channel == "home" else 0,
        )  # fmt: skip
    agendas: list[tuple[Agenda, list[Motive], list[int], list[tuple[int, int]]]] = []
    for owner, service_code, site_key, weekdays, ranges, motive_names in AGENDAS:
        service, site = world.services[service_code], world.sites[site_key]
        agent = world.agents.get(owner)
        agenda = Agenda.objects.create(
            kind=Agenda.Kind.AGENT if agent else Agenda.Kind.COUNTER, name=str(agent) if agent else owner,
            organisation=site.organisation, service=service, agent=agent, site=site,
        )  # fmt: skip
        agenda_motives = [motives[(service_code, name)] for name in motive_names]
        for start_hour, end_hour in ranges:
            opening = OpeningPeriod.objects.create(
                agenda=agenda, site=site, weekdays=weekdays, start_time=dt.time(start_hour), end_time=dt.time(end_hour),
                valid_from=today - dt.timedelta(days=60),
            )  # fmt: skip
            opening.motives.set([m for m in agenda_motives if not m.is_collective])
            collective = [m for m in agenda_motives if m.is_collective]
            if collective:
                opening.motives.add(*collective)
        agenda_rebuild_windows(agenda, today=today)
        agendas.append((agenda, agenda_motives, weekdays, ranges))

    by_department: dict[str, list[DemoPerson]] = {"78": [], "92": []}
    for entry in people:
        if entry.age >= 18:
            by_department[entry.department].append(entry)
    booked: list[_Booked] = []
    now = timezone.now()
    visio = JitsiProvider()
    for agenda, agenda_motives, weekdays, ranges in agendas:
        individual = [m for m in agenda_motives if not m.is_collective]
        if not individual:
            continue
        department = "78" if agenda.organisation.code in ("78", "CPAM78") else "92"
        for offset in range(-21, 22):
            day = today + dt.timedelta(days=offset)
            if day.weekday() not in weekdays or is_holiday(day):
                continue
            fill = 0.75 if offset < 0 else max(0.15, 0.65 - offset * 0.025)
            for start_hour, end_hour in ranges:
                cursor = dt.datetime.combine(day, dt.time(start_hour), PARIS)
                closing = dt.datetime.combine(day, dt.time(end_hour), PARIS)
                while True:
                    motive = rng.choice(individual)
                    end = cursor + dt.timedelta(minutes=motive.duration_minutes)
                    if end > closing:
                        break
                    if rng.random() < fill and (offset < 0 or cursor > now + dt.timedelta(hours=2)):
                        person = rng.choice(by_department[department])
                        appointment = Appointment(
                            motive=motive, agenda=agenda, site=agenda.site, start=cursor, end=end,
                            blocked_until=end + dt.timedelta(minutes=motive.buffer_minutes), booked_by=agenda.agent,
                        )  # fmt: skip
                        if motive.is_visio:
                            appointment.visio_url = visio.meeting_url(appointment)
                            appointment.booked_from_site = world.sites[rng.choice(SERVICE_POINTS[department])]
                            appointment.booked_by = world.agents["mediateur78" if department == "78" else "mediateur92"]
                        if cursor < now:
                            appointment.status = rng.choices(
                                ["honoured", "no_show", "cancelled_by_person", "cancelled_by_agency"], [80, 9, 8, 3]
                            )[0]
                            if appointment.status.startswith("cancelled"):
                                appointment.cancel_reason = (
                                    "Empêchement" if appointment.status == "cancelled_by_person" else "Absence de l'agent"
                                )
                        else:
                            appointment.booked_online = motive.bookable_by == "public" and rng.random() < 0.4
                        booked.append(_Booked(appointment, [person]))
                    cursor = end + dt.timedelta(minutes=motive.buffer_minutes)

    # Collective sessions: an RSA information meeting next week, a childminders' training day in two weeks.
    sessions = [
        (motives[("78-INSERTION", "Réunion d'information RSA")], "insertion78", 7, 14, 20, 12, by_department["78"]),
        (motives[("92-PMI", "Formation des assistantes maternelles")], "pmi92", 14, 9, 12, 15, by_department["92"]),
    ]
    agenda_of = {agenda.agent_id: agenda for agenda, *_ in agendas if agenda.agent_id}
    session_rows = []
    for motive, login, days_ahead, hour, capacity, registrations, pool in sessions:
        agenda = agenda_of[world.agents[login].pk]
        day = today + dt.timedelta(days=days_ahead)
        while day.weekday() not in (0, 1, 3) or is_holiday(day):
            day += dt.timedelta(days=1)
        start = dt.datetime.combine(day, dt.time(hour), PARIS)
        end = start + dt.timedelta(minutes=motive.duration_minutes)
        # Free the agenda for the session: drop individual bookings that would overlap it.
        booked = [
            b
            for b in booked
            if not (b.appointment.agenda == agenda and b.appointment.start < end and b.appointment.blocked_until > start)
        ]
        session = Appointment(
            motive=motive, agenda=agenda, site=agenda.site, start=start, end=end, blocked_until=end, capacity=capacity,
            title=motive.name, booked_by=agenda.agent,
        )  # fmt: skip
        session_rows.append((session, rng.sample(pool, registrations)))

    Appointment.objects.bulk_create([b.appointment for b in booked] + [s for s, _ in session_rows], batch_size=1000)
    participants = [Participant(appointment=b.appointment, person=p.person) for b in booked for p in b.persons]
    for session, registered in session_rows:
        for index, entry in enumerate(registered, start=1):
            seat = index if index <= session.capacity else None
            participants.append(
                Participant(
                    appointment=session,
                    person=entry.person,
                    capacity=session.capacity,
                    seat=seat,
                    status="registered" if seat else "waiting",
                )
            )
    Participant.objects.bulk_create(participants, batch_size=2000)
    links = {(entry.person.pk, b.appointment.agenda.organisation_id) for b in booked for entry in b.persons}
    links |= {
        (person.person.pk, b.appointment.booked_from_site.organisation_id)
        for b in booked
        if b.appointment.booked_from_site
        for person in b.persons
    }
    PersonOrganisation.objects.bulk_create(
        [PersonOrganisation(person_id=person_id, organisation_id=org_id) for person_id, org_id in links],
        ignore_conflicts=True,
        batch_size=2000,
    )
    # The appointments were written in bulk: recompute each agenda's availability once.
    horizon = today + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS)
    for agenda, *_ in agendas:
        refresh_whole_agenda(agenda, today, horizon)
    AppointmentEvent.objects.bulk_create(
        [
            AppointmentEvent(
                appointment=b.appointment, kind="booked", actor_label=str(b.appointment.booked_by or "Usager (en ligne)")
            )
            for b in booked
        ],
        batch_size=2000,
    )
    return {"appointments": len(booked), "sessions": len(session_rows), "windows": AgendaWindow.objects.count()}
