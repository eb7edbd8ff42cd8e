"""Work left behind by a worker that died (killed, out of memory, machine restarted).

django-tasks-db marks a task RUNNING when a worker takes it and never looks at it again: a worker
killed mid-task leaves it RUNNING forever, and upstream has no recovery. Here a running task is
stale when its worker is known to be gone (a process of this machine that no longer exists, or the
very worker now starting, restarted under the same pid), or, on another machine where the process
cannot be checked, when it has been running longer than TASK_LEASE_SECONDS.

Stale tasks are marked failed, never re-run: not every task is safe to run twice. The work that must
not be lost is re-enqueued from each app's own rows by its sweep (SWEEPS), e.g. outgoing messages.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from relais.core.processes import process_is_gone, process_is_here

logger = logging.getLogger(__name__)

# Functions `(now, restarting_worker_id) -> list` that re-enqueue an app's work left without a live
# task, and what that work is called in the logs and `relais recover-tasks`.
SWEEPS: dict[str, str] = {"relais.notifications.services.messages_requeue_stranded": "messages non envoyés"}


class WorkerLost(Exception):
    """Recorded as the error of a task whose worker died while running it."""


def task_lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.TASK_LEASE_SECONDS)


def worker_is_gone(worker_id: str, *, restarting_worker_id: str = "") -> bool | None:
    """True when the worker ("host:pid") is known to be gone, False when it is known to run, None
    when that cannot be told from here (another machine's, or no id)."""
    if not worker_id:
        return None
    if worker_id == restarting_worker_id:
        return True  # a worker starting runs nothing yet: work under its id is its previous life's
    if process_is_here(worker_id):
        return process_is_gone(worker_id)
    return None


def task_is_stale(task: DBTaskResult, *, now: dt.datetime, restarting_worker_id: str = "") -> bool:
    """Whether a RUNNING task was abandoned: its worker is gone, or cannot be checked and the task
    has run longer than the lease. A long task of a live worker of this machine is left alone."""
    gone = worker_is_gone(task.worker_ids[-1] if task.worker_ids else "", restarting_worker_id=restarting_worker_id)
    if gone is not None:
        return gone
    return task.started_at is None or task.started_at < now - task_lease()


def tasks_recover_stale(*, now: dt.datetime | None = None, restarting_worker_id: str = "") -> list[DBTaskResult]:
    """Mark failed the running tasks whose worker is gone; returns them."""
    now = now or timezone.now()
    recovered = []
    for task in DBTaskResult.objects.running():
        if not task_is_stale(task, now=now, restarting_worker_id=restarting_worker_id):
            continue
        # Only if it is still the same run: its worker may have finished it meanwhile.
        updated = DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"Le processus {', '.join(task.worker_ids)} s'est arrêté pendant la tâche.",
        )
        if updated:
            logger.warning(
                "Tâche %s (%s) abandonnée par le processus %s arrêté : marquée en échec",
                task.pk, task.task_path, task.worker_ids[-1] if task.worker_ids else "inconnu",
            )  # fmt: skip
            recovered.append(task)
    return recovered


@dataclass
class Recovery:
    tasks: list[DBTaskResult] = field(default_factory=list)
    requeued: dict[str, list] = field(default_factory=dict)  # sweep's label -> what it re-enqueued


def recover_stranded_work(*, now: dt.datetime | None = None, restarting_worker_id: str = "") -> Recovery:
    """Fail the stale tasks, then let each app re-enqueue its work left without a live task."""
    now = now or timezone.now()
    recovery = Recovery(tasks=tasks_recover_stale(now=now, restarting_worker_id=restarting_worker_id))
    for path, label in SWEEPS.items():
        recovery.requeued[label] = import_string(path)(now=now, restarting_worker_id=restarting_worker_id)
    return recovery
