"""Periodic tasks, enqueued by `relais worker` (django-tasks has no scheduler of its own).

Each entry names a task (dotted path) and its period. Any number of workers may run: the
ScheduledJob row is locked while deciding, so a period enqueues the task once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from relais.core.models import ScheduledJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    task_path: str
    every: dt.timedelta


SCHEDULE: list[Periodic] = [
    # Tasks left running by a killed worker, and the messages they were sending (core/recovery.py).
    Periodic("relais.core.tasks.recover_stranded_tasks", dt.timedelta(minutes=5)),
    Periodic("relais.privacy.tasks.seal_access_log", dt.timedelta(minutes=5)),
    Periodic("relais.privacy.tasks.purge_access_log", dt.timedelta(days=1)),
    Periodic("relais.privacy.tasks.email_access_log_head", dt.timedelta(days=1)),
    Periodic("relais.api.tasks.purge_idempotency_keys", dt.timedelta(days=1)),
    Periodic("relais.appointments.tasks.send_reminders", dt.timedelta(minutes=10)),
    Periodic("relais.appointments.tasks.release_expired_holds", dt.timedelta(minutes=5)),
    Periodic("relais.appointments.tasks.extend_agenda_windows", dt.timedelta(days=1)),
    # Hourly: the date is checked against today, so a decision is recorded on its day, once.
    Periodic("relais.requests.tasks.record_implicit_decisions", dt.timedelta(hours=1)),
    Periodic("relais.requests.tasks.send_digests", dt.timedelta(days=1)),
    Periodic("relais.people.tasks.recount_name_words", dt.timedelta(days=1)),
    # Hourly: satisfaction surveys after the visits of the last days (evaluation/surveys.py).
    Periodic("relais.evaluation.tasks.send_survey_invitations", dt.timedelta(hours=1)),
]


def enqueue_due_jobs(now: dt.datetime | None = None, schedule: list[Periodic] | None = None) -> list[str]:
    """Enqueue every periodic task whose period has elapsed; returns their paths."""
    now = now or timezone.now()
    enqueued = []
    for periodic in schedule if schedule is not None else SCHEDULE:
        with transaction.atomic():
            job, _ = ScheduledJob.objects.get_or_create(name=periodic.task_path)
            job = ScheduledJob.objects.select_for_update().get(pk=job.pk)
            if job.last_enqueued_at and now - job.last_enqueued_at < periodic.every:
                continue
            import_string(periodic.task_path).enqueue()
            job.last_enqueued_at = now
            job.save(update_fields=["last_enqueued_at"])
            enqueued.append(periodic.task_path)
    return enqueued


class SchedulerThread(threading.Thread):
    def __init__(self, interval_seconds: float = 30.0) -> None:
        super().__init__(name="relais-scheduler", daemon=True)
        self.interval_seconds = interval_seconds
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                for path in enqueue_due_jobs():
                    logger.info("Tâche planifiée mise en file : %s", path)
            except Exception:  # a scheduler that dies silently would stop every reminder
                logger.exception("Erreur du planificateur")
            finally:
                close_old_connections()
            self.stopped.wait(self.interval_seconds)
