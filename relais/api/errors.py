"""API errors in French, with the same shape everywhere: {"detail": …} or {"field": ["…"]}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(detail="Ressource introuvable.")
    elif isinstance(exc, exceptions.Throttled):
        wait: float | None = getattr(exc, "wait", None)  # already rounded up to whole seconds; kept for the Retry-After header
        exc = exceptions.Throttled(detail=_throttled_detail(wait))
        exc.wait = wait
    return drf_exception_handler(exc, context)


def _throttled_detail(wait: float | None) -> str:
    if wait is None:
        return "Trop de requêtes : réessayez plus tard."
    seconds = max(1, int(wait))
    return f"Trop de requêtes : réessayez dans {seconds} seconde{'s' if seconds > 1 else ''}."
