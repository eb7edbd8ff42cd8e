from django import template

from relais.appointments.models import Appointment
from relais.appointments.policies import appointment_label as label_for
from relais.territory.policies import agent_access_scope

register = template.Library()


@register.simple_tag(takes_context=True)
def appointment_label(context: template.Context, appointment: Appointment) -> str:
    """`{% appointment_label appointment %}`: the title or motive as the logged-in agent may read it."""
    return label_for(agent_access_scope(context["request"].user), appointment)
