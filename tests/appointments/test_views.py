import datetime as dt
import html

import icalendar
from django.urls import reverse
from django.utils import timezone

from relais.appointments.models import Appointment
from relais.appointments.services import Actor, appointment_book
from relais.territory.policies import agent_access_scope
from tests.appointments.factories import MotiveFactory


def _book(world, booking, person, hour=9):
    return appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(hour), persons=[person],
        actor=Actor.for_scope(agent_access_scope(world.agent92), booking.motive),
    )  # fmt: skip


def test_agent_books_from_the_person_file_in_three_clicks(world, booking, person92):
    client = world.client_for(world.agent92)
    motives = client.get(reverse("appointments:book_motive", args=[person92.public_id]))
    assert booking.motive in motives.context["own"]  # click 1: the motive
    slots = client.get(reverse("appointments:book_slot", args=[person92.public_id, booking.motive.public_id]))
    slot, agenda, _site = slots.context["days"][0][1][0]  # click 2: the first free slot
    confirm_url = reverse("appointments:book_confirm", args=[person92.public_id, booking.motive.public_id])
    assert client.get(confirm_url, {"start": slot.start.isoformat(), "agenda": agenda.public_id}).status_code == 200
    response = client.post(
        confirm_url, {"start": slot.start.isoformat(), "agenda": agenda.public_id, "notes": "Vient avec sa fille"}
    )  # click 3
    appointment = Appointment.objects.get()
    assert response["Location"] == reverse("appointments:detail", args=[appointment.public_id])
    assert (
        appointment.persons.get() == person92
        and appointment.booked_by == world.agent92
        and appointment.notes == "Vient avec sa fille"
    )
    page = client.get(reverse("people:detail", args=[person92.public_id]))
    assert page.context["upcoming"] == [appointment]
    assert appointment in [entry.item for entry in page.context["timeline"]["items"]]


def test_a_taken_slot_at_confirmation_offers_the_next_ones(world, booking, person92, person78):
    _book(world, booking, person92, hour=9)
    client = world.client_for(world.agent92)
    response = client.post(
        reverse("appointments:book_confirm", args=[person92.public_id, booking.motive.public_id]),
        {"start": booking.at(9).isoformat(), "agenda": booking.agenda.public_id},
    )
    assert response.status_code == 409
    assert response.context["alternatives"][0][0].start == booking.at(9, 30)
    assert Appointment.objects.count() == 1


def test_move_cancel_and_mark_from_the_appointment_page(world, booking, person92):
    appointment = _book(world, booking, person92)
    client = world.client_for(world.agent92)
    page = client.get(reverse("appointments:move", args=[appointment.public_id]))
    page = client.get(reverse("appointments:move", args=[appointment.public_id]), {"du": booking.day.isoformat()})
    slot, agenda, _site = next(rows for day, rows in page.context["days"] if day == booking.day)[2]
    client.post(
        reverse("appointments:move", args=[appointment.public_id]), {"start": slot.start.isoformat(), "agenda": agenda.public_id}
    )
    appointment.refresh_from_db()
    assert appointment.start == slot.start
    response = client.post(reverse("appointments:cancel", args=[appointment.public_id]), {"reason": ""}, follow=True)
    assert "motif de l'annulation" in html.unescape(response.content.decode())
    client.post(reverse("appointments:cancel", args=[appointment.public_id]), {"reason": "Fermeture exceptionnelle"})
    appointment.refresh_from_db()
    assert appointment.status == "cancelled_by_agency" and appointment.cancel_reason == "Fermeture exceptionnelle"


