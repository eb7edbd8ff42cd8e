import datetime as dt
import html
import re

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from relais.appointments.links import manage_token
from relais.appointments.models import Appointment
from relais.notifications.models import OutgoingMessage
from relais.people.models import Person


def _first_slot(client, booking):
    page = client.get(reverse("portal:slots", args=[booking.motive.public_id, booking.site.pk]), {"du": booking.day.isoformat()})
    assert page.status_code == 200
    _day, slots = page.context["days"][0]
    return slots[0]


def _hold(client, booking, slot):
    return client.post(
        reverse("portal:hold", args=[booking.motive.public_id, booking.site.pk]),
        {"start": slot.start.isoformat(), "agenda": slot.agenda_public_id},
    )


IDENTITY = {
    "birth_name": "Durand",
    "first_names": "Léa",
    "birth_date": "03/02/1990",
    "email": "lea.durand@example.fr",
    "phone": "06 11 22 33 44",
    "consent": "on",
}


def test_citizen_books_online_and_receives_a_calendar_file_and_a_personal_link(
    transactional_db, world, booking, client, smtp_server, run_worker
):
    assert booking.motive in [m for _, motives in client.get(reverse("portal:index")).context["services"] for m in motives]
    assert client.get(reverse("portal:place", args=[booking.motive.public_id])).context["sites"][0][0] == booking.site
    slot = _first_slot(client, booking)
    response = _hold(client, booking, slot)
    assert response.status_code == 302
    held = Appointment.objects.get()
    assert held.status == "held" and held.hold_expires_at - timezone.now() > dt.timedelta(minutes=9)
    response = client.post(response["Location"], IDENTITY)
    assert response.status_code == 302 and response["Location"].endswith("/confirmee/")
    held.refresh_from_db()
    assert held.status == "booked" and held.booked_online
    person = Person.objects.get()
    assert person.organisations.get() == world.org92
    run_worker()
    email = next(m for m in smtp_server.messages if "lea.durand@example.fr" in m["to"])
    assert "text/calendar" in email["data"]
    assert OutgoingMessage.objects.filter(channel="sms", recipient="+33611223344", status="sent").exists()
    ics_text = re.search(r"BEGIN:VCALENDAR.*END:VCALENDAR", email["data"].replace("=\n", ""), re.S)
    if ics_text:  # sent inline when short enough; otherwise base64: check via the stored attachment
        calendar = icalendar.Calendar.from_ical(ics_text.group(0))
    else:
        stored = OutgoingMessage.objects.get(channel="email", kind="appointment_confirmation")
        calendar = icalendar.Calendar.from_ical(stored.attachments[0]["content"])
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == held.start and "Information RSA" in str(event["summary"])
    link = re.search(r"(/rendez-vous-en-ligne/gerer/[^\s]+/)", OutgoingMessage.objects.get(channel="email").body).group(1)
    page = client.get(link)
    assert page.status_code == 200 and page.context["appointment"] == held


def test_a_slot_held_by_someone_else_is_refused_with_other_slots(world, booking, client):
    slot = _first_slot(client, booking)
    assert _hold(client, booking, slot).status_code == 302
    from django.test import Client

    other = Client()
    response = _hold(other, booking, slot)
    assert response.status_code == 409
    assert "Ce créneau vient d'être réservé." in html.unescape(response.content.decode())


def test_only_the_browser_that_held_the_slot_can_fill_it_in(world, booking, client):
    slot = _first_slot(client, booking)
    url = _hold(client, booking, slot)["Location"]
    from django.test import Client

    assert Client().get(url).status_code == 404


