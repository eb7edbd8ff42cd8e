"""Where a form sends the agent back to: its `next` field, never another site."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str) -> str:
    """The POSTed `next` when it stays on this site (a path, or this host over the same scheme),
    else `default`: an attacker's link must not turn an action on Relais into a jump to their site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default