def test_calendar_week_grid_and_table_show_the_agenda(world, booking, person92):
    appointment = _book(world, booking, person92)
    client = world.client_for(world.agent92)
    response = client.get(reverse("appointments:calendar"), {"agenda": booking.agenda.public_id, "date": booking.day.isoformat()})
    shown = [a for column in response.context["columns"] for a in column["appointments"]]
    assert shown == [appointment]
    assert "MARTIN-DUPONT Élodie" in response.content.decode()
    # Placed by classes, not style attributes (Content-Security-Policy): Tuesday's column, 9:00 is the
    # 5th quarter-hour row below the day names, 30 minutes span two rows.
    assert "calendar-grid__item--booked cal-col-3 cal-row-6 cal-span-2" in response.content.decode()
    assert 'class="calendar-grid" ' in response.content.decode()
    day = client.get(
        reverse("appointments:calendar"), {"agenda": booking.agenda.public_id, "date": booking.day.isoformat(), "vue": "jour"}
    )
    assert len(day.context["columns"]) == 1 and 'class="calendar-grid calendar-grid--day"' in day.content.decode()


def test_agents_of_another_departement_do_not_see_the_calendar(world, booking, person92):
    _book(world, booking, person92)
    response = world.client_for(world.agent78).get(
        reverse("appointments:calendar"), {"site": booking.site.pk, "date": booking.day.isoformat()}
    )
    assert [a for column in response.context["columns"] for a in column["appointments"]] == []
    assert (
        world.client_for(world.agent78).get(reverse("appointments:calendar"), {"agenda": booking.agenda.public_id}).status_code
        == 404
    )


def test_openings_and_absences_are_managed_from_the_agenda_page(world, booking):
    client = world.client_for(world.agent92)
    url = reverse("appointments:agenda", args=[booking.agenda.public_id])
    response = client.post(
        url,
        {
            "form": "absence",
            "absence-day": booking.day.strftime("%d/%m/%Y"),
            "absence-start_time": "09:00",
            "absence-end_time": "10:00",
            "absence-reason": "Réunion d'équipe",
        },
    )
    assert response.status_code == 302
    slots = client.get(reverse("appointments:book_slot", args=[_person(world).public_id, booking.motive.public_id])).context[
        "days"
    ]
    day_slots = next(rows for day, rows in slots if day == booking.day)
    assert day_slots[0][0].local_start.hour == 10
    bad = client.post(
        url,
        {
            "form": "opening",
            "opening-motives": [booking.motive.pk],
            "opening-weekdays": ["5"],
            "opening-start_time": "14:00",
            "opening-end_time": "12:00",
            "opening-every_n_weeks": "1",
            "opening-valid_from": "01/01/2026",
        },
    )
    assert "L'heure de fin doit suivre l'heure de début." in bad.content.decode().replace("&#x27;", "'")
    assert world.client_for(world.agent78).get(url).status_code == 404


def _person(world):
    from tests.people.factories import PersonFactory

    return PersonFactory(organisations=[world.org92])


def test_private_feed_lists_appointments_without_names_and_can_be_revoked(world, booking, person92, client):
    _book(world, booking, person92)
    agent = world.client_for(world.agent92)
    agent.post(reverse("appointments:feed_token", args=[booking.agenda.public_id]))
    booking.agenda.refresh_from_db()
    feed = client.get(reverse("appointments:feed", args=[booking.agenda.feed_token]))
    calendar = icalendar.Calendar.from_ical(feed.content)
    [event] = calendar.walk("VEVENT")
    assert (
        str(event["summary"]) == "Information RSA"
        and "Lefèvre" not in feed.content.decode()
        and "MARTIN" not in feed.content.decode()
    )
    token = booking.agenda.feed_token
    agent.post(reverse("appointments:feed_token", args=[booking.agenda.public_id]), {"action": "revoke"})
    assert client.get(reverse("appointments:feed", args=[token])).status_code == 404


def test_indicators_count_by_motive_with_no_show_rate(world, booking, person92, person78):
    from relais.appointments.services import appointment_set_outcome

    first = _book(world, booking, person92, hour=9)
    second = _book(world, booking, person92, hour=10)
    actor = Actor.for_scope(agent_access_scope(world.agent92), booking.motive)
    later = booking.at(12)
    appointment_set_outcome(appointment=first, status="honoured", actor=actor, now=later)
    appointment_set_outcome(appointment=second, status="no_show", actor=actor, now=later)
    client = world.client_for(world.agent92)
    params = {"date_from": booking.day.strftime("%d/%m/%Y"), "date_to": booking.day.strftime("%d/%m/%Y"), "group_by": "motive"}
    response = client.get(reverse("appointments:indicators"), params)
    [row] = response.context["rows"]
    assert (row.label, row.total, row.honoured, row.no_show, row.no_show_rate) == ("Information RSA", 2, 1, 1, 0.5)
    csv_response = client.get(reverse("appointments:indicators"), {**params, "format": "csv"})
    assert csv_response.content.decode("utf-8-sig").splitlines()[1] == "Information RSA;2;1;1;0;50,0"


