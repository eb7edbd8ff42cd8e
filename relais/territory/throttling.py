"""Guessing passwords and flooding mailboxes: the login lockout (django-axes) and the throttled
password reset. Settings and their environment variables: README.md, "Configuration"."""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from relais.core.ratelimit import hashed, limit_reached, rate_limited
from relais.core.requests import client_ip


def login_client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the same address as the access log and the portal's rate limits,
    through the configured number of trusted proxies (a client-written header does not count)."""
    return client_ip(request)


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the e-mail typed in, as the account is stored (lower case).

    The login form passes it as `username`, Django's test client as `email`; without this,
    "Agent@…" and "agent@…" would each get their own allowance of failures."""
    value = None
    if credentials:
        value = credentials.get("username") or credentials.get("email")
    if value is None:
        value = request.POST.get("username")
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


class LoginLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, with a limit of its own for an address.

    AXES_LOCKOUT_PARAMETERS is ["username", "ip_address"]: an account is locked after
    AXES_FAILURE_LIMIT failures, whatever the address; an address after LOGIN_ADDRESS_FAILURE_LIMIT
    failures, whatever the accounts tried. An address needs its own, higher limit: a whole office
    behind one network address shares it, and a few mistyped passwords must not lock it out."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            # Axes compares the result with AXES_FAILURE_LIMIT: report at least that much.
            return max(by_account, get_failure_limit(request, credentials))
        return by_account


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a page in the site's layout, in French, that says what to do."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def password_reset_throttled(request: HttpRequest, email: str) -> bool:
    """True when a reset link must not be sent: too many asked for this address (whether an
    account has it or not, so that the answer tells nothing) or from this client."""
    per_seconds = 3600
    from_client = rate_limited(
        request, bucket="password-reset", limit=settings.PASSWORD_RESET_MAX_PER_CLIENT, per_seconds=per_seconds
    )
    for_account = limit_reached(
        f"password-reset-account:{hashed(email)}", limit=settings.PASSWORD_RESET_MAX_PER_ACCOUNT, per_seconds=per_seconds
    )
    return from_client or for_account
