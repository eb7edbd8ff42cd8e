"""API tokens: one per integration, scoped to an organisation (and optionally one of its services)."""

import hashlib
import secrets

from django.db import models
from django.utils import timezone

from relais.territory.models import Organisation, Service

TOKEN_PREFIX_LENGTH = 8


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate_token() -> str:
    return "rls_" + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    name = models.CharField("nom de l'intégration", max_length=100)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="api_tokens", verbose_name="organisation"
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name="service",
        help_text="Facultatif : le service pour lequel l'intégration agit (donne accès à ses contenus sensibles).",
    )
    prefix = models.CharField(max_length=TOKEN_PREFIX_LENGTH + 4, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)  # the token itself is never stored
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="api_token_unique_name_per_org")]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.code})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    # DRF and our policies treat a token like a logged-in principal.
    is_authenticated = True

    def touch(self) -> None:
        now = timezone.now()
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now


class IdempotencyKey(models.Model):
    """A caller's Idempotency-Key and the first answer given to it (see relais.api.idempotency)."""

    actor = models.CharField(max_length=100)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "key"], name="idempotency_key_unique_per_actor")]

    def __str__(self) -> str:
        return f"{self.actor}:{self.key}"
