import logging

from django.core.management import call_command
from django.core.management.base import BaseCommand

from relais.core.processes import this_process
from relais.core.recovery import recover_stranded_work
from relais.core.scheduler import SchedulerThread

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Exécute les tâches de fond (e-mails, SMS, tâches planifiées). À lancer à côté du serveur web."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Exécute les tâches en attente puis s'arrête.")
        parser.add_argument("--no-scheduler", action="store_true", help="Ne met pas en file les tâches périodiques.")
        parser.add_argument("--interval", type=float, default=1.0, help="Secondes d'attente quand la file est vide.")

    def handle(self, *args, batch: bool, no_scheduler: bool, interval: float, **options) -> None:
        # "host:pid" as the worker's id: a task it leaves running when killed is known abandoned as
        # soon as the process is gone (core/recovery.py), and this worker restarted recovers it now.
        worker_id = this_process()[-64:]
        recovery = recover_stranded_work(restarting_worker_id=worker_id)
        for label, items in recovery.requeued.items():
            if items:
                logger.warning("Au démarrage, remis en file, %s : %d", label, len(items))
        scheduler = None
        if not no_scheduler and not batch:
            scheduler = SchedulerThread()
            scheduler.start()
        try:
            call_command(
                "db_worker",
                queue_name="*",
                interval=interval,
                batch=batch,
                reload=False,
                worker_id=worker_id,
                verbosity=options.get("verbosity", 1),
            )
        finally:
            if scheduler:
                scheduler.stopped.set()
