"""The access log: who read, edited or exported which person's file, when and from where.

Kept apart from business data on purpose: no foreign keys (deleting an agent or anonymising a
person must not rewrite history). Each entry carries an HMAC of its content computed when it is
written, a background task chains the entries with HMAC-SHA256 and writes the chain's head to a file
outside the database (`services.py` explains why); `relais verify-access-log` reports any change.
"""

from django.db import models
from django.utils import timezone


class AccessLog(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", "Consultation"
        CREATE = "create", "Création"
        EDIT = "edit", "Modification"
        EXPORT = "export", "Export"
        DOWNLOAD = "download", "Téléchargement d'une pièce"
        MERGE = "merge", "Fusion de fiches"
        UNMERGE = "unmerge", "Annulation d'une fusion"

    # Set by the service before the insert (not auto_now_add) because it is part of the entry's HMAC.
    at = models.DateTimeField("date", default=timezone.now, editable=False, db_index=True)
    actor_kind = models.CharField("type d'acteur", max_length=10)  # "agent" or "api"
    actor_id = models.BigIntegerField("identifiant de l'acteur")
    actor_label = models.CharField("acteur", max_length=254)
    action = models.CharField("action", max_length=10, choices=Action.choices)
    person_id = models.BigIntegerField("identifiant de l'usager", db_index=True)
    person_public_id = models.UUIDField("identifiant public de l'usager")
    detail = models.CharField("détail", max_length=255, blank=True)
    path = models.CharField("adresse", max_length=500, blank=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    user_agent = models.CharField("navigateur", max_length=300, blank=True)
    # HMAC-SHA256 of the content, written with the entry: an edit before sealing shows too.
    entry_mac = models.CharField(max_length=64, blank=True, editable=False)
    # Filled by the sealing task, in the order entries are sealed.
    seal_sequence = models.BigIntegerField(null=True, blank=True, unique=True)
    seal_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "trace d'accès"
        verbose_name_plural = "journal des accès"
        ordering = ["-at"]
        indexes = [models.Index(fields=["actor_kind", "actor_id", "at"], name="access_log_actor_idx")]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_label} {self.get_action_display()} {self.person_public_id}"
