"""Request types for views behind the login middleware (for type checkers and readers alike)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:  # types only: core lies beneath territory
    from django_htmx.middleware import HtmxDetails

    from relais.territory.models import Agent


class AgentRequest(HttpRequest):
    """A request from a logged-in agent: AgentLoginRequiredMiddleware guarantees `user` is an Agent."""

    user: Agent  # type: ignore[assignment]
    htmx: HtmxDetails


class PublicRequest(HttpRequest):
    htmx: HtmxDetails
