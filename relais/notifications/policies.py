"""Whether an agent may read a message sent to a person (which messages they see follows what the
message was sent for: relais/person_file/selectors.py)."""

from relais.notifications.models import OutgoingMessage
from relais.territory.policies import AccessScope


def message_content_visible(scope: AccessScope, message: OutgoingMessage) -> bool:
    """The subject and text of a sensitive service's message (PMI) stay within the service;
    others see that a message was sent, when, and whether it arrived."""
    service = message.service
    return service is None or scope.may_read_content_of_service(service.pk, service.is_sensitive)
