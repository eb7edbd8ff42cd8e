"""Personal links that let a person cancel or move their appointment without an account.

The e-mail carries a long link that names the appointment and the person, signed with SECRET_KEY.
An SMS has no room for it: it carries a short link (`/r/<code>/`), a random code stored on the
person's registration, which leads to the same signed link. Both work until the appointment starts.
Nothing in either can be guessed or altered.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from relais.appointments.models import Appointment, Participant
from relais.people.models import Person

SALT = "relais.appointments.manage"
# 12 URL-safe characters, 72 random bits: with the pages' rate limit, out of reach of guessing.
SHORT_CODE_BYTES = 9


class InvalidLink(Exception):
    pass


@dataclass(frozen=True)
class ManageLink:
    """What a personal link opens: the appointment, the person, and their registration."""

    appointment: Appointment
    person: Person
    participant: Participant

    @property
    def unregistered(self) -> bool:
        """The person left a collective session (the session itself goes on)."""
        return self.participant.status == Participant.Status.CANCELLED


def manage_token(appointment: Appointment, person: Person) -> str:
    return signing.dumps({"a": str(appointment.public_id), "p": str(person.public_id)}, salt=SALT, compress=True)


def manage_url(appointment: Appointment, person: Person) -> str:
    return settings.SITE_URL + reverse("portal:manage", kwargs={"token": manage_token(appointment, person)})


def short_manage_url(appointment: Appointment, person: Person) -> str:
    """The short link for an SMS; the code is made on first use and kept for the registration."""
    participant = (
        Participant.objects.filter(appointment=appointment, person=person)
        .exclude(status=Participant.Status.CANCELLED)
        .order_by("-pk")
        .first()
    )
    if participant is None:
        return manage_url(appointment, person)
    while not participant.short_code:
        code = secrets.token_urlsafe(SHORT_CODE_BYTES)
        try:
            with transaction.atomic():
                Participant.objects.filter(pk=participant.pk, short_code__isnull=True).update(short_code=code)
        except IntegrityError:  # the same code twice: 1 chance in 2**72, try another
            continue
        participant.refresh_from_db(fields=["short_code"])
    return settings.SITE_URL + reverse("short_link", kwargs={"code": participant.short_code})


def read_short_code(code: str) -> str:
    """The signed token the short code stands for, or InvalidLink (the same reasons as the long link)."""
    participant = Participant.objects.select_related("appointment", "person").filter(short_code=code).first()
    if participant is None:
        raise InvalidLink("Ce lien n'est pas valide : vérifiez qu'il est complet, ou contactez le service.")
    link = _check(participant)
    return manage_token(link.appointment, link.person)


def read_manage_token(token: str) -> ManageLink:
    """The appointment and person of a link, or InvalidLink with the reason in French."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise InvalidLink("Ce lien n'est pas valide : vérifiez qu'il est complet, ou contactez le service.") from exc
    rows = list(
        Participant.objects.select_related(
            "appointment__motive__service", "appointment__site__commune", "appointment__booked_from_site__commune", "person"
        )
        .filter(appointment__public_id=data.get("a"), person__public_id=data.get("p"))
        .order_by("-pk")
    )
    # A person who left a session still opens the page (it tells them so); a live registration comes first.
    participant = next((row for row in rows if row.status != Participant.Status.CANCELLED), rows[0] if rows else None)
    if participant is None:
        raise InvalidLink("Ce rendez-vous n'existe plus.")
    return _check(participant)


def _check(participant: Participant) -> ManageLink:
    if participant.appointment.start <= timezone.now():
        raise InvalidLink("Ce lien a expiré : le rendez-vous a déjà eu lieu.")
    return ManageLink(appointment=participant.appointment, person=participant.person, participant=participant)
