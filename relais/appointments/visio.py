"""Meeting links for visio motives, behind a small interface so another tool can be plugged in.

VISIO_PROVIDER names a class with `meeting_url(appointment) -> str`; the default gives each
appointment its own unguessable room on a Jitsi-compatible server (VISIO_BASE_URL).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from relais.appointments.models import Appointment


class VisioProvider(Protocol):
    def meeting_url(self, appointment: Appointment) -> str: ...


class JitsiProvider:
    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = (base_url or settings.VISIO_BASE_URL).rstrip("/")

    def meeting_url(self, appointment: Appointment) -> str:
        # The room name is the only secret of a Jitsi meeting: random, never derived from the person.
        return f"{self.base_url}/Relais-{secrets.token_urlsafe(18).replace('_', '').replace('-', '')}"


def visio_provider() -> VisioProvider:
    return import_string(settings.VISIO_PROVIDER)()
