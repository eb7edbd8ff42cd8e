from django_tasks import task

from relais.core.recovery import recover_stranded_work


@task()
def recover_stranded_tasks() -> dict[str, int]:
    recovery = recover_stranded_work()
    return {"tasks": len(recovery.tasks), **{label: len(items) for label, items in recovery.requeued.items()}}
