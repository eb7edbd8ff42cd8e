from django.db import models


class ScheduledJob(models.Model):
    """When a periodic task was last enqueued, so several workers do not enqueue it twice."""

    name = models.CharField(max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "tâche planifiée"

    def __str__(self) -> str:
        return self.name
