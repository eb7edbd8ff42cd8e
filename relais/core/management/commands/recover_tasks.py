from django.core.management.base import BaseCommand

from relais.core.recovery import recover_stranded_work


class Command(BaseCommand):
    help = (
        "Reprend le travail laissé par un processus de tâches arrêté : les tâches restées « en cours » sont "
        "marquées en échec et les messages non envoyés sont remis en file. Le worker le fait aussi au démarrage "
        "et toutes les 5 minutes."
    )

    def handle(self, *args, **options) -> None:
        recovery = recover_stranded_work()
        self.stdout.write(f"Tâches abandonnées marquées en échec : {len(recovery.tasks)}")
        for task in recovery.tasks:
            self.stdout.write(f"  {task.pk} {task.task_path} (processus {', '.join(task.worker_ids) or 'inconnu'})")
        for label, items in recovery.requeued.items():
            self.stdout.write(f"Remis en file, {label} : {len(items)}")
