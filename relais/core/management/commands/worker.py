from django.core.management import call_command
from django.core.management.base import BaseCommand

from relais.core.scheduler import SchedulerThread


class Command(BaseCommand):
    help = "Exécute les tâches de fond (e-mails, SMS, tâches planifiées). À lancer à côté du serveur web."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Exécute les tâches en attente puis s'arrête.")
        parser.add_argument("--no-scheduler", action="store_true", help="Ne met pas en file les tâches périodiques.")
        parser.add_argument("--interval", type=float, default=1.0, help="Secondes d'attente quand la file est vide.")

    def handle(self, *args, batch: bool, no_scheduler: bool, interval: float, **options) -> None:
        scheduler = None
        if not no_scheduler and not batch:
            scheduler = SchedulerThread()
            scheduler.start()
        try:
            call_command(
                "db_worker", queue_name="*", interval=interval, batch=batch, reload=False, verbosity=options.get("verbosity", 1)
            )
        finally:
            if scheduler:
                scheduler.stopped.set()
