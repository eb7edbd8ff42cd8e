from django import template

from relais.appointments.models import Appointment
from relais.appointments.places import Place, appointment_place

register = template.Library()


@register.filter
def place(appointment: Appointment) -> Place:
    """`{% with where=appointment|place %}`: where the person has to be (see places.py)."""
    return appointment_place(appointment)