def test_sessions_page_programmes_a_meeting_and_lists_registrations(world, booking):
    meeting = MotiveFactory(service=world.accueil92, name="Réunion d'information RSA", collective=True, default_capacity=12)
    booking.agenda.openings.first().motives.add(meeting)
    client = world.client_for(world.agent92)
    response = client.post(
        reverse("appointments:sessions"),
        {"motive": meeting.pk, "day": booking.day.strftime("%d/%m/%Y"), "start_time": "10:00", "agenda": booking.agenda.pk},
    )
    session = Appointment.objects.get(motive=meeting)
    assert response["Location"] == reverse("appointments:detail", args=[session.public_id]) and session.capacity == 12
    person = _person(world)
    client.post(reverse("appointments:book_session", args=[person.public_id, session.public_id]))
    [row] = client.get(reverse("appointments:sessions")).context["rows"]
    assert (row.registered, row.waiting) == (1, 0)


def test_today_lists_the_sites_appointments(world, booking, person92):
    start = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0)
    Appointment.objects.create(
        motive=booking.motive,
        agenda=booking.agenda,
        site=booking.site,
        start=start,
        end=start + dt.timedelta(minutes=30),
        blocked_until=start + dt.timedelta(minutes=30),
    ).participants.create(person=person92)
    response = world.client_for(world.agent92).get(reverse("appointments:today"), {"site": booking.site.pk})
    assert [a.start for a in response.context["appointments"]] == [start]


def test_agent_looks_for_slots_from_any_date_and_sees_each_slots_site(world, booking, person92):
    from relais.appointments.services import opening_save
    from tests.appointments.factories import AgendaFactory, next_weekday
    from tests.territory.factories import SiteFactory

    other_site = SiteFactory(organisation=world.org92, name="Pôle social de Clichy")
    other = AgendaFactory(organisation=world.org92, service=world.accueil92, agent=world.agent92, name="Accueil Clichy")
    opening_save(
        scope=agent_access_scope(world.agent92), agenda=other, motives=[booking.motive], weekdays=[0, 1, 2, 3, 4],
        start_time=dt.time(14), end_time=dt.time(16), valid_from=dt.date.today(), site=other_site,
    )  # fmt: skip
    client = world.client_for(world.agent92)
    url = reverse("appointments:book_slot", args=[person92.public_id, booking.motive.public_id])
    # Five weeks ahead: far beyond the forty slots the page used to stop at.
    later = next_weekday(1, weeks_ahead=5)
    page = client.get(url, {"du": later.isoformat()})
    text = html.unescape(page.content.decode())
    assert page.context["days"][0][0] == later
    assert all(later <= day < later + dt.timedelta(days=7) for day, _ in page.context["days"])
    assert "· Karim Benali · Pôle social de Nanterre" in text and "· Accueil Clichy · Pôle social de Clichy" in text
    following = (later + dt.timedelta(days=7)).isoformat()
    assert f'href="?du={following}">Dates suivantes' in page.content.decode()
    assert "Dates précédentes" in text
    # One site chosen: its slots only, without repeating its name, and the pages keep the choice.
    page = client.get(url, {"du": later.isoformat(), "site": other_site.pk})
    rows = [row for _, day_rows in page.context["days"] for row in day_rows]
    assert rows and {site for _, _, site in rows} == {other_site}
    assert "· Pôle social de Clichy" not in html.unescape(page.content.decode())
    assert f"?du={following}&amp;site={other_site.pk}" in page.content.decode()
    # A date typed the French way, as a browser without a date picker sends it.
    assert client.get(url, {"du": later.strftime("%d/%m/%Y")}).context["page"].first_day == later
