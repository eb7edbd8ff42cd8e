"""Which messages sent to a person an agent may see, and whether they may read them."""

from django.db.models import Q

from relais.notifications.models import OutgoingMessage
from relais.territory.policies import AccessScope


def messages_visible_filter(scope: AccessScope) -> Q:
    """A message follows what it was sent for: listed to whoever sees that appointment or request.
    A message with no such origin (sent before origins were recorded) is listed to nobody."""
    from relais.appointments.policies import appointments_visible
    from relais.requests.policies import requests_visible

    if scope.is_empty:
        return Q(pk__in=[])
    return Q(appointment__in=appointments_visible(scope).values("pk")) | Q(request__in=requests_visible(scope).values("pk"))


def message_content_visible(scope: AccessScope, message: OutgoingMessage) -> bool:
    """The subject and text of a sensitive service's message (PMI) stay within the service;
    others see that a message was sent, when, and whether it arrived."""
    service = message.service
    return service is None or scope.may_read_content_of_service(service.pk, service.is_sensitive)
