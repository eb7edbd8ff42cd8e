"""What the person receives about their appointment (confirmation, change, cancellation, reminder),
by e-mail (with the calendar file) and by SMS to a mobile, falling back to e-mail if the SMS fails."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from relais.appointments.ics import appointment_ics
from relais.appointments.links import manage_url, short_manage_url
from relais.appointments.models import Appointment, Participant
from relais.appointments.places import appointment_place
from relais.notifications.services import message_queue_email, message_queue_sms
from relais.people.models import Person
from relais.people.selectors import person_addresses

SUBJECTS = {
    "confirmation": "Votre rendez-vous du {when} est confirmé",
    "change": "Votre rendez-vous a été déplacé au {when}",
    "cancellation": "Votre rendez-vous du {when} est annulé",
    "reminder": "Rappel : rendez-vous le {when}",
}
SMS_TEXTS = {
    "confirmation": "RDV confirmé le {when} : {what}, {where}.",
    "change": "RDV déplacé au {when} : {what}, {where}.",
    "cancellation": "Votre RDV du {when} ({what}) est annulé.",
    "reminder": "Rappel : RDV le {when} : {what}, {where}.",
}
SMS_MAX = 300  # the length kept so far; when too long, the personal link is never the part cut
AT_SERVICE_POINT = "Présentez-vous à l'espace France services à l'heure du rendez-vous : l'équipe vous installe pour la visio."


def _when(appointment: Appointment) -> str:
    return timezone.localtime(appointment.start).strftime("%d/%m/%Y à %H:%M").replace(":", "h")


def _where(appointment: Appointment) -> str:
    return appointment_place(appointment).sentence


def _sms_text(appointment: Appointment, person: Person, kind: str) -> str:
    """The SMS, with the short personal link for a person who gave no e-mail (and every other)."""
    text = SMS_TEXTS[kind].format(when=_when(appointment), what=appointment.motive.name, where=_where(appointment))
    if kind == "cancellation":
        return text[:SMS_MAX]
    link = f" Annuler ou déplacer : {short_manage_url(appointment, person)}"
    if len(text) + len(link) > SMS_MAX:
        text = text[: SMS_MAX - len(link) - 1] + "…"
    return text + link


def _email_body(appointment: Appointment, person: Person, kind: str) -> str:
    lines = [f"Bonjour {person.first_name} {person.usage_name or person.birth_name},", ""]
    when, where = _when(appointment), _where(appointment)
    if kind == "cancellation":
        lines.append(f"Votre rendez-vous « {appointment.motive.name} » du {when} est annulé.")
        if appointment.cancel_reason:
            lines.append(f"Motif : {appointment.cancel_reason}")
    else:
        intro = {
            "confirmation": "Votre rendez-vous est confirmé :",
            "change": "Votre rendez-vous a été déplacé :",
            "reminder": "Nous vous rappelons votre rendez-vous :",
        }[kind]
        place = appointment_place(appointment)
        lines += [intro, "", f"  {appointment.motive.name} — {appointment.motive.service.name}", f"  Le {when}"]
        lines.append(f"  Rendez-vous {where}" if place.at_service_point else f"  Lieu : {where}")
        if appointment.visio_url:
            opened = " (ouvert sur place par l'équipe France services)" if place.at_service_point else ""
            lines.append(f"  Lien de la visio{opened} : {appointment.visio_url}")
        if place.at_service_point:
            lines += ["", AT_SERVICE_POINT]
        if appointment.motive.instructions:
            lines += ["", appointment.motive.instructions]
        lines += [
            "",
            "Vous ne pouvez pas venir ? Annulez ou déplacez votre rendez-vous avec ce lien personnel :",
            manage_url(appointment, person),
        ]
    lines += ["", f"— {appointment.motive.service.name}"]
    return "\n".join(lines)


def person_reachable(person: Person) -> bool:
    """Whether a message about the appointment (and its personal link) can reach the person."""
    emails, mobiles = person_addresses(person)
    return bool(emails or mobiles)


def appointment_notify(appointment: Appointment, kind: str, persons: Sequence[Person] | None = None) -> None:
    """Queue the messages (after commit they are sent by the worker). One per person and channel;
    a dedupe key ties each to this version of the appointment so nothing is sent twice."""
    if persons is None:
        persons = [
            participant.person
            for participant in appointment.participants.filter(status=Participant.Status.REGISTERED).select_related("person")
        ]
    appointment = Appointment.objects.select_related("motive__service", "site__commune", "booked_from_site__commune").get(
        pk=appointment.pk
    )
    stamp = f"{appointment.start.isoformat()}" if kind == "reminder" else f"v{appointment.version}"
    service = appointment.motive.service
    for person in persons:
        emails, mobiles = person_addresses(person)
        subject = SUBJECTS[kind].format(when=_when(appointment))
        body = _email_body(appointment, person, kind)
        key = f"appointment:{appointment.public_id}:{kind}:{stamp}:{person.public_id}"
        text = _sms_text(appointment, person, kind) if mobiles else ""
        if kind == "reminder" and mobiles:
            # A reminder goes by SMS; if the SMS cannot be delivered, the e-mail takes over.
            fallback = {"to": emails[0], "subject": subject, "body": body} if emails else {}
            message_queue_sms(
                recipient=mobiles[0],
                body=text,
                kind=f"appointment_{kind}",
                person=person,
                dedupe_key=f"{key}:sms",
                fallback=fallback,
                service=service,
                appointment=appointment,
            )
            continue
        if emails:
            attachments = []
            if kind != "reminder":
                attachments.append(
                    {
                        "filename": "rendez-vous.ics",
                        "content_type": "text/calendar",
                        "content": appointment_ics(appointment).decode(),
                    }
                )
            message_queue_email(
                recipient=emails[0], subject=subject, body=body, kind=f"appointment_{kind}", person=person,
                attachments=attachments, dedupe_key=f"{key}:email", service=service, appointment=appointment,
            )  # fmt: skip
        if mobiles and kind != "reminder":
            message_queue_sms(
                recipient=mobiles[0],
                body=text,
                kind=f"appointment_{kind}",
                person=person,
                dedupe_key=f"{key}:sms",
                service=service,
                appointment=appointment,
            )


@transaction.atomic
def appointments_send_reminders(*, hours_before: int, now: dt.datetime | None = None) -> int:
    """Queue the reminder of every booked appointment starting within `hours_before` hours."""
    now = now or timezone.now()
    due = list(
        Appointment.objects.select_for_update(skip_locked=True)
        .filter(
            status=Appointment.Status.BOOKED,
            reminder_sent_at__isnull=True,
            start__gt=now,
            start__lte=now + dt.timedelta(hours=hours_before),
        )
        .order_by("start")[:500]
    )
    for appointment in due:
        appointment_notify(appointment, "reminder")
        Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_at=now)
    return len(due)