def test_an_expired_hold_says_so_and_books_nothing(world, booking, client):
    slot = _first_slot(client, booking)
    url = _hold(client, booking, slot)["Location"]
    Appointment.objects.update(hold_expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.post(url, IDENTITY)
    assert "dix minutes" in response.content.decode() and response.context["expired"]
    assert Appointment.objects.get().status == "held" and not Person.objects.exists()


def test_submitting_the_form_twice_makes_one_appointment(world, booking, client):
    slot = _first_slot(client, booking)
    url = _hold(client, booking, slot)["Location"]
    client.post(url, IDENTITY)
    client.post(url, IDENTITY)
    assert Appointment.objects.filter(status="booked").count() == 1 and Person.objects.count() == 1


def test_bad_identity_gets_french_errors(world, booking, client):
    slot = _first_slot(client, booking)
    url = _hold(client, booking, slot)["Location"]
    response = client.post(url, {**IDENTITY, "phone": "12", "email": "", "consent": ""})
    errors = response.context["form"].errors
    assert "Votre accord est nécessaire pour réserver." in errors["consent"]
    response = client.post(url, {**IDENTITY, "phone": "12", "email": ""})
    assert "numéro de téléphone" in " ".join(response.context["form"].errors["phone"])
    assert Appointment.objects.get().status == "held"


def test_a_known_person_is_reused_only_on_a_strong_match_and_never_shown(world, booking, client, person92):
    person92.birth_date = dt.date(1990, 2, 3)
    person92.save()
    slot = _first_slot(client, booking)
    url = _hold(client, booking, slot)["Location"]
    page = client.post(
        url, {**IDENTITY, "birth_name": "Lefèvre", "first_names": "Élodie", "email": "elodie.martin@example.fr"}, follow=True
    )
    assert "Martin-Dupont" not in page.content.decode()
    assert Appointment.objects.get().persons.get() == person92
    slot = _first_slot(client, booking)
    url = _hold(client, booking, slot)["Location"]
    client.post(url, {**IDENTITY, "birth_name": "Lefèvre", "first_names": "Élodie", "email": "quelquun@example.fr", "phone": ""})
    assert Person.objects.count() == 2  # same name and birth date but no shared contact: a new record


def _agent_booking(world, booking, person, hour=9):
    from relais.appointments.services import Actor, appointment_book
    from relais.territory.policies import agent_access_scope

    return appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(hour), persons=[person],
        actor=Actor.for_scope(agent_access_scope(world.agent92), booking.motive),
    )  # fmt: skip


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_moving_with_the_personal_link_asks_to_confirm_then_shows_the_new_time(world, booking, client, person92):
    appointment = _agent_booking(world, booking, person92)
    url = reverse("portal:manage", args=[manage_token(appointment, person92)])
    page = client.get(url)
    # Any other free slot (the first day shown may be today, with one slot left or none).
    target = next(slot for _, slots in page.context["days"] for slot in slots if slot.start != appointment.start)
    chosen = client.get(url, {"start": target.start.isoformat(), "agenda": target.agenda_public_id})
    text = _text(chosen)
    assert "Confirmer le déplacement" in text
    assert "Horaire actuel" in text and "Nouvel horaire" in text
    appointment.refresh_from_db()
    assert appointment.start == booking.at(9)  # choosing a slot moves nothing yet
    moved = client.post(url, {"action": "move", "start": target.start.isoformat(), "agenda": target.agenda_public_id})
    assert moved.status_code == 302 and moved["Location"] == url
    appointment.refresh_from_db()
    assert appointment.start == target.start
    page = client.get(url)
    text = _text(page)
    assert "Votre rendez-vous est déplacé." in text
    assert "Ce champ est obligatoire" not in text
    assert page.context["days"]  # the other slots are still offered
    local = timezone.localtime(target.start)
    assert f"{local.day} " in text and local.strftime("%H:%M") in text and "Statut : prévu" in text


