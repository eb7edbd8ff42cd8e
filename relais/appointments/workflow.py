"""The lifecycle of an appointment, declared once: which status may follow which.

An online booker's hold becomes a booking, or expires. A booked appointment is cancelled (by the
person or by the service) or, once it has started, marked honoured or no-show — an outcome the
service may correct, back to booked included. Cancelled and expired are final.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from relais.appointments.models import Appointment

S = Appointment.Status

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.HELD: (S.BOOKED, S.EXPIRED),
    S.BOOKED: (S.HONOURED, S.NO_SHOW, S.CANCELLED_BY_PERSON, S.CANCELLED_BY_AGENCY),
    S.HONOURED: (S.NO_SHOW, S.BOOKED),
    S.NO_SHOW: (S.HONOURED, S.BOOKED),
    S.CANCELLED_BY_PERSON: (),
    S.CANCELLED_BY_AGENCY: (),
    S.EXPIRED: (),
}

# What the service records once the appointment has started, and may correct (back to booked included).
OUTCOMES = (S.HONOURED, S.NO_SHOW, S.BOOKED)


class TransitionRefused(ValidationError):
    """A status change the lifecycle does not allow (a ValidationError: views show its French message)."""


def allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, ())


def check(from_status: str, to_status: str) -> None:
    if not allowed(from_status, to_status):
        labels = dict(S.choices)
        raise TransitionRefused(
            f"Un rendez-vous « {labels.get(from_status, from_status).lower()} » ne peut pas passer à "
            f"« {labels.get(to_status, to_status).lower()} »."
        )
