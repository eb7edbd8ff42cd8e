"""Signed links that let a person cancel or move their appointment without an account.

The link names the appointment and the person and is signed with SECRET_KEY; it works until the
appointment starts. Nothing in it can be guessed or altered.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from relais.appointments.models import Appointment, Participant
from relais.people.models import Person

SALT = "relais.appointments.manage"


class InvalidLink(Exception):
    pass


def manage_token(appointment: Appointment, person: Person) -> str:
    return signing.dumps({"a": str(appointment.public_id), "p": str(person.public_id)}, salt=SALT, compress=True)


def manage_url(appointment: Appointment, person: Person) -> str:
    return settings.SITE_URL + reverse("portal:manage", kwargs={"token": manage_token(appointment, person)})


def read_manage_token(token: str) -> tuple[Appointment, Person]:
    """The appointment and person of a link, or InvalidLink with the reason in French."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise InvalidLink("Ce lien n'est pas valide : vérifiez qu'il est complet, ou contactez le service.") from exc
    participant = (
        Participant.objects.select_related("appointment__motive__service", "appointment__site__commune", "person")
        .filter(appointment__public_id=data.get("a"), person__public_id=data.get("p"))
        .exclude(status=Participant.Status.CANCELLED)
        .first()
    )
    if participant is None:
        raise InvalidLink("Ce rendez-vous n'existe plus.")
    appointment = participant.appointment
    if appointment.start <= timezone.now():
        raise InvalidLink("Ce lien a expiré : le rendez-vous a déjà eu lieu.")
    return appointment, participant.person