def test_cancelling_with_the_personal_link_shows_the_cancelled_state(world, booking, client, person92):
    appointment = _agent_booking(world, booking, person92)
    url = reverse("portal:manage", args=[manage_token(appointment, person92)])
    unconfirmed = client.post(url, {"action": "cancel"})
    assert unconfirmed.status_code == 422 and "Ce champ est obligatoire" in _text(unconfirmed)
    response = client.post(url, {"action": "cancel", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == url
    appointment.refresh_from_db()
    assert appointment.status == "cancelled_by_person"
    text = _text(client.get(url))
    assert "Votre rendez-vous est annulé." in text and "Statut : annulé par l'usager" in text
    assert "Statut : prévu" not in text and "Annuler le rendez-vous" not in text and "Déplacer" not in text


def test_a_slot_taken_meanwhile_is_not_offered_for_confirmation(world, booking, client, person92, person78):
    appointment = _agent_booking(world, booking, person92)
    url = reverse("portal:manage", args=[manage_token(appointment, person92)])
    _agent_booking(world, booking, person78, hour=10)
    page = client.get(url, {"start": booking.at(10).isoformat(), "agenda": str(booking.agenda.public_id)})
    assert "n'est plus libre" in _text(page) and "Confirmer le déplacement" not in _text(page)


def test_a_phone_only_booker_gets_a_short_personal_link_by_sms(world, booking, client, settings):
    slot = _first_slot(client, booking)
    url = _hold(client, booking, slot)["Location"]
    client.post(url, {**IDENTITY, "email": ""})
    appointment = Appointment.objects.get(status="booked")
    sms = OutgoingMessage.objects.get(channel="sms", kind="appointment_confirmation")
    assert not OutgoingMessage.objects.filter(channel="email").exists()
    short = re.search(re.escape(settings.SITE_URL) + r"(/r/([\w-]+)/)$", sms.body)
    assert short and len(short.group(2)) == 12 and len(sms.body) <= 300
    response = client.get(short.group(1))
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["appointment"] == appointment
    # The reminder carries the same link.
    from relais.appointments.notifications import appointments_send_reminders

    appointments_send_reminders(hours_before=48, now=appointment.start - dt.timedelta(hours=47))
    reminder = OutgoingMessage.objects.get(channel="sms", kind="appointment_reminder")
    assert reminder.body.endswith(short.group(1)) and reminder.body.startswith("Rappel : RDV le")


def test_a_short_link_fails_like_the_long_one(world, booking, client, person92, settings):
    from relais.appointments.links import short_manage_url

    assert client.get("/r/AAAAAAAAAAAA/").status_code == 410
    appointment = _agent_booking(world, booking, person92)
    path = short_manage_url(appointment, person92).removeprefix(settings.SITE_URL)
    assert short_manage_url(appointment, person92).endswith(path)  # one code per registration
    Appointment.objects.filter(pk=appointment.pk).update(
        start=timezone.now() - dt.timedelta(hours=1), end=timezone.now(), blocked_until=timezone.now()
    )
    response = client.get(path)
    assert response.status_code == 410 and "expiré" in _text(response)


@pytest.mark.parametrize("token", ["abc", "eyJhIjoiMSJ9:forged:signature"])
def test_forged_links_show_a_clear_page_and_change_nothing(world, client, token):
    response = client.get(reverse("portal:manage", args=[token]))
    assert response.status_code == 410 and "pas valide" in response.content.decode()


def test_a_link_expires_when_the_appointment_has_passed(world, booking, client, person92):
    from relais.appointments.services import Actor, appointment_book
    from relais.territory.policies import agent_access_scope

    appointment = appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92],
        actor=Actor.for_scope(agent_access_scope(world.agent92), booking.motive),
    )  # fmt: skip
    Appointment.objects.filter(pk=appointment.pk).update(
        start=timezone.now() - dt.timedelta(hours=1), end=timezone.now(), blocked_until=timezone.now()
    )
    response = client.get(reverse("portal:manage", args=[manage_token(appointment, person92)]))
    assert response.status_code == 410 and "expiré" in response.content.decode()


def test_holding_is_rate_limited(world, booking, client, settings):
    slot = _first_slot(client, booking)
    for _ in range(30):
        _hold(client, booking, slot)
    assert _hold(client, booking, slot).status_code == 429


def test_citizen_registers_online_for_a_collective_session_then_leaves_with_the_link(world, booking, client):
    from relais.appointments.links import manage_token
    from relais.appointments.services import Actor, session_create
    from relais.territory.policies import agent_access_scope
    from tests.appointments.factories import MotiveFactory

    meeting = MotiveFactory(service=world.accueil92, name="Réunion d'information RSA", collective=True, default_capacity=1)
    booking.agenda.openings.first().motives.add(meeting)
    session = session_create(
        motive=meeting,
        agenda=booking.agenda,
        start=booking.at(10),
        actor=Actor.for_scope(agent_access_scope(world.agent92), meeting),
    )
    page = client.get(reverse("portal:slots", args=[meeting.public_id, booking.site.pk]))
    assert list(page.context["sessions"]) == [session]
    registered = client.post(reverse("portal:session", args=[session.public_id]), IDENTITY)
    assert registered.status_code == 200 and not registered.context["waiting"]
    second = client.post(
        reverse("portal:session", args=[session.public_id]), {**IDENTITY, "birth_name": "Martin", "email": "autre@example.fr"}
    )
    assert second.context["waiting"]
    first_person = session.participants.get(seat=1).person
    link = reverse("portal:manage", args=[manage_token(session, first_person)])
    assert "Annuler mon inscription" in _text(client.get(link))
    client.post(link, {"action": "cancel", "confirm": "on"})
    left = _text(client.get(link))
    assert "Votre inscription est annulée." in left and "Statut : inscription annulée" in left
    assert "Annuler mon inscription" not in left
    session.refresh_from_db()
    assert session.status == "booked"  # the session goes on
    assert session.participants.get(status="registered").person.birth_name == "Martin"  # promoted from the waiting list


def test_the_confirmation_page_gives_the_personal_link_and_says_when_no_message_can_come(world, booking, client):
    slot = _first_slot(client, booking)
    url = _hold(client, booking, slot)["Location"]
    page = client.post(url, {**IDENTITY, "email": "", "phone": "01 47 29 30 00"}, follow=True)
    text = _text(page)
    assert "ni adresse e-mail ni téléphone portable" in text and "Un message de confirmation vous est envoyé" not in text
    link = page.context["manage_path"]
    assert client.get(link).context["appointment"] == Appointment.objects.get(status="booked")


def test_a_hold_off_the_slot_grid_is_refused_and_blanks_nothing(world, booking, client):
    """09:07 would straddle the 09:00 and 09:30 slots: only the starts the agenda offers are held."""
    slot = _first_slot(client, booking)
    off_grid = slot.start + dt.timedelta(minutes=7)
    response = client.post(
        reverse("portal:hold", args=[booking.motive.public_id, booking.site.pk]),
        {"start": off_grid.isoformat(), "agenda": slot.agenda_public_id},
    )
    assert response.status_code == 422
    assert "ne fait pas partie des créneaux proposés" in html.unescape(response.content.decode())
    assert not Appointment.objects.exists()
    assert _first_slot(client, booking).start == slot.start  # still offered to everyone


def test_choosing_another_slot_gives_the_previous_one_back(world, booking, client):
    first, second = client.get(
        reverse("portal:slots", args=[booking.motive.public_id, booking.site.pk]), {"du": booking.day.isoformat()}
    ).context["days"][0][1][:2]
    _hold(client, booking, first)
    _hold(client, booking, second)
    assert list(Appointment.objects.filter(status="held").values_list("start", flat=True)) == [second.start]


def test_live_holds_are_capped_per_client_address(world, booking, settings):
    """Fresh browsers (no session) from one address cannot hold more than the cap at once."""
    from django.test import Client

    settings.ONLINE_HOLDS_PER_ADDRESS = 3
    slots = (
        Client()
        .get(reverse("portal:slots", args=[booking.motive.public_id, booking.site.pk]), {"du": booking.day.isoformat()})
        .context["days"][0][1]
    )
    answers = [_hold(Client(), booking, slot).status_code for slot in slots[:4]]
    assert answers == [302, 302, 302, 429]
    assert Appointment.objects.filter(status="held").count() == 3
    other_address = Client(REMOTE_ADDR="203.0.113.9")
    assert _hold(other_address, booking, slots[4]).status_code == 302


def test_one_person_books_only_a_few_upcoming_appointments_online(world, booking, client, settings):
    settings.ONLINE_BOOKINGS_PER_PERSON = 2
    slots = client.get(
        reverse("portal:slots", args=[booking.motive.public_id, booking.site.pk]), {"du": booking.day.isoformat()}
    ).context["days"][0][1]
    for slot in slots[:2]:
        response = _hold(client, booking, slot)
        assert client.post(response["Location"], IDENTITY).status_code == 302
    response = _hold(client, booking, slots[2])
    refused = client.post(response["Location"], IDENTITY)
    assert refused.status_code == 422
    assert "Vous avez déjà 2 rendez-vous à venir pris en ligne" in html.unescape(refused.content.decode())
    assert Appointment.objects.filter(status="booked").count() == 2


def test_a_refused_hold_at_an_unknown_place_answers_404_not_a_server_error(world, booking, client):
    slot = _first_slot(client, booking)
    response = client.post(
        reverse("portal:hold", args=[booking.motive.public_id, 10**9]),
        {"start": (slot.start + dt.timedelta(minutes=7)).isoformat(), "agenda": slot.agenda_public_id},
    )
    assert response.status_code == 404
